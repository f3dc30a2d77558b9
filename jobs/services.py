"""Claiming, fencing, failing and sweeping background jobs: the one place their lifecycle rules live.

A run claims its job. Every later write of that run (progress, result, failure) is made only while the job is
still running and still shows that claim, so a run that was given up on (taken over by a redelivery, restarted,
or ended by the sweeper) can never overwrite what came after it.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Job, WorkerHeartbeat

PROGRESS_STARTED = 5


@dataclass(frozen=True)
class Claim:
    """One run's hold on one job."""

    model: type[Job]
    pk: int
    attempt: int
    task_id: str

    def _held(self):
        return self.model.objects.filter(
            pk=self.pk, status=self.model.job_running, attempts=self.attempt, task_id=self.task_id
        )


def job_claim(*, model: type[Job], pk: int, task_id: str | None, lease: timedelta) -> Claim | None:
    """Start a run of the job, or None when the job is no longer running or a live run holds it. A run may start
    on a job that is unclaimed, claimed by this very task (a redelivered message: the worker of the earlier
    delivery is gone), or silent for longer than `lease` (that run is past its time limit)."""
    now = timezone.now()
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=pk, status=model.job_running).first()
        if job is None:
            return None
        task_id = task_id or f"local-{uuid.uuid4().hex}"
        if job.task_id and job.task_id != task_id and job.heartbeat_at > now - lease:
            return None
        model.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, task_id=task_id, heartbeat_at=now, progress=PROGRESS_STARTED
        )
        return Claim(model=model, pk=pk, attempt=job.attempts + 1, task_id=task_id)


def job_progress(*, claim: Claim, percent: int) -> bool:
    """Record the run's progress (a sign of life); False when the run no longer holds the job."""
    return bool(claim._held().update(progress=percent, heartbeat_at=timezone.now()))


def job_lock(*, claim: Claim) -> Job | None:
    """Inside a transaction: the job's row, locked for writing the run's result, or None when the run no longer
    holds the job (its result is then thrown away)."""
    return claim._held().select_for_update().first()


def job_fail(*, claim: Claim, reason: str) -> bool:
    """End the job as failed with `reason` for people to read; False when the run no longer held it."""
    model = claim.model
    updated = claim._held().update(
        status=model.job_failed, progress=100, heartbeat_at=timezone.now(), **{model.job_error_field: reason[:2000]}
    )
    return bool(updated)


def jobs_fail_silent(*, model: type[Job], silent_for: timedelta, reason: str) -> list[int]:
    """Fail every running job with no sign of life for `silent_for` (no run can still be at work on it, and its
    redelivery would have come); returns their ids."""
    cutoff = timezone.now() - silent_for
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(status=model.job_running, heartbeat_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        model.objects.filter(pk__in=ids, status=model.job_running).update(
            status=model.job_failed, progress=100, heartbeat_at=timezone.now(), **{model.job_error_field: reason}
        )
    return ids


# --- Worker heartbeats: which Celery workers are alive, as the periodic heartbeat task last saw them.

HEARTBEAT_INTERVAL = timedelta(minutes=1)
# Three missed beats: the worker (or beat, or the broker) is gone, not merely busy with one long task.
STALE_AFTER = 3 * HEARTBEAT_INTERVAL


def heartbeat_record(hostnames: list[str], *, started: bool = False) -> None:
    """Marks each named worker as seen now (and as just started, when it announces itself)."""
    now = timezone.now()
    for hostname in {name[:200] for name in hostnames if name}:
        defaults = {"last_seen": now, **({"started_at": now} if started else {})}
        WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults=defaults)
