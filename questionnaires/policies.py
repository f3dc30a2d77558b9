"""Who may read, write and review the answer library; the one door to its objects."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from accounts.policies import is_vendor_staff

from .models import LibraryEntry, LibraryEntryVersion, Questionnaire, Response, ResponseStatus, VersionStatus

LIBRARY_WRITERS = (Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD)


def _active_role(user, *roles) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in roles)


def can_view_library(user) -> bool:
    """Vendor staff read the library; customers never see it (they get packages)."""
    return is_vendor_staff(user)


def can_edit_library(user) -> bool:
    """Account managers and security leads draft and edit entries."""
    return _active_role(user, *LIBRARY_WRITERS)


def can_review_library(user) -> bool:
    """Security leads review: approve, reject, retire, change classification."""
    return _active_role(user, Role.SECURITY_LEAD)


def approval_refusal(user, version: LibraryEntryVersion) -> str | None:
    """Why `user` may not approve `version`, or None when they may (four eyes: never one's own work)."""
    if not can_review_library(user):
        return "Only a security lead can approve library answers."
    if version.status != VersionStatus.IN_REVIEW:
        return f"Only versions in review can be approved; this one is {version.get_status_display().lower()}."
    if user.pk == version.author_id:
        return "You wrote this version, so someone else must approve it."
    if user.pk == version.last_edited_by_id or version.editors.filter(pk=user.pk).exists():
        return "You edited this version, so someone else must approve it."
    return None


def can_approve_entry_version(user, version: LibraryEntryVersion) -> bool:
    """True when `user` is a security lead who neither wrote nor edited this version in review."""
    return approval_refusal(user, version) is None


def can_reject_entry_version(user, version: LibraryEntryVersion) -> bool:
    """Security leads send versions in review back with a comment."""
    return can_review_library(user) and version.status == VersionStatus.IN_REVIEW


def entries_for(user) -> QuerySet[LibraryEntry]:
    """Every entry for vendor staff; nothing for anyone else."""
    if can_view_library(user):
        return LibraryEntry.objects.all()
    return LibraryEntry.objects.none()


def entry_get_for(user, key: str) -> LibraryEntry:
    """The entry, or 404 when it is missing or not the user's to see."""
    return get_object_or_404(entries_for(user), key=key)


def version_get_for(user, entry: LibraryEntry, number: int) -> LibraryEntryVersion:
    """A version of an entry the user may see, or 404."""
    return get_object_or_404(
        LibraryEntryVersion.objects.filter(entry__in=entries_for(user)).select_related("author", "approver"),
        entry=entry,
        number=number,
    )


# --- Questionnaires and responses -----------------------------------------------------------------


def can_work_on_questionnaires(user) -> bool:
    """Account managers and security leads import questionnaires and edit responses."""
    return _active_role(user, *LIBRARY_WRITERS)


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
