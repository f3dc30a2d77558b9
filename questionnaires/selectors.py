"""Shared reads of questionnaires and their questions."""

from django.db.models import Count, F, Q

from . import policies
from .models import Question, Questionnaire, QuestionnaireStatus, ResponseStatus


def _response_counts() -> dict:
    prefix = "questions__response__status"
    return {
        "total": Count("questions", distinct=True),
        "suggested": Count("questions", filter=Q(**{prefix: ResponseStatus.SUGGESTED}), distinct=True),
        "accepted": Count("questions", filter=Q(**{prefix: ResponseStatus.ACCEPTED}), distinct=True),
        "attention": Count("questions", filter=Q(**{prefix: ResponseStatus.NEEDS_ATTENTION}), distinct=True),
        "approved": Count("questions", filter=Q(**{prefix: ResponseStatus.APPROVED}), distinct=True),
    }


def questionnaire_list(*, user, include_completed: bool = False):
    """Questionnaires the user may see with per-status response counts, soonest due first."""
    questionnaires = policies.questionnaires_for(user).select_related("organisation", "owner")
    if not include_completed:
        questionnaires = questionnaires.exclude(status=QuestionnaireStatus.COMPLETED)
    return questionnaires.annotate(**_response_counts()).order_by(F("due_on").asc(nulls_last=True), "-created_at")


def questionnaire_counts(questionnaire) -> dict:
    """Per-status response counts of one questionnaire."""
    return Questionnaire.objects.filter(pk=questionnaire.pk).aggregate(**_response_counts())


def question_list(*, questionnaire, status: str = "", assignee_id: int | None = None, query: str = ""):
    """The questionnaire's questions in file order with their responses and the entries they use."""
    questions = (
        Question.objects.filter(questionnaire=questionnaire)
        .select_related(
            "response",
            "response__source_version__entry",
            "response__assignee",
            "response__last_edited_by",
            "response__approver",
        )
        .prefetch_related("response__editors")
    )
    if status == "flagged":
        questions = questions.filter(response__is_flagged=True)
    elif status:
        questions = questions.filter(response__status=status)
    if assignee_id:
        questions = questions.filter(response__assignee_id=assignee_id)
    if query:
        questions = questions.filter(Q(ref__icontains=query) | Q(text__icontains=query))
    return questions.order_by("order")
