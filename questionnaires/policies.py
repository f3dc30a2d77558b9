"""Who may work on questionnaires and approve responses; the one door to them."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.policies import has_role
from library.policies import LIBRARY_WRITERS, can_review_library, can_view_library

from .models import Questionnaire, Response, ResponseStatus


def can_work_on_questionnaires(user) -> bool:
    """Account managers and security leads import questionnaires and edit responses."""
    return has_role(user, *LIBRARY_WRITERS)


def questionnaires_for(user) -> QuerySet[Questionnaire]:
    """Every questionnaire for vendor staff; nothing for customers."""
    if can_view_library(user):
        return Questionnaire.objects.all()
    return Questionnaire.objects.none()


def questionnaire_get_for(user, pk) -> Questionnaire:
    """The questionnaire, or 404 when it is missing or not the user's to see."""
    return get_object_or_404(questionnaires_for(user), pk=pk)


def response_get_for(user, questionnaire: Questionnaire, question_pk) -> Response:
    """The response to one question of a questionnaire the user may see, or 404."""
    return get_object_or_404(
        Response.objects.select_related("question", "source_version__entry", "last_edited_by", "approver", "assignee"),
        question__questionnaire__in=questionnaires_for(user),
        question__questionnaire=questionnaire,
        question_id=question_pk,
    )


def response_approval_refusal(user, response: Response) -> str | None:
    """Why `user` may not approve this response, or None (four eyes: not its last editor)."""
    if not can_review_library(user):
        return "Only a security lead can approve responses."
    if response.status != ResponseStatus.ACCEPTED:
        return "Only accepted responses can be approved."
    if not (response.text.strip() or response.choice):
        return "An empty response cannot be approved."
    if response.last_edited_by_id == user.pk:
        return "You edited or accepted this response last, so someone else must approve it."
    return None


def can_approve_response(user, response: Response) -> bool:
    """True when a security lead other than the response's last editor may approve it."""
    return response_approval_refusal(user, response) is None
