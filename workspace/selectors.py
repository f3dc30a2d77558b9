"""Reads that compose several apps for one page: the organisation timeline."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import CustomerOrganisation
from audit.models import AuditEvent
from evidence.models import NdaAcceptance
from evidence.selectors import current_nda
from reports.models import Download, Share

TIMELINE_CAP = 30
SUSPENSION_ACTIONS = {
    "organisation.suspended": "Organisation suspended",
    "organisation.reinstated": "Organisation reinstated",
}


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # nda, share, revoke, expire, download, suspend — for the badge
    title: str
    detail: str = ""
    who: str = ""
    fingerprint: str = ""
    package_reference: str = ""


def organisation_nda_status(organisation: CustomerOrganisation) -> dict:
    """The NDA in force, whether the organisation is covered, and which of its users accepted that version."""
    nda = current_nda()
    accepted = (
        list(
            NdaAcceptance.objects.filter(organisation=organisation, nda_text=nda)
            .select_related("user")
            .order_by("-accepted_at")
        )
        if nda is not None
        else []
    )
    return {"nda": nda, "is_covered": organisation.is_nda_covered, "acceptances": accepted}


def _who(user) -> str:
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


def organisation_timeline(organisation: CustomerOrganisation, *, limit: int | None = TIMELINE_CAP) -> tuple[list, int]:
    """Everything that happened between this organisation and the vendor's files, newest first: NDA acceptances,
    shares created, revoked and expired, every download, suspensions and reinstatements. Returns (events shown,
    total); `limit=None` shows all."""
    now = timezone.now()
    events: list[TimelineEvent] = []
    for acceptance in NdaAcceptance.objects.filter(organisation=organisation).select_related("user", "nda_text"):
        events.append(
            TimelineEvent(
                acceptance.accepted_at,
                "nda",
                f"NDA v{acceptance.nda_text.version} accepted",
                f"{acceptance.full_name}, {acceptance.title}",
                _who(acceptance.user),
            )
        )
    shares = Share.objects.filter(organisation=organisation).select_related("package", "created_by", "revoked_by")
    for share in shares:
        reference = share.package.reference
        events.append(
            TimelineEvent(
                share.created_at,
                "share",
                "Package shared",
                f"{share.package.title}, until {share.expires_at:%-d %b %Y}",
                _who(share.created_by),
                package_reference=reference,
            )
        )
        if share.revoked_at is not None:
            events.append(
                TimelineEvent(
                    share.revoked_at,
                    "revoke",
                    "Share revoked",
                    share.package.title,
                    _who(share.revoked_by) if share.revoked_by else "",
                    package_reference=reference,
                )
            )
        elif share.expires_at <= now:
            events.append(
                TimelineEvent(
                    share.expires_at, "expire", "Share expired", share.package.title, package_reference=reference
                )
            )
    downloads = Download.objects.filter(share__organisation=organisation).select_related(
        "user", "share__package", "document_version__document"
    )
    for download in downloads:
        what = download.get_kind_display()
        if download.document_version is not None:
            what = f"{what}: {download.document_version}"
        events.append(
            TimelineEvent(
                download.at,
                "download",
                "Downloaded",
                what,
                _who(download.user),
                fingerprint=download.fingerprint,
                package_reference=download.share.package.reference,
            )
        )
    suspensions = AuditEvent.objects.filter(
        object_type=CustomerOrganisation._meta.label_lower,
        object_id=str(organisation.pk),
        action__in=list(SUSPENSION_ACTIONS),
    )
    for event in suspensions:
        reason = (event.data or {}).get("reason") or ""
        events.append(
            TimelineEvent(
                event.at,
                "suspend" if event.action == "organisation.suspended" else "reinstate",
                SUSPENSION_ACTIONS[event.action],
                reason,
                event.actor_email,
            )
        )
    events.sort(key=lambda event: event.at, reverse=True)
    return (events if limit is None else events[:limit]), len(events)
