"""The fields a row worked on by a background task carries, whatever the job."""

from django.db import models
from django.utils import timezone


class Job(models.Model):
    """A row a Celery task works on. Besides these fields it has `status` and `progress`; the subclass names its
    running and failed states and the field that holds the reason people read when it failed."""

    job_running: str
    job_failed: str
    job_error_field: str

    attempts = models.PositiveSmallIntegerField(default=0, help_text="Runs started so far; only the latest may write.")
    task_id = models.CharField(
        max_length=64, blank=True, help_text="The run that holds the job; a redelivered task keeps its id."
    )
    heartbeat_at = models.DateTimeField(
        default=timezone.now, help_text="Last sign of life: queued, started or progressed."
    )

    class Meta:
        abstract = True

    def restart(self) -> list[str]:
        """Put the job back in the queue for a fresh run; returns the changed fields for `save(update_fields=…)`."""
        self.status = self.job_running
        self.progress = 0
        setattr(self, self.job_error_field, "")
        self.task_id = ""
        self.heartbeat_at = timezone.now()
        return ["status", "progress", self.job_error_field, "task_id", "heartbeat_at"]


class WorkerHeartbeat(models.Model):
    """The last sign of life of one Celery worker, by its node name: written when it starts and by the periodic
    heartbeat task (for itself and for every worker that answers its ping). Operators read it on the system page."""

    hostname = models.CharField(max_length=200, unique=True, help_text="The worker's node name, e.g. celery@web1.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the worker last announced it was ready.")
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["hostname"]

    def __str__(self) -> str:
        return self.hostname
