"""Shared reads for packages."""

from django.db.models import Count, F, QuerySet

from evidence.models import DocumentClassification
from evidence.selectors import has_accepted_current_nda

from . import policies
from .models import Package, PackageItem, PackageStatus


def package_list(*, user) -> QuerySet[Package]:
    """Packages the user may see, newest first, with their customer, people and answer counts."""
    return (
        policies.packages_for(user)
        .select_related("organisation", "questionnaire", "assembled_by", "released_by")
        .annotate(item_count=Count("items", distinct=True))
        .order_by("-assembled_at")
    )


def superseded_items(*, user) -> QuerySet[PackageItem]:
    """Answers in released packages whose library entry has since got a newer approved version (errata)."""
    return (
        PackageItem.objects.filter(
            package__in=policies.packages_for(user),
            package__status=PackageStatus.RELEASED,
            library_version__isnull=False,
        )
        .exclude(library_version__entry__approved_version=F("library_version"))
        .select_related("package__organisation", "library_version__entry__approved_version")
        .order_by("package__reference", "order")
    )


def verification_details(result, data: bytes, *, show_recipient: bool) -> dict:
    """What the verify page shows beyond the signature check: whether this site issued the file, the
    package and issue date, which answers have newer approved versions since, and (for staff) the recipient."""
    import hashlib

    from library.models import LibraryEntryVersion

    from .models import RenderedPdf

    manifest = result.manifest or {}
    if manifest.get("kind") == "nda_acceptance":
        return _nda_acceptance_details(manifest, show_recipient=show_recipient)
    issued = (
        RenderedPdf.objects.filter(sha256=hashlib.sha256(data).hexdigest())
        .select_related("package__organisation")
        .first()
    )
    version_ids = [answer.get("version_id") for answer in manifest.get("answers", []) if answer.get("version_id")]
    versions = {
        version.pk: version
        for version in LibraryEntryVersion.objects.filter(
            pk__in=[v for v in version_ids if isinstance(v, int)]
        ).select_related("entry__approved_version")
    }
    superseded = []
    for answer in manifest.get("answers", []):
        version = versions.get(answer.get("version_id"))
        if version is not None and version.entry.approved_version_id not in (None, version.pk):
            superseded.append(
                {
                    "ref": answer.get("ref", ""),
                    "key": version.entry.key,
                    "issued_version": version.number,
                    "current_version": version.entry.approved_version.number,
                }
            )
    return {
        "kind": "package",
        "package": manifest.get("package", ""),
        "revision": manifest.get("revision"),
        "issued_at": manifest.get("issued_at", ""),
        "answer_count": len(manifest.get("answers", [])),
        "issued_here": issued is not None,
        "recipient": (issued.package.organisation.name if issued else manifest.get("customer", ""))
        if show_recipient
        else "",
        "superseded": superseded,
    }


def _nda_acceptance_details(manifest: dict, *, show_recipient: bool) -> dict:
    """The verify page's view of a signed NDA acceptance record: which version was accepted, when, and (for
    staff) by whom; issued here when the acceptance it names exists with the same NDA hash."""
    from evidence.models import NdaAcceptance

    acceptance_id = manifest.get("acceptance_id")
    issued_here = bool(
        isinstance(acceptance_id, int)
        and NdaAcceptance.objects.filter(pk=acceptance_id, nda_sha256=str(manifest.get("nda_sha256", ""))).exists()
    )
    return {
        "kind": "nda_acceptance",
        "package": "",
        "revision": None,
        "issued_at": manifest.get("issued_at", ""),
        "answer_count": 0,
        "nda_version": manifest.get("nda_version"),
        "nda_sha256": manifest.get("nda_sha256", ""),
        "accepted_at": manifest.get("accepted_at", ""),
        "issued_here": issued_here,
        "recipient": f"{manifest.get('full_name', '')}, {manifest.get('organisation', '')}" if show_recipient else "",
        "superseded": [],
    }


# --- Shares, downloads and leak lookup ------------------------------------------------------------------


def package_share_list(*, user, package) -> list:
    """The package's shares for staff, newest first, each with its documents and its downloads (newest first)."""
    from django.db.models import Prefetch

    from .models import Download

    return list(
        policies.shares_for(user)
        .filter(package=package)
        .select_related("created_by", "revoked_by", "organisation")
        .prefetch_related(
            "documents",
            Prefetch(
                "downloads",
                queryset=Download.objects.select_related("user", "document_version__document").order_by("-at"),
            ),
        )
        .order_by("-created_at")
    )


def portal_share_list(*, user) -> list:
    """The active shares of the customer's own organisation (none while it is suspended), newest first."""
    return list(
        policies.shares_for(user)
        .select_related("package", "package__questionnaire")
        .prefetch_related("documents")
        .order_by("-created_at")
    )


def share_documents(*, user, share) -> list[dict]:
    """The share's documents that may still be shared, each with whether this user may download it now."""
    documents = list(policies.shareable_documents().filter(shares=share).order_by("title"))
    # Asked once for the list, and only when an NDA document is in it.
    has_nda = any(document.classification == DocumentClassification.NDA for document in documents)
    accepted_nda = has_accepted_current_nda(user) if has_nda else False
    return [
        {"document": document, "unlocked": policies.can_download_document(user, document, accepted_nda=accepted_nda)}
        for document in documents
    ]


def download_lookup(*, fingerprint: str = "", sha256: str = "") -> list:
    """The downloads a fingerprint or a delivered file's SHA-256 identifies (staff only reach this): who, which
    organisation, what, when and from where."""
    from django.db.models import Q

    from .models import Download

    condition = Q(pk__in=[])
    if fingerprint:
        condition |= Q(fingerprint=fingerprint.strip().upper())
    if sha256:
        condition |= Q(file_sha256=sha256.strip().lower())
    return list(
        Download.objects.filter(condition)
        .select_related("user", "share__organisation", "share__package", "document_version__document")
        .order_by("-at")
    )
