"""Questionnaire imports run here, never inside a web request."""

from celery import shared_task

from .services.questionnaires import (
    IMPORT_SOFT_TIME_LIMIT,
    IMPORT_TIME_LIMIT,
    questionnaire_import,
    questionnaire_imports_sweep,
)


@shared_task(bind=True, time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_SOFT_TIME_LIMIT)
def questionnaire_import_task(self, questionnaire_id: int) -> str:
    """Parse and auto-fill one uploaded questionnaire; a redelivery takes over a lost run, a finished import is
    left alone."""
    return questionnaire_import(questionnaire_id=questionnaire_id, task_id=self.request.id).status


@shared_task(time_limit=5 * 60)
def questionnaire_imports_sweep_task() -> int:
    """End imports that stopped without finishing as failed (they are then shown with a retry button)."""
    return len(questionnaire_imports_sweep())
