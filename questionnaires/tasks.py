"""Periodic library upkeep."""

from celery import shared_task

from .services import library_review_reminders_send


@shared_task(time_limit=10 * 60)
def library_review_reminders() -> int:
    """Email owners about entries due for review (at most once a day per entry, so safe to repeat)."""
    return library_review_reminders_send()


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def questionnaire_import_task(questionnaire_id: int) -> str:
    """Parse and auto-fill one uploaded questionnaire; repeating it after success changes nothing."""
    from .services import questionnaire_import

    return questionnaire_import(questionnaire_id=questionnaire_id).status
