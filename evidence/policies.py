"""Who may see, upload, cite and classify evidence; the one door to documents and their versions."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from accounts.policies import Intent, access_check, has_role, is_vendor_staff
from library.models import FROZEN_STATUSES, LibraryEntryVersion

from .models import Document, DocumentVersion

EVIDENCE_WRITERS = (Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD)


def can_view_evidence(user) -> bool:
    """Vendor staff see every document on the staff pages; customers get theirs through the portal only."""
    return is_vendor_staff(user)


def can_manage_evidence(user) -> bool:
    """Account managers and security leads upload documents and versions, change dates and cite them."""
    return has_role(user, *EVIDENCE_WRITERS)


def can_classify_evidence(user) -> bool:
    """Only security leads decide who may read a document (public, NDA, internal)."""
    return has_role(user, Role.SECURITY_LEAD)


def documents_for(user) -> QuerySet[Document]:
    """Every document for vendor staff; nothing for anyone else."""
    if can_view_evidence(user):
        return Document.objects.all()
    return Document.objects.none()


_EVIDENCE_INTENTS = {
    Intent.VIEW: can_view_evidence,
    Intent.EDIT: can_manage_evidence,
    Intent.APPROVE: can_classify_evidence,
}


def document_get_for(user, pk: int, *, for_: Intent = Intent.VIEW) -> Document:
    """The document, or 404 when it is missing or not the user's to see; 403 when their role may not do
    `for_` (edit: upload, cite, dates — managers and leads; approve: classification — leads)."""
    document = get_object_or_404(documents_for(user).select_related("owner", "current_version"), pk=pk)
    access_check(_EVIDENCE_INTENTS[for_](user))
    return document


def version_get_for(user, pk: int, number: int, *, for_: Intent = Intent.VIEW) -> DocumentVersion:
    """A version of a document the user may see (404 otherwise), checked for `for_` like `document_get_for`."""
    version = get_object_or_404(
        DocumentVersion.objects.filter(document__in=documents_for(user)).select_related("document", "uploaded_by"),
        document_id=pk,
        number=number,
    )
    access_check(_EVIDENCE_INTENTS[for_](user))
    return version


def citation_removal_refusal(version: DocumentVersion, library_version: LibraryEntryVersion, today=None) -> str | None:
    """Why this citation may not be removed, or None. Approved wording that cites evidence which has ended
    keeps the citation: dropping it would let the wording leave again without a second person's approval."""
    today = today or timezone.localdate()
    ended = version.superseded_at is not None or version.is_expired(today)
    if library_version.status in FROZEN_STATUSES and ended:
        return (
            f"{library_version} is approved wording and this evidence has ended; draft a new version of the entry "
            "that cites current evidence and have it approved instead."
        )
    return None
