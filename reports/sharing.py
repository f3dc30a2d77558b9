"""Writes of the customer half of reports: shares, their revocation, the organisation kill switch, and the
logged (and, for evidence PDFs, watermarked) deliveries of the customer portal.

Kept apart from services.py, which holds packages, rendering and signing and is past the size where a module
is split by sub-domain.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import CustomerOrganisation, Role, User
from accounts.policies import organisation_link_refusal
from accounts.services import step_up_ensure
from audit.services import audit_record, client_ip
from evidence.models import Document, DocumentVersion
from questionnaires.exporting import ExportError, questionnaire_export

from . import policies
from .models import Download, DownloadKind, Package, RenderStatus, Share
from .watermark import Stamp, watermark_pdf

DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 365


def _new_fingerprint() -> str:
    """64 random bits, upper-case hex: short enough to read off a page, impossible to guess."""
    return secrets.token_hex(8).upper()


# --- Shares -----------------------------------------------------------------------------------------------


def share_create(
    *,
    actor: User,
    package: Package,
    expires_at: datetime,
    note: str = "",
    documents: list[Document] | None = None,
    request: HttpRequest | None = None,
    portal_url: str = "",
    notify: bool = True,
) -> Share:
    """Share a released package (and evidence that may be shared) with the package's own organisation until
    `expires_at` (in the future, at most a year away); audited; unless `notify` is off, the organisation's
    customer users are e-mailed once the share is committed."""
    if not policies.can_share_package(actor):
        raise PermissionDenied("Only account managers and security leads share packages.")
    if not package.is_released:
        raise ValidationError("Only a released package can be shared.")
    pdf = package.latest_pdf
    if pdf is None or pdf.status != RenderStatus.READY:
        raise ValidationError("The package's signed PDF is not ready yet; share it once it is signed.")
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_on": "The expiry date must be in the future."})
    if expires_at > now + timedelta(days=MAX_SHARE_DAYS + 1):
        raise ValidationError({"expires_on": f"A share lasts at most {MAX_SHARE_DAYS} days; share again later."})
    documents = list(documents or [])
    shareable = set(
        policies.shareable_documents().filter(pk__in=[d.pk for d in documents]).values_list("pk", flat=True)
    )
    refused = [document.title for document in documents if document.pk not in shareable]
    if refused:
        raise ValidationError({"documents": f"These documents may not be shared: {', '.join(refused)}."})
    with transaction.atomic():
        organisation = CustomerOrganisation.objects.select_for_update().get(pk=package.organisation_id)
        refusal = organisation_link_refusal(organisation.pk, package.organisation_id, "That package")
        if refusal:
            raise ValidationError(refusal)
        if organisation.suspended_at is not None:
            raise ValidationError(f"{organisation.name} is suspended; reinstate it before sharing.")
        share = Share.objects.create(
            package=package, organisation=organisation, created_by=actor, expires_at=expires_at, note=note.strip()
        )
        share.documents.set(documents)
        audit_record(
            action="share.created",
            actor=actor,
            obj=share,
            data={
                "package": package.reference,
                "organisation": organisation.name,
                "expires_at": expires_at.isoformat(),
                "documents": [document.title for document in documents],
            },
            request=request,
        )
        if notify:
            transaction.on_commit(lambda: _queue_notify(share.pk, portal_url))
    return share


def _queue_notify(share_id: int, portal_url: str) -> None:
    from .tasks import share_notify_task

    share_notify_task.delay(share_id, portal_url)


def share_notify(*, share_id: int, portal_url: str = "") -> int:
    """E-mail every active customer user of the share's organisation that something was shared; returns how
    many were told. A share revoked or expired before the mail goes out tells nobody."""
    share = Share.objects.select_related("package", "organisation").get(pk=share_id)
    if not share.is_active() or share.organisation.suspended_at is not None:
        return 0
    recipients = list(
        share.organisation.users.filter(is_active=True, role=Role.CUSTOMER).values_list("email", flat=True)
    )
    if not recipients:
        return 0
    body = render_to_string("reports/email/share_created.txt", {"share": share, "portal_url": portal_url})
    subject = f"[Trustpack] Security package {share.package.reference} shared with {share.organisation.name}"
    # One message per person: recipients never see each other's addresses.
    for email in recipients:
        send_mail(subject, body, None, [email], fail_silently=False)
    return len(recipients)


def share_revoke(*, actor: User, share: Share, request: HttpRequest | None = None) -> Share:
    """End a share at once (its links answer 404 from the next request); audited. Revoking twice changes nothing."""
    if not policies.can_share_package(actor):
        raise PermissionDenied("Only account managers and security leads revoke shares.")
    with transaction.atomic():
        share = Share.objects.select_for_update().get(pk=share.pk)
        if share.revoked_at is not None:
            return share
        share.revoked_at = timezone.now()
        share.revoked_by = actor
        share.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            action="share.revoked",
            actor=actor,
            obj=share,
            data={"package": share.package.reference, "organisation": share.organisation.name},
            request=request,
        )
    return share


# --- The kill switch --------------------------------------------------------------------------------------


def organisation_suspend(
    *,
    actor: User,
    organisation: CustomerOrganisation,
    reason: str = "",
    request: HttpRequest | None = None,
    via_cli: bool = False,
) -> int:
    """Suspend a customer organisation: every active share revoked, every member's sessions ended (they are
    refused at sign-in while it lasts); security leads and admins, with a fresh second factor; audited.
    Returns how many shares were revoked."""
    if not policies.can_suspend_organisation(actor):
        raise PermissionDenied("Only security leads and admins suspend an organisation.")
    step_up_ensure(request, via_cli=via_cli, action="Suspending an organisation")
    with transaction.atomic():
        organisation = CustomerOrganisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.suspended_at is not None:
            raise ValidationError(f"{organisation.name} is already suspended.")
        now = timezone.now()
        organisation.suspended_at = now
        organisation.save(update_fields=["suspended_at"])
        active = Share.objects.select_for_update().filter(
            organisation=organisation, revoked_at__isnull=True, expires_at__gt=now
        )
        revoked = list(active.values_list("pk", flat=True))
        Share.objects.filter(pk__in=revoked).update(revoked_at=now, revoked_by=actor)
        members = list(User.objects.select_for_update().filter(organisation=organisation))
        for member in members:
            # The same lever as a second-factor reset: a new generation invalidates every session hash.
            member.session_generation += 1
        User.objects.bulk_update(members, ["session_generation"])
        audit_record(
            action="organisation.suspended",
            actor=actor,
            obj=organisation,
            data={"reason": reason.strip()[:500], "shares_revoked": revoked, "users_signed_out": len(members)},
            request=request,
            via="cli" if via_cli else None,
        )
    return len(revoked)


def organisation_reinstate(
    *, actor: User, organisation: CustomerOrganisation, request: HttpRequest | None = None, via_cli: bool = False
) -> CustomerOrganisation:
    """Lift a suspension: members may sign in again. Revoked shares stay revoked (share again on purpose);
    security leads and admins, with a fresh second factor; audited."""
    if not policies.can_suspend_organisation(actor):
        raise PermissionDenied("Only security leads and admins reinstate an organisation.")
    step_up_ensure(request, via_cli=via_cli, action="Reinstating an organisation")
    with transaction.atomic():
        organisation = CustomerOrganisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.suspended_at is None:
            raise ValidationError(f"{organisation.name} is not suspended.")
        suspended_at = organisation.suspended_at
        organisation.suspended_at = None
        organisation.save(update_fields=["suspended_at"])
        audit_record(
            action="organisation.reinstated",
            actor=actor,
            obj=organisation,
            data={"suspended_at": suspended_at.isoformat()},
            request=request,
            via="cli" if via_cli else None,
        )
    return organisation


# --- Deliveries -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One file as handed to a customer, with the Download row that records it."""

    content: bytes
    filename: str
    content_type: str
    download: Download


