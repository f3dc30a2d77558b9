"""Periodic evidence upkeep."""

from celery import shared_task

from .services import evidence_reminders_send


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def evidence_expiry_reminders() -> int:
    """E-mail owners about documents expiring in 30, 7 or 1 days (each reminder once, so safe to repeat)."""
    return evidence_reminders_send()
