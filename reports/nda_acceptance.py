"""The signed record of an NDA acceptance: rendered like a package (WeasyPrint, our own assets only) and signed
with the package signing key, with a manifest naming the acceptance and the hashes, so `verify_pdf` and the
verify page check it exactly as they check a package."""

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from evidence.models import NdaAcceptance

from .rendering import html_to_pdf, render_nda_acceptance_html
from .signing import SignedPdf, manifest_sha256, sign_pdf

MANIFEST_FORMAT = "trustpack-nda-acceptance-manifest/1"
MANIFEST_KIND = "nda_acceptance"


def nda_acceptance_manifest(acceptance: NdaAcceptance, *, issued_at) -> dict:
    """What the signed PDF attests: who accepted which NDA text (by hash), for which organisation, when, from where."""
    return {
        "format": MANIFEST_FORMAT,
        "kind": MANIFEST_KIND,
        "vendor": settings.TRUSTPACK_VENDOR_NAME,
        "acceptance_id": acceptance.pk,
        "user_id": acceptance.user_id,
        "user_email": acceptance.user.email,
        "full_name": acceptance.full_name,
        "title": acceptance.title,
        "organisation_id": acceptance.organisation_id,
        "organisation": acceptance.organisation.name,
        "nda_text_id": acceptance.nda_text_id,
        "nda_version": acceptance.nda_text.version,
        "nda_sha256": acceptance.nda_sha256,
        "accepted_at": acceptance.accepted_at.isoformat(),
        "ip": acceptance.ip or "",
        "user_agent": acceptance.user_agent,
        "issued_at": issued_at.isoformat(),
    }


def nda_acceptance_pdf(*, actor: User, acceptance: NdaAcceptance, request: HttpRequest | None = None) -> SignedPdf:
    """The acceptance as a signed PDF for vendor staff (fetched through `evidence.policies.nda_acceptance_get_for`),
    its issue audited. Nothing is stored: the record itself is the acceptance row, and each copy verifies."""
    issued_at = timezone.now()
    manifest = nda_acceptance_manifest(acceptance, issued_at=issued_at)
    html = render_nda_acceptance_html(
        {
            "acceptance": acceptance,
            "vendor": settings.TRUSTPACK_VENDOR_NAME,
            "issued_at": issued_at,
            "manifest_sha256": manifest_sha256(manifest),
        }
    )
    signed = sign_pdf(html_to_pdf(html), manifest=manifest, reason="NDA acceptance record")
    audit_record(
        action="nda.acceptance_pdf_issued",
        actor=actor,
        obj=acceptance,
        data={"sha256": signed.sha256, "manifest_sha256": signed.manifest_sha256},
        request=request,
    )
    return signed
