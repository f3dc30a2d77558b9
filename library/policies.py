"""Who may read, write and review the answer library; the one door to its objects."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from accounts.policies import has_role, is_vendor_staff

from .models import LibraryEntry, LibraryEntryVersion, VersionStatus

LIBRARY_WRITERS = (Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD)


def can_view_library(user) -> bool:
    """Vendor staff read the library; customers never see it (they get packages)."""
    return is_vendor_staff(user)


def can_edit_library(user) -> bool:
    """Account managers and security leads draft and edit entries."""
    return has_role(user, *LIBRARY_WRITERS)


def can_review_library(user) -> bool:
    """Security leads review: approve, reject, retire, change classification."""
    return has_role(user, Role.SECURITY_LEAD)


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
