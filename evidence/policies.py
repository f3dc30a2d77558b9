"""Who may see, upload, cite and classify evidence, publish and accept NDA texts and review access requests; the
one door to documents, their versions, NDA acceptances and access requests."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from accounts.policies import Intent, access_check, has_role, is_vendor_staff
from library.models import FROZEN_STATUSES, LibraryEntryVersion

from .models import AccessRequest, Document, DocumentVersion, NdaAcceptance

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


# --- NDA and access requests ---------------------------------------------------------------------


def can_manage_nda(user) -> bool:
    """Security leads and admins publish NDA texts."""
    return has_role(user, Role.SECURITY_LEAD, Role.ADMIN)


def can_view_nda_acceptances(user) -> bool:
    """Vendor staff see who accepted which NDA version, and download the signed record."""
    return is_vendor_staff(user)


def can_accept_nda(user) -> bool:
    """Only an active customer user of an organisation accepts the NDA, and only for themself."""
    return bool(has_role(user, Role.CUSTOMER) and user.organisation_id is not None)


def can_review_access_requests(user) -> bool:
    """Vendor staff (who may invite customer users) approve or decline requests from the trust page."""
    return is_vendor_staff(user)


def nda_acceptances_for(user) -> QuerySet[NdaAcceptance]:
    """Every acceptance for vendor staff; none for anyone else (a customer's record is kept by the vendor)."""
    if can_view_nda_acceptances(user):
        return NdaAcceptance.objects.all()
    return NdaAcceptance.objects.none()


def nda_acceptance_get_for(user, pk) -> NdaAcceptance:
    """The acceptance with its user, organisation and NDA text, or 404 when missing or not the user's to see."""
    return get_object_or_404(
        nda_acceptances_for(user).select_related("user", "organisation", "nda_text"),
        pk=pk,
    )


def access_requests_for(user) -> QuerySet[AccessRequest]:
    """Every access request for vendor staff; none for anyone else."""
    if can_review_access_requests(user):
        return AccessRequest.objects.all()
    return AccessRequest.objects.none()


def access_request_get_for(user, pk) -> AccessRequest:
    """The access request, or 404 when it is missing or not the user's to see."""
    return get_object_or_404(access_requests_for(user), pk=pk)
