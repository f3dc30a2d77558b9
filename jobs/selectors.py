"""Reads of the jobs app: the workers' last heartbeats."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .models import WorkerHeartbeat
from .services import STALE_AFTER


@dataclass(frozen=True)
class WorkerStatus:
    hostname: str
    started_at: datetime | None
    last_seen: datetime
    alive: bool


def worker_status_list(*, now: datetime | None = None) -> list[WorkerStatus]:
    """Every worker that has reported, by name, alive when seen within STALE_AFTER."""
    now = now or timezone.now()
    return [
        WorkerStatus(beat.hostname, beat.started_at, beat.last_seen, now - beat.last_seen <= STALE_AFTER)
        for beat in WorkerHeartbeat.objects.all()
    ]
