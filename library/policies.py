"""Who may read, write and review the answer library; the one door to its objects; and what may leave."""

from datetime import date

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from accounts.policies import Intent, access_check, four_eyes_refusal, has_role, is_vendor_staff

from .models import Classification, CompanyProfile, LibraryEntry, LibraryEntryVersion, VersionStatus

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
    return four_eyes_refusal(user, contributions=version_contributions(version), subject="version")


def version_contributions(version: LibraryEntryVersion) -> dict[int | None, str]:
    """Everyone who put words into this version: its author and each editor."""
    contributions: dict[int | None, str] = dict.fromkeys(_editor_ids(version), "edited")
    contributions[version.last_edited_by_id] = "edited"
    contributions[version.author_id] = "wrote"
    return contributions


def _editor_ids(obj) -> list[int]:
    # Uses prefetched editors when the caller loaded them (list pages), one query otherwise.
    return [editor.pk for editor in obj.editors.all()]


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


_LIBRARY_INTENTS = {
    Intent.VIEW: can_view_library,
    Intent.EDIT: can_edit_library,
    Intent.APPROVE: can_review_library,
}


def entry_get_for(user, key: str, *, for_: Intent = Intent.VIEW) -> LibraryEntry:
    """The entry, or 404 when it is missing or not the user's to see; 403 when their role may not do
    `for_` with it (draft: account managers and leads; approve, retire, classify: leads)."""
    entry = get_object_or_404(entries_for(user), key=key)
    access_check(_LIBRARY_INTENTS[for_](user))
    return entry


def version_get_for(user, entry: LibraryEntry, number: int, *, for_: Intent = Intent.VIEW) -> LibraryEntryVersion:
    """A version of an entry the user may see (404 otherwise), checked for `for_` like `entry_get_for`."""
    version = get_object_or_404(
        LibraryEntryVersion.objects.filter(entry__in=entries_for(user)).select_related("author", "approver"),
        entry=entry,
        number=number,
    )
    access_check(_LIBRARY_INTENTS[for_](user))
    return version


def can_edit_company_profile(user) -> bool:
    """Admins and security leads keep the company profile: its details go into every questionnaire."""
    return has_role(user, Role.ADMIN, Role.SECURITY_LEAD)


def company_profile_get_for(user, *, for_: Intent = Intent.VIEW) -> CompanyProfile:
    """The company profile (unsaved and blank until someone fills it in), or 404 for anyone but vendor staff;
    403 when they may see it but not `for_` it (edit: `can_edit_company_profile`)."""
    if not is_vendor_staff(user):
        raise Http404("No company profile here.")
    access_check(for_ == Intent.VIEW or can_edit_company_profile(user))
    return CompanyProfile.current()


def nda_covers(organisation) -> bool:
    """Whether a current NDA covers the readers of `organisation` (someone of it accepted the current NDA
    text; the evidence app keeps the flag). No organisation, no cover."""
    return bool(organisation is not None and organisation.is_nda_covered)


class LeaveRefusal(models.TextChoices):
    """Why wording may not leave the company; the label reads as the end of "… because …"."""

    INTERNAL = "internal", "it is internal-class and never leaves the company"
    RETIRED = "retired", "its library entry is retired"
    NOT_APPROVED = "not_approved", "its library entry has no approved wording"
    SUPERSEDED = "superseded", "the library has replaced this wording with a newer approved version"
    OVERDUE = "overdue", "its library entry is overdue for review"
    EVIDENCE = "evidence", "the evidence it cites has expired or been replaced (re-approve it with current evidence)"
    NDA = "nda", "it is NDA-class and the customer is not covered by a current NDA"


def leave_refusal(version: LibraryEntryVersion, *, nda_covered: bool, today: date | None = None) -> LeaveRefusal | None:
    """What may leave the company, the one place it is written: why this wording may not go out, or None.

    Wording leaves only as its entry's approved, current version, while the entry is not retired and
    not overdue for review and the evidence it cites still stands, never when it is internal-class, and
    NDA-class only to a reader covered by a current NDA (`nda_covered`). `selectors.leaving_entries` is the
    same rule as a query."""
    entry = version.entry
    today = today or timezone.localdate()
    if entry.classification == Classification.INTERNAL:
        return LeaveRefusal.INTERNAL
    if entry.retired_at is not None:
        return LeaveRefusal.RETIRED
    if entry.approved_version_id is None:
        return LeaveRefusal.NOT_APPROVED
    if entry.approved_version_id != version.pk:
        return LeaveRefusal.SUPERSEDED
    if entry.review_due is None or entry.review_due < today:
        return LeaveRefusal.OVERDUE
    if version.evidence_valid_until is not None and version.evidence_valid_until < today:
        return LeaveRefusal.EVIDENCE
    if entry.classification == Classification.NDA and not nda_covered:
        return LeaveRefusal.NDA
    return None
