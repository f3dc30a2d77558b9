"""Who may work on questionnaires and approve responses; the one door to them."""

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.policies import Intent, access_check, four_eyes_refusal, has_role
from library.models import LibraryEntryVersion
from library.policies import LIBRARY_WRITERS, can_review_library, can_view_library, version_contributions

from .models import LearningBatch, LearningItem, Questionnaire, Response, ResponseStatus


def can_work_on_questionnaires(user) -> bool:
    """Account managers and security leads import questionnaires and edit responses."""
    return has_role(user, *LIBRARY_WRITERS)


def questionnaires_for(user) -> QuerySet[Questionnaire]:
    """Every questionnaire for vendor staff; nothing for customers."""
    if can_view_library(user):
        return Questionnaire.objects.all()
    return Questionnaire.objects.none()


_QUESTIONNAIRE_INTENTS = {
    Intent.VIEW: can_view_library,
    Intent.EDIT: can_work_on_questionnaires,
    Intent.APPROVE: can_review_library,
}


def questionnaire_get_for(user, pk, *, for_: Intent = Intent.VIEW) -> Questionnaire:
    """The questionnaire, or 404 when it is missing or not the user's to see; 403 when their role may not
    do `for_` (edit: account managers and leads; approve: leads)."""
    questionnaire = get_object_or_404(questionnaires_for(user), pk=pk)
    access_check(_QUESTIONNAIRE_INTENTS[for_](user))
    return questionnaire


def response_get_for(user, questionnaire: Questionnaire, question_pk, *, for_: Intent = Intent.VIEW) -> Response:
    """The response to one question of a questionnaire the user may see (404 otherwise), checked for `for_`
    like `questionnaire_get_for`."""
    response = get_object_or_404(
        Response.objects.select_related("question", "source_version__entry", "last_edited_by", "approver", "assignee"),
        question__questionnaire__in=questionnaires_for(user),
        question__questionnaire=questionnaire,
        question_id=question_pk,
    )
    access_check(_QUESTIONNAIRE_INTENTS[for_](user))
    return response


def response_approval_refusal(user, response: Response) -> str | None:
    """Why `user` may not approve this response, or None (four eyes: not its last editor)."""
    if not can_review_library(user):
        return "Only a security lead can approve responses."
    if response.status != ResponseStatus.ACCEPTED:
        return "Only accepted responses can be approved."
    if not (response.text.strip() or response.choice):
        return "An empty response cannot be approved."
    return four_eyes_refusal(user, contributions=response_contributions(response), subject="response")


def response_contributions(response: Response) -> dict[int | None, str]:
    """Everyone whose words are in this response: each editor (accepting counts), and the writers of the
    library version it uses when that version was drafted from this very response."""
    contributions: dict[int | None, str] = {}
    if response.source_version_id and response.source_version_id == response.proposed_version_id:
        contributions.update(version_contributions(response.source_version))
    contributions.update({editor.pk: "edited" for editor in response.editors.all()})
    contributions[response.last_edited_by_id] = "edited"
    return contributions


def responses_approvable_by(user) -> QuerySet[Response]:
    """The responses `user` may approve, as one query for counting in bulk: the same rule as
    `response_approval_refusal` (accepted, not empty, nothing of theirs in it), which a test holds it to."""
    if user is None or user.pk is None or not can_review_library(user):
        return Response.objects.none()
    response_editor = Response.editors.through.objects.filter(response_id=OuterRef("pk"), user_id=user.pk)
    version_editor = LibraryEntryVersion.editors.through.objects.filter(
        libraryentryversion_id=OuterRef("source_version_id"), user_id=user.pk
    )
    drafted_by_user = Q(source_version_id=F("proposed_version_id")) & (
        Q(source_version__author_id=user.pk) | Q(source_version__last_edited_by_id=user.pk) | Exists(version_editor)
    )
    return (
        Response.objects.filter(status=ResponseStatus.ACCEPTED)
        .filter(Q(text__regex=r"\S") | ~Q(choice=""))
        .exclude(last_edited_by_id=user.pk)
        .exclude(Exists(response_editor))
        .exclude(drafted_by_user)
    )


def can_approve_response(user, response: Response) -> bool:
    """True when a security lead other than the response's last editor may approve it."""
    return response_approval_refusal(user, response) is None


def learning_batches_for(user) -> QuerySet[LearningBatch]:
    """Every learning batch for vendor staff; nothing for customers (they hold other customers' answers)."""
    if can_view_library(user):
        return LearningBatch.objects.all()
    return LearningBatch.objects.none()


_LEARNING_INTENTS = {Intent.VIEW: can_view_library, Intent.EDIT: can_work_on_questionnaires}


def learning_batch_get_for(user, pk, *, for_: Intent = Intent.VIEW) -> LearningBatch:
    """The batch, or 404 when it is missing or not the user's to see; 403 when their role may not do `for_`
    (edit: confirm links and draft entries, account managers and leads)."""
    batch = get_object_or_404(learning_batches_for(user), pk=pk)
    access_check(_LEARNING_INTENTS[for_](user))
    return batch


def learning_item_get_for(user, batch: LearningBatch, item_pk, *, for_: Intent = Intent.VIEW) -> LearningItem:
    """One item of a batch the user may see (404 otherwise, and for another batch's item), checked for `for_`
    like `learning_batch_get_for`."""
    item = get_object_or_404(
        LearningItem.objects.select_related("batch", "suggested_entry"),
        batch__in=learning_batches_for(user),
        batch=batch,
        pk=item_pk,
    )
    access_check(_LEARNING_INTENTS[for_](user))
    return item
