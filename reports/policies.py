"""Who may assemble, release and read packages; the one door to them."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from accounts.policies import Intent, access_check, four_eyes_refusal, has_role, is_vendor_staff
from evidence import selectors as evidence_selectors
from evidence.models import Document, DocumentClassification
from evidence.selectors import has_accepted_current_nda

from .models import Package, PackageStatus, RenderedPdf, Share


def can_assemble_package(user) -> bool:
    """Account managers and security leads assemble packages."""
    return has_role(user, Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD)


def release_refusal(user, package: Package) -> str | None:
    """Why `user` may not release `package`, or None (four eyes: a security lead who did not assemble it)."""
    if not has_role(user, Role.SECURITY_LEAD):
        return "Only a security lead can release a package."
    if package.status != PackageStatus.DRAFT:
        return "This package is already released."
    return four_eyes_refusal(
        user, contributions={package.assembled_by_id: "assembled"}, subject="package", action="release"
    )


def can_release_package(user, package: Package) -> bool:
    """True when a security lead other than the assembler may release this draft."""
    return release_refusal(user, package) is None


def packages_for(user) -> QuerySet[Package]:
    """Every package for vendor staff; customers get theirs through shares, not here."""
    if is_vendor_staff(user):
        return Package.objects.all()
    return Package.objects.none()


def package_get_for(user, reference: str, *, for_: Intent = Intent.VIEW) -> Package:
    """The package, or 404 when it is missing or not the user's to see; 403 when their role may not do
    `for_` (edit: account managers and leads; release: leads)."""
    package = get_object_or_404(
        # What every package page shows of it, joined rather than fetched one by one.
        packages_for(user).select_related("organisation", "questionnaire", "assembled_by", "released_by"),
        reference=reference,
    )
    allowed = {
        Intent.VIEW: True,
        Intent.EDIT: can_assemble_package(user),
        Intent.RELEASE: has_role(user, Role.SECURITY_LEAD),
    }[for_]
    access_check(allowed)
    return package


def pdf_get_for(user, reference: str, revision: int, *, for_: Intent = Intent.VIEW) -> RenderedPdf:
    """One revision of the package's PDF, or 404 when either is missing or not the user's to see; checked for
    `for_` like `package_get_for`."""
    return get_object_or_404(package_get_for(user, reference, for_=for_).pdfs, revision=revision)


def can_see_recipient(user) -> bool:
    """Verification shows who a package was issued to only to vendor staff."""
    return is_vendor_staff(user)


# --- Shares, the customer portal and leak lookup ------------------------------------------------------


def can_share_package(user) -> bool:
    """Account managers and security leads share released packages and revoke shares."""
    return has_role(user, Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD)


def can_suspend_organisation(user) -> bool:
    """Security leads and admins pull the kill switch on an organisation (and reinstate it)."""
    return has_role(user, Role.SECURITY_LEAD, Role.ADMIN)


def can_use_portal(user) -> bool:
    """The customer portal is for customer users (vendor staff see shares on the package page instead)."""
    return has_role(user, Role.CUSTOMER)


def can_look_up_leaks(user) -> bool:
    """Vendor staff trace a leaked copy back to its download."""
    return is_vendor_staff(user)


def shareable_documents() -> QuerySet[Document]:
    """Evidence that may be in a share: the documents of `evidence.selectors.shareable_documents` (current version,
    never internal, never expired), the vault's one rule, as documents."""
    versions = evidence_selectors.shareable_documents()
    return Document.objects.filter(current_version__in=versions).select_related("current_version")


def can_download_document(user, document: Document, *, accepted_nda: bool | None = None) -> bool:
    """Public evidence is always open to a share's recipient; NDA-class evidence only after they accepted the NDA
    text in force (a newer version locks it again). A caller checking many documents may pass `accepted_nda`, what
    `has_accepted_current_nda(user)` answered, to ask it once."""
    if document.classification == DocumentClassification.PUBLIC:
        return True
    if document.classification != DocumentClassification.NDA:
        return False
    return has_accepted_current_nda(user) if accepted_nda is None else accepted_nda


def _customer_of_active_organisation(user) -> bool:
    return bool(
        has_role(user, Role.CUSTOMER) and user.organisation_id is not None and user.organisation.suspended_at is None
    )


def shares_for(user) -> QuerySet[Share]:
    """Vendor staff see every share; a customer sees only the active shares of their own organisation, and none
    while it is suspended; everyone else none."""
    if is_vendor_staff(user):
        return Share.objects.all()
    if _customer_of_active_organisation(user):
        return Share.objects.filter(
            organisation_id=user.organisation_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    return Share.objects.none()


def share_get_for(user, share_id, *, for_: Intent = Intent.VIEW) -> Share:
    """The share, or 404 when it is missing, another organisation's, revoked, expired or its organisation is
    suspended (for customers); 403 when the user may see it but not `for_` (edit: revoke, for sharers only)."""
    share = get_object_or_404(shares_for(user).select_related("package", "organisation"), pk=share_id)
    access_check(for_ == Intent.VIEW or can_share_package(user))
    return share


def share_document_get_for(user, share_id, document_id) -> tuple[Share, Document]:
    """A document of a share the user may download: 404 when the share is not theirs to see (see `share_get_for`),
    the document is not in it or may no longer be shared; 403 while it is NDA-class and the current NDA is not
    accepted."""
    share = share_get_for(user, share_id)
    document = get_object_or_404(shareable_documents().filter(shares=share), pk=document_id)
    access_check(can_download_document(user, document))
    return share, document
