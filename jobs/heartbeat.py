"""Worker heartbeats: which Celery workers are alive, as the periodic heartbeat task last saw them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .models import WorkerHeartbeat

HEARTBEAT_INTERVAL = timedelta(minutes=1)
# Three missed beats: the worker (or beat, or the broker) is gone, not merely busy with one long task.
STALE_AFTER = 3 * HEARTBEAT_INTERVAL


def record_heartbeat(hostnames: list[str], *, started: bool = False) -> None:
    """Mark each named worker as seen now (and as just started, when it announces itself)."""
    now = timezone.now()
    for hostname in {name[:200] for name in hostnames if name}:
        defaults = {"last_seen": now, **({"started_at": now} if started else {})}
        WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults=defaults)


@dataclass(frozen=True)
class WorkerStatus:
    hostname: str
    started_at: datetime | None
    last_seen: datetime
    alive: bool


def worker_statuses(*, now: datetime | None = None) -> list[WorkerStatus]:
    now = now or timezone.now()
    return [
        WorkerStatus(beat.hostname, beat.started_at, beat.last_seen, now - beat.last_seen <= STALE_AFTER)
        for beat in WorkerHeartbeat.objects.all()
    ]