def _record(
    *,
    share: Share,
    user: User,
    kind: str,
    content: bytes,
    fingerprint: str,
    request: HttpRequest | None,
    version: DocumentVersion | None = None,
    sha256: str | None = None,
) -> Download:
    with transaction.atomic():
        download = Download.objects.create(
            share=share,
            user=user,
            kind=kind,
            document_version=version,
            fingerprint=fingerprint,
            file_sha256=sha256 or hashlib.sha256(content).hexdigest(),
            size=len(content),
            ip=client_ip(request),
        )
        audit_record(
            action="share.downloaded",
            actor=user,
            obj=share,
            data={
                "kind": kind,
                "fingerprint": fingerprint,
                "sha256": download.file_sha256,
                "document": str(version or ""),
            },
            request=request,
        )
    return download


def _fresh_fingerprint() -> str:
    # 64 random bits collide practically never; the unique constraint is the backstop, checked here cheaply.
    for _ in range(5):
        fingerprint = _new_fingerprint()
        if not Download.objects.filter(fingerprint=fingerprint).exists():
            return fingerprint
    raise IntegrityError("Could not draw an unused fingerprint.")


def share_package_deliver(*, user: User, share: Share, request: HttpRequest | None = None) -> Delivery:
    """The signed package PDF exactly as signed (never altered: its signature covers every byte), logged with
    a fingerprint and its SHA-256. The caller fetched `share` through `share_get_for`."""
    pdf = share.package.latest_pdf
    if pdf is None or pdf.status != RenderStatus.READY:
        raise ValidationError("The signed PDF of this package is not available right now.")
    with pdf.file.open("rb") as handle:
        content = handle.read()
    download = _record(
        share=share,
        user=user,
        kind=DownloadKind.PACKAGE_PDF,
        content=content,
        fingerprint=_fresh_fingerprint(),
        request=request,
    )
    filename = f"{share.package.reference}-r{pdf.revision}.pdf"
    return Delivery(content, filename, "application/pdf", download)


