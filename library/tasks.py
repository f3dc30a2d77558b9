"""Periodic library upkeep."""

from celery import shared_task

from .services import library_review_reminders_send


@shared_task(time_limit=10 * 60)
def library_review_reminders() -> int:
    """Email owners about entries due for review (at most once a day per entry, so safe to repeat)."""
    return library_review_reminders_send()
