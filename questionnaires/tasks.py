"""Questionnaire imports run here, never inside a web request."""

from celery import shared_task


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def questionnaire_import_task(questionnaire_id: int) -> str:
    """Parse and auto-fill one uploaded questionnaire; repeating it after success changes nothing."""
    from .services import questionnaire_import

    return questionnaire_import(questionnaire_id=questionnaire_id).status