def share_questionnaire_deliver(*, user: User, share: Share, request: HttpRequest | None = None) -> Delivery:
    """The customer's own questionnaire file with the approved answers that may leave written in, logged."""
    questionnaire = share.package.questionnaire
    if questionnaire is None:
        raise ValidationError("This package was not built from a questionnaire.")
    try:
        exported = questionnaire_export(questionnaire)
    except ExportError as error:
        raise ValidationError(str(error)) from error
    download = _record(
        share=share,
        user=user,
        kind=DownloadKind.QUESTIONNAIRE,
        content=exported.content,
        fingerprint=_fresh_fingerprint(),
        request=request,
    )
    return Delivery(exported.content, exported.filename, exported.content_type, download)


def share_document_deliver(
    *, user: User, share: Share, document: Document, request: HttpRequest | None = None
) -> Delivery:
    """The document's current version; a PDF watermarked for this download on every page (recipient,
    organisation, UTC time, fingerprint, NDA notice; fingerprint also in the metadata), images as they are.
    Logged with the fingerprint and the SHA-256 of the bytes delivered. The caller fetched `document` through
    `share_document_get_for`."""
    version = document.current_version
    with version.file.open("rb") as handle:
        original = handle.read()
    fingerprint = _fresh_fingerprint()
    if version.content_type == "application/pdf":
        stamp = Stamp(
            recipient_name=user.full_name or user.email,
            recipient_email=user.email,
            organisation=share.organisation.name,
            at=timezone.now().strftime("%Y-%m-%d %H:%M:%S UTC"),
            fingerprint=fingerprint,
        )
        content = watermark_pdf(original, stamp)
    else:
        content = original
    download = _record(
        share=share,
        user=user,
        kind=DownloadKind.EVIDENCE,
        content=content,
        fingerprint=fingerprint,
        request=request,
        version=version,
    )
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(version.content_type, "")
    stem = "".join(char if char.isalnum() or char in "-_" else "-" for char in document.title)[:80].strip("-")
    return Delivery(content, f"{stem or 'document'}-v{version.number}{extension}", version.content_type, download)


DEMO_SHARE_DAYS = 90


def share_seed_demo(*, actor: User, package: Package) -> Share | None:
    """The demo package shared with its customer for 90 days, with whatever evidence may be shared (once: an
    active share is kept). None while the package's PDF is not signed yet."""
    existing = Share.objects.filter(package=package, revoked_at__isnull=True, expires_at__gt=timezone.now()).first()
    if existing is not None:
        return existing
    pdf = package.latest_pdf
    if pdf is None or pdf.status != RenderStatus.READY:
        return None
    return share_create(
        actor=actor,
        package=package,
        expires_at=timezone.now() + timedelta(days=DEMO_SHARE_DAYS),
        note="Our approved security answers, signed. Evidence marked NDA unlocks once you accept our NDA.",
        documents=list(policies.shareable_documents()),
        notify=False,  # the demo customer's address reaches nobody; the console would only print the mail
    )
