"""Writes to the evidence vault: documents and their versions (every file checked before it is stored), the
citations that tie library wording to evidence and the validity date they give it, expiry reminders, and the
demo documents."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.policies import Intent
from audit.services import audit_record
from fileformats import FileRejected
from fileformats.pdfcheck import pdf_active_content_check
from fileformats.sniff import content_type_check
from fileformats.uploads import EVIDENCE, display_name, upload_check
from library.models import OPEN_STATUSES, LibraryEntryVersion
from library.policies import entries_for, entry_get_for

from . import policies
from .models import Document, DocumentClassification, DocumentKind, DocumentVersion

REMINDER_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class VersionDates:
    """What a version says about time: the period it covers, when it takes effect and when it expires."""

    effective_on: date | None = None
    expires_on: date | None = None
    period_start: date | None = None
    period_end: date | None = None


def evidence_file_check(*, filename: str, data: bytes) -> str:
    """The file's content type when it may be stored as evidence: within the size cap, a PDF, PNG or JPEG by
    its bytes (whatever its name or the browser says), and a PDF without active content. Otherwise a
    ValidationError on `file` that says why and what to upload instead."""
    try:
        upload_check(EVIDENCE, filename, data)
        content_type = content_type_check(EVIDENCE, filename, data)
        if content_type == "application/pdf":
            pdf_active_content_check(data)
    except FileRejected as error:
        raise ValidationError({"file": str(error)}) from error
    return content_type


def _dates_check(dates: VersionDates) -> None:
    if dates.period_start and dates.period_end and dates.period_start > dates.period_end:
        raise ValidationError({"period_end": "The period cannot end before it starts."})
    if dates.expires_on and dates.effective_on and dates.expires_on < dates.effective_on:
        raise ValidationError({"expires_on": "The document cannot expire before it takes effect."})


def _version_store(
    *, document: Document, number: int, actor: User, filename: str, data: bytes, content_type: str, dates: VersionDates
) -> DocumentVersion:
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=display_name(filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        period_start=dates.period_start,
        period_end=dates.period_end,
        effective_on=dates.effective_on or timezone.localdate(),
        expires_on=dates.expires_on,
        uploaded_by=actor,
    )
    # The stored name comes from the model's upload_to (random); the uploader's name is display only.
    version.file.save("upload", ContentFile(data), save=False)
    version.save()
    return version


def document_create(
    *,
    actor: User,
    title: str,
    kind: str,
    classification: str,
    owner: User,
    filename: str,
    data: bytes,
    dates: VersionDates,
    description: str = "",
    request: HttpRequest | None = None,
) -> Document:
    """A new document with its first version, after the file passed every upload check. Only security leads
    make a document public; the owner is vendor staff (they receive the expiry reminders)."""
    if not policies.can_manage_evidence(actor):
        raise PermissionDenied("Only account managers and security leads upload evidence.")
    if classification == DocumentClassification.PUBLIC and not policies.can_classify_evidence(actor):
        raise ValidationError({"classification": "Only a security lead can make a document public."})
    if not policies.can_view_evidence(owner):
        raise ValidationError({"owner": "The owner must be a member of staff."})
    _dates_check(dates)
    content_type = evidence_file_check(filename=filename, data=data)
    with transaction.atomic():
        document = Document.objects.create(
            title=title, kind=kind, classification=classification, owner=owner, description=description
        )
        version = _version_store(
            document=document,
            number=1,
            actor=actor,
            filename=filename,
            data=data,
            content_type=content_type,
            dates=dates,
        )
        document.current_version = version
        document.save(update_fields=["current_version"])
        audit_record(
            action="evidence.document_created",
            actor=actor,
            obj=document,
            data={"classification": classification, "kind": kind, "sha256": version.sha256, "size": version.size},
            request=request,
        )
    return document


def version_add(
    *,
    actor: User,
    document: Document,
    filename: str,
    data: bytes,
    dates: VersionDates,
    request: HttpRequest | None = None,
) -> DocumentVersion:
    """A new current version of the document. The previous one is superseded (kept, with the time), and
    library wording that cited it stops leaving the company until wording citing current evidence is approved."""
    if not policies.can_manage_evidence(actor):
        raise PermissionDenied("Only account managers and security leads upload evidence.")
    _dates_check(dates)
    content_type = evidence_file_check(filename=filename, data=data)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        previous = list(
            DocumentVersion.objects.select_for_update().filter(document=document, superseded_at__isnull=True)
        )
        number = max((v.number for v in document.versions.all()), default=0) + 1
        DocumentVersion.objects.filter(pk__in=[v.pk for v in previous]).update(superseded_at=timezone.now())
        version = _version_store(
            document=document,
            number=number,
            actor=actor,
            filename=filename,
            data=data,
            content_type=content_type,
            dates=dates,
        )
        document.current_version = version
        document.save(update_fields=["current_version"])
        _validity_refresh(LibraryEntryVersion.objects.filter(cited_evidence__in=previous).values_list("pk", flat=True))
        audit_record(
            action="evidence.version_added",
            actor=actor,
            obj=version,
            data={"number": number, "supersedes": [v.number for v in previous], "sha256": version.sha256},
            request=request,
        )
    return version


def version_expiry_set(
    *, actor: User, version: DocumentVersion, expires_on: date | None, request: HttpRequest | None = None
) -> DocumentVersion:
    """Change when a version expires; the wording citing it follows at once, and reminders start over."""
    if not policies.can_manage_evidence(actor):
        raise PermissionDenied("Only account managers and security leads change evidence dates.")
    with transaction.atomic():
        version = DocumentVersion.objects.select_for_update().get(pk=version.pk)
        if expires_on is not None and expires_on < version.effective_on:
            raise ValidationError({"expires_on": "The document cannot expire before it takes effect."})
        previous = version.expires_on
        version.expires_on = expires_on
        version.expiry_reminded_days = None
        version.save(update_fields=["expires_on", "expiry_reminded_days"])
        _validity_refresh(version.cited_by.values_list("pk", flat=True))
        audit_record(
            action="evidence.expiry_changed",
            actor=actor,
            obj=version,
            data={"from": str(previous) if previous else None, "to": str(expires_on) if expires_on else None},
            request=request,
        )
    return version


def document_classify(
    *, actor: User, document: Document, classification: str, request: HttpRequest | None = None
) -> Document:
    """Set who may read the document (public, NDA, internal): security leads only, audited."""
    if not policies.can_classify_evidence(actor):
        raise PermissionDenied("Only a security lead can change a document's classification.")
    if classification not in DocumentClassification.values:
        raise ValidationError({"classification": "Choose public, NDA only or internal."})
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        previous = document.classification
        if previous != classification:
            document.classification = classification
            document.save(update_fields=["classification"])
            audit_record(
                action="evidence.classification_changed",
                actor=actor,
                obj=document,
                data={"from": previous, "to": classification},
                request=request,
            )
    return document


def version_open(*, actor: User, version: DocumentVersion, request: HttpRequest | None = None):
    """The stored file of a version the caller fetched through the door, opened for reading; the download
    is audited. A file missing from storage answers 404, not a crash."""
    if not policies.can_view_evidence(actor):
        raise PermissionDenied
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The stored file of this version is missing.") from error
    audit_record(
        action="evidence.downloaded", actor=actor, obj=version, data={"sha256": version.sha256}, request=request
    )
    return handle


# --- Citations and the validity they give library wording ---------------------------------------------


def _ends_on(version: DocumentVersion) -> date | None:
    """The last day a document version backs wording. A superseded version stops backing it the day it was
    replaced (the leave rule refuses wording once this day is in the past, hence the day before)."""
    ends = [version.expires_on] if version.expires_on else []
    if version.superseded_at is not None:
        ends.append(timezone.localdate(version.superseded_at) - timedelta(days=1))
    return min(ends, default=None)


def _validity_refresh(library_version_ids) -> None:
    """Keep `evidence_valid_until` of these library versions at the earliest end of the evidence they cite
    (None when they cite nothing that ends): the one place it is written."""
    versions = LibraryEntryVersion.objects.filter(pk__in=list(library_version_ids)).prefetch_related("cited_evidence")
    for library_version in versions:
        valid_until = min(
            (end for cited in library_version.cited_evidence.all() if (end := _ends_on(cited)) is not None),
            default=None,
        )
        if valid_until != library_version.evidence_valid_until:
            LibraryEntryVersion.objects.filter(pk=library_version.pk).update(evidence_valid_until=valid_until)


def _citing_version(entry) -> LibraryEntryVersion | None:
    # Wording on its way to approval carries the citation into its review; otherwise the wording in force.
    latest = entry.latest_version
    if latest is not None and latest.status in OPEN_STATUSES:
        return latest
    return entry.approved_version


def citation_add(
    *, actor: User, version: DocumentVersion, keys: list[str], request: HttpRequest | None = None
) -> list[LibraryEntryVersion]:
    """Let the library entries named by `keys` cite this (current, unexpired) document version: their
    wording in review or draft when they have one, else their approved wording. All keys or none."""
    if not policies.can_manage_evidence(actor):
        raise PermissionDenied("Only account managers and security leads cite evidence.")
    if version.superseded_at is not None:
        raise ValidationError({"keys": "Only the current version of a document can be cited."})
    if version.is_expired():
        raise ValidationError({"keys": "This version has expired: upload a current one and cite that."})
    entries, unknown = [], []
    for key in dict.fromkeys(keys):
        try:
            entries.append(entry_get_for(actor, key, for_=Intent.EDIT))
        except Http404:
            unknown.append(key)
    if unknown:
        raise ValidationError({"keys": f"No library entry has the key {', '.join(unknown)}. Nothing was cited."})
    if not entries:
        raise ValidationError({"keys": "Name at least one library entry by its key."})
    targets = []
    for entry in entries:
        target = _citing_version(entry)
        if target is None:
            raise ValidationError({"keys": f"{entry.key} has no wording yet to cite from. Nothing was cited."})
        targets.append(target)
    with transaction.atomic():
        # Locked so a new version superseding this one waits, and the validity written below stays true.
        version = DocumentVersion.objects.select_for_update().get(pk=version.pk)
        if version.superseded_at is not None:
            raise ValidationError({"keys": "A newer version was uploaded meanwhile: cite that one."})
        version.cited_by.add(*targets)
        _validity_refresh([t.pk for t in targets])
        for target in targets:
            audit_record(
                action="evidence.cited",
                actor=actor,
                obj=version,
                data={"library_version": str(target)},
                request=request,
            )
    return targets


def citation_remove(
    *, actor: User, version: DocumentVersion, library_version_id: int, request: HttpRequest | None = None
) -> None:
    """Stop a library version citing this document version, unless that would free approved wording from
    evidence that has ended (see `policies.citation_removal_refusal`)."""
    if not policies.can_manage_evidence(actor):
        raise PermissionDenied("Only account managers and security leads cite evidence.")
    with transaction.atomic():
        version = DocumentVersion.objects.select_for_update().get(pk=version.pk)
        library_version = version.cited_by.select_related("entry").filter(pk=library_version_id).first()
        if library_version is None:
            raise ValidationError("That library wording does not cite this version.")
        refusal = policies.citation_removal_refusal(version, library_version)
        if refusal:
            raise ValidationError(refusal)
        version.cited_by.remove(library_version)
        _validity_refresh([library_version.pk])
        audit_record(
            action="evidence.citation_removed",
            actor=actor,
            obj=version,
            data={"library_version": str(library_version)},
            request=request,
        )


# --- Expiry reminders -----------------------------------------------------------------------------------


def _threshold(days_left: int) -> int | None:
    return min((days for days in REMINDER_DAYS if days_left <= days), default=None)


def evidence_reminders_send(*, today: date | None = None) -> int:
    """E-mail each owner 30, 7 and 1 days before a current version expires: each threshold once at most
    (a missed day sends the one just passed), so re-running the task is harmless. Returns how many
    versions were reminded."""
    today = today or timezone.localdate()
    reminded: dict[User, list[tuple[DocumentVersion, int]]] = {}
    with transaction.atomic():
        due = (
            DocumentVersion.objects.select_for_update(of=("self",))
            .filter(
                superseded_at__isnull=True,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=max(REMINDER_DAYS)),
            )
            .select_related("document__owner")
            .order_by("expires_on", "pk")
        )
        for version in due:
            threshold = _threshold((version.expires_on - today).days)
            if threshold is None or (
                version.expiry_reminded_days is not None and version.expiry_reminded_days <= threshold
            ):
                continue
            version.expiry_reminded_days = threshold
            version.save(update_fields=["expiry_reminded_days"])
            audit_record(
                action="evidence.expiry_reminder_sent",
                obj=version,
                data={"expires_on": str(version.expires_on), "days": threshold},
                via="task",
            )
            reminded.setdefault(version.document.owner, []).append((version, threshold))
        for owner, versions in reminded.items():
            lines = [f"- {v.document.title} (version {v.number}): expires {v.expires_on:%d %B %Y}" for v, _ in versions]
            body = (
                "These evidence documents you own expire soon. Upload a current version before then: once a "
                "document has expired it cannot be shared, and library answers citing it stop leaving the company "
                "until they are re-approved with current evidence.\n\n" + "\n".join(lines) + "\n"
            )
            transaction.on_commit(
                lambda owner=owner, body=body: send_mail(
                    "[Trustpack] Evidence documents expiring soon", body, None, [owner.email]
                )
            )
    return sum(len(versions) for versions in reminded.values())


# --- Demo -----------------------------------------------------------------------------------------------

_DEMO_DOCUMENTS = (
    # title, kind, classification, days until expiry, cite from library entries whose key contains
    ("SOC 2 Type II report (summary)", DocumentKind.SOC2, DocumentClassification.NDA, 270, "soc2"),
    ("Architecture overview", DocumentKind.DIAGRAM, DocumentClassification.PUBLIC, None, None),
    ("Penetration test summary 2026", DocumentKind.PENTEST, DocumentClassification.NDA, 330, None),
)


def _demo_pdf(title: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class NothingFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError("the demo documents load nothing")

    html = (
        "<html><head><style>body{font-family:sans-serif;margin:2cm}h1{font-size:20pt}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>Demonstration document generated by Trustpack's demo data. It stands in "
        "for the real report and carries no findings.</p></body></html>"
    )
    return HTML(string=html, url_fetcher=NothingFetcher()).write_pdf()


def evidence_seed_demo(*, owner: User, uploader: User) -> list[Document]:
    """The demo documents (generated PDFs, through the same checks as any upload), owned by `owner`,
    uploaded by `uploader`; the SOC 2 report is cited by the library's SOC 2 entry. Safe to run again."""
    documents = []
    today = timezone.localdate()
    for title, kind, classification, days, cite in _DEMO_DOCUMENTS:
        document = Document.objects.filter(title=title).first()
        if document is None:
            document = document_create(
                actor=uploader,
                title=title,
                kind=kind,
                classification=DocumentClassification.NDA,
                owner=owner,
                filename=f"{title}.pdf",
                data=_demo_pdf(title),
                dates=VersionDates(
                    effective_on=today,
                    expires_on=today + timedelta(days=days) if days else None,
                    period_start=today - timedelta(days=365) if kind == DocumentKind.SOC2 else None,
                    period_end=today - timedelta(days=1) if kind == DocumentKind.SOC2 else None,
                ),
                description=f"{title} (demonstration copy).",
            )
            if classification != document.classification:
                document = document_classify(actor=owner, document=document, classification=classification)
        if cite and document.current_version is not None:
            keys = list(entries_for(uploader).filter(key__contains=cite).values_list("key", flat=True)[:1])
            if keys:
                citation_add(actor=uploader, version=document.current_version, keys=keys)
        documents.append(document)
    return documents
