"""The periodic worker heartbeat (scheduled by beat in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from celery.signals import worker_ready

from .services import heartbeat_record

PING_TIMEOUT_SECONDS = 2.0


@shared_task(bind=True, acks_late=False)
def worker_heartbeat(self) -> None:
    """Records the worker running this task, and every worker that answers a ping (a worker on the solo pool
    cannot answer while it runs this, which is why the runner records itself)."""
    names = [self.request.hostname] if self.request.hostname else []
    try:
        replies = self.app.control.ping(timeout=PING_TIMEOUT_SECONDS) or []
    except Exception:
        replies = []
    for reply in replies:
        names.extend(reply)
    heartbeat_record(names)


@worker_ready.connect
def _announce(sender=None, **kwargs) -> None:
    """A worker that has just started shows on the system page at once, not a minute later."""
    hostname = getattr(sender, "hostname", None)
    if hostname:
        heartbeat_record([hostname], started=True)
