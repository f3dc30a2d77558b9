"""Who may assemble, release and read packages; the one door to them."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from accounts.policies import Intent, access_check, four_eyes_refusal, has_role, is_vendor_staff

from .models import Package, PackageStatus, RenderedPdf


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
    package = get_object_or_404(packages_for(user), reference=reference)
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
