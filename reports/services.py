"""Assembling, releasing, rendering and signing packages."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import CustomerOrganisation, User
from accounts.policies import organisation_link_refusal
from accounts.services import step_up_ensure
from audit.services import audit_record
from jobs.services import job_claim, job_fail, job_lock, job_progress, jobs_fail_silent
from library.models import LibraryEntry, LibraryEntryVersion
from library.policies import LeaveRefusal, leave_refusal, nda_covers
from library.selectors import leaving_entries
from questionnaires.models import Provenance, Questionnaire, ResponseStatus

from . import policies
from .document import Document, Item, Section, manifest_for
from .models import Package, PackageItem, PackageStatus, RenderedPdf, RenderStatus

logger = logging.getLogger(__name__)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- Assembling -----------------------------------------------------------------------------------


def package_create(
    *,
    actor: User,
    organisation: CustomerOrganisation,
    title: str,
    cover_note: str = "",
    questionnaire: Questionnaire | None = None,
    entries: list[LibraryEntry] | None = None,
    replaces: Package | None = None,
    request: HttpRequest | None = None,
) -> Package:
    """A draft package for one customer: the approved answers of a questionnaire, or chosen library entries."""
    if not policies.can_assemble_package(actor):
        raise PermissionDenied("Only account managers and security leads assemble packages.")
    if (questionnaire is None) == (not entries):
        raise ValidationError("Choose either a questionnaire or a set of library entries.")
    if questionnaire is not None:
        refusal = organisation_link_refusal(organisation.pk, questionnaire.organisation_id, "That questionnaire")
        if refusal:
            raise ValidationError({"questionnaire": refusal})
    with transaction.atomic():
        package = Package.objects.create(
            title=title.strip() or "Security answers",
            cover_note=cover_note.strip(),
            organisation=organisation,
            questionnaire=questionnaire,
            assembled_by=actor,
            replaces=replaces,
        )
        if entries:
            package.entries.set(entries)
        audit_record(
            action="package.assembled",
            actor=actor,
            obj=package,
            data={
                "customer": organisation.name,
                "questionnaire": questionnaire.pk if questionnaire else None,
                "entries": len(entries or []),
            },
            request=request,
        )
    return package


@dataclass
class ReleaseCheck:
    """What a release would contain, what is left out (and why), and what blocks it."""

    items: list[dict] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers


CATEGORY_TITLES = {
    "hr": "People and HR",
    "devsecops": "DevSecOps",
    "iot": "IoT",
    "appsec": "Application security",
    "bcp": "Business continuity",
    "ai": "AI",
}


def category_title(category: str) -> str:
    """A library category as a section heading ("network" → "Network", "hr" → "People and HR")."""
    return CATEGORY_TITLES.get(category, category.replace("-", " ").capitalize())


def _listing(refs: list[str], limit: int = 8) -> str:
    shown = ", ".join(refs[:limit])
    return shown + (f" and {len(refs) - limit} more" if len(refs) > limit else "")


def _version_item(version: LibraryEntryVersion, *, ref: str, question: str, section: str, provenance: str) -> dict:
    return {
        "section": section,
        "ref": ref,
        "question": question,
        "short_answer": version.get_short_answer_display() if version.short_answer else "",
        "answer": version.answer,
        "provenance": provenance,
        "library_version": version,
        "approver": version.approver,
        "approved_at": version.approved_at,
        "figure": version.entry.figure,
    }


def package_release_check(package: Package) -> ReleaseCheck:
    """Exactly what blocks a release: unapproved answers, and any wording `leave_refusal` keeps in the
    company (internal, retired, superseded, overdue). NDA-class answers are left out, not blocking, while
    the customer is not covered by a current NDA."""
    check = ReleaseCheck()
    nda_covered = nda_covers(package.organisation)
    refused: dict[LeaveRefusal, list[str]] = {}
    if package.questionnaire_id:
        questions = package.questionnaire.questions.select_related(
            "response__source_version__entry", "response__approver"
        ).order_by("order")
        unapproved = []
        for question in questions:
            response = getattr(question, "response", None)
            if response is None or response.status != ResponseStatus.APPROVED:
                unapproved.append(question.ref)
                continue
            source = response.source_version
            refusal = leave_refusal(source, nda_covered=nda_covered) if source is not None else None
            if refusal:
                refused.setdefault(refusal, []).append(question.ref)
                continue
            check.items.append(
                {
                    "section": question.section,
                    "ref": question.ref,
                    "question": question.text,
                    "short_answer": response.choice_label,
                    "answer": response.text,
                    "provenance": Provenance(response.provenance).label,
                    "library_version": source,
                    "approver": response.approver,
                    "approved_at": response.approved_at,
                    "figure": source.entry.figure if source is not None else "",
                }
            )
        if unapproved:
            count = len(unapproved)
            check.blockers.append(
                f"{count} response{'s are' if count != 1 else ' is'} not approved yet: {_listing(unapproved)}."
            )
    else:
        entries = package.entries.select_related("approved_version__approver", "approved_version__entry")
        for entry in entries.order_by("category", "key"):
            version = entry.approved_version
            refusal = leave_refusal(version, nda_covered=nda_covered) if version else LeaveRefusal.NOT_APPROVED
            if refusal:
                refused.setdefault(refusal, []).append(entry.key)
                continue
            check.items.append(
                _version_item(
                    version,
                    ref=entry.key,
                    question=version.question,
                    section=category_title(entry.category),
                    provenance=Provenance.LIBRARY.label,
                )
            )
    for refusal, refs in refused.items():
        count = len(refs)
        answers = f"{count} answer{'s' if count != 1 else ''}"
        if refusal == LeaveRefusal.NDA:
            check.left_out.append(f"{answers} left out because {refusal.label}: {_listing(refs)}.")
        else:
            check.blockers.append(f"{answers} cannot be released because {refusal.label}: {_listing(refs)}.")
    if not check.items and not check.blockers:
        check.blockers.append("There is nothing to release: the package has no answer that may go to this customer.")
    return check


def package_release(
    *, actor: User, package: Package, request: HttpRequest | None = None, via_cli: bool = False
) -> Package:
    """Release a draft: a security lead who did not assemble it, with a fresh second factor (command-line
    runs are the operator's and say so). The answers are frozen as items, then the PDF is rendered and
    signed in a background task."""
    step_up_ensure(request, via_cli=via_cli, action="Releasing a package")
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk)
        refusal = policies.release_refusal(actor, package)
        if refusal:
            raise PermissionDenied(refusal)
        check = package_release_check(package)
        if not check.ok:
            raise ValidationError(check.blockers)
        PackageItem.objects.bulk_create(
            PackageItem(package=package, order=index, text_sha256=_sha256(item["answer"]), **item)
            for index, item in enumerate(check.items)
        )
        package.status = PackageStatus.RELEASED
        package.released_by = actor
        package.released_at = timezone.now()
        package.save(update_fields=["status", "released_by", "released_at"])
        pdf = RenderedPdf.objects.create(package=package, revision=1, requested_by=actor)
        audit_record(
            action="package.released",
            actor=actor,
            obj=package,
            data={"items": len(check.items), "left_out": check.left_out, "via": "command line" if via_cli else "web"},
            request=request,
            via="cli" if via_cli else None,
        )
        transaction.on_commit(lambda: _queue_render(pdf.pk))
    return package


def _queue_render(pdf_id: int) -> None:
    from .tasks import package_render_task

    package_render_task.delay(pdf_id)


def package_rerender(
    *, actor: User, package: Package, request: HttpRequest | None = None, queue_render: bool = True
) -> RenderedPdf:
    """Issue a new revision of a released package's PDF (same frozen answers); earlier revisions remain.
    The caller may render it itself instead of queueing (the command line waits for its file)."""
    if not policies.can_assemble_package(actor):
        raise PermissionDenied("Only account managers and security leads issue package PDFs.")
    if not package.is_released:
        raise ValidationError("Only released packages have PDFs.")
    with transaction.atomic():
        Package.objects.select_for_update().get(pk=package.pk)
        revision = (package.pdfs.aggregate(top=Max("revision"))["top"] or 0) + 1
        pdf = RenderedPdf.objects.create(package=package, revision=revision, requested_by=actor)
        audit_record(
            action="package.rerendered", actor=actor, obj=package, data={"revision": revision}, request=request
        )
        if queue_render:
            transaction.on_commit(lambda: _queue_render(pdf.pk))
    return pdf


def package_reissue(*, actor: User, package: Package, request: HttpRequest | None = None) -> Package:
    """A new draft covering the same questionnaire or entries with today's approved answers, to replace a
    released package whose answers have since changed. It needs its own release."""
    return package_create(
        actor=actor,
        organisation=package.organisation,
        title=package.title,
        cover_note=package.cover_note,
        questionnaire=package.questionnaire,
        entries=list(package.entries.all()),
        replaces=package,
        request=request,
    )


# --- Rendering and signing ------------------------------------------------------------------------


def package_document(package: Package, *, revision: int, manifest_sha256: str) -> Document:
    """The package as the PDF shows it, grouped by section in release order."""
    sections: list[Section] = []
    for item in package.items.select_related("approver", "library_version__entry").order_by("order"):
        version = item.library_version
        entry_item = Item(
            ref=item.ref,
            question=item.question,
            short_answer=item.short_answer,
            answer=item.answer,
            provenance=item.provenance,
            library_key=version.entry.key if version else "",
            version_id=version.pk if version else None,
            version_number=version.number if version else None,
            approver=str(item.approver),
            approved_at=item.approved_at,
            text_sha256=item.text_sha256,
            figure=item.figure,
        )
        title = item.section or "Answers"
        if sections and sections[-1].title == title:
            sections[-1].items.append(entry_item)
        else:
            sections.append(Section(title=title, items=[entry_item]))
    customer = package.organisation.name
    return Document(
        reference=package.reference,
        revision=revision,
        title=package.title,
        vendor=settings.TRUSTPACK_VENDOR_NAME,
        customer=customer,
        issued_on=timezone.localdate(),
        cover_note=package.cover_note,
        classification_banner=f"Confidential — prepared for {customer}",
        manifest_sha256=manifest_sha256,
        sections=sections,
    )


RENDER_TIME_LIMIT = 10 * 60  # seconds; the worker stops the task softly a minute earlier
RENDER_SOFT_TIME_LIMIT = RENDER_TIME_LIMIT - 60


def package_render(*, pdf_id: int, task_id: str | None = None) -> RenderedPdf:
    """Render, sign and store one revision. Every run ends it as signed or as failed with a reason people can
    read; a redelivered task takes over a lost run and overwrites its file (`task_id` is the Celery task's, which
    a redelivery keeps); a finished revision is never touched again."""
    from . import rendering, signing

    claim = job_claim(model=RenderedPdf, pk=pdf_id, task_id=task_id, lease=timedelta(seconds=RENDER_TIME_LIMIT))
    pdf = RenderedPdf.objects.select_related("package__organisation", "package__released_by").get(pk=pdf_id)
    if claim is None:
        return pdf
    package = pdf.package
    stage = "laying out the answers"
    try:
        draft = package_document(package, revision=pdf.revision, manifest_sha256="")
        manifest = manifest_for(
            reference=package.reference,
            revision=pdf.revision,
            customer=package.organisation.name,
            issued_at=timezone.now(),
            released_by=str(package.released_by),
            sections=draft.sections,
        )
        manifest_sha256 = hashlib.sha256(signing.manifest_bytes(manifest)).hexdigest()
        document = package_document(package, revision=pdf.revision, manifest_sha256=manifest_sha256)
        html = rendering.render_package_html(document)
        job_progress(claim=claim, percent=30)
        stage = "making the PDF"
        rendered = rendering.html_to_pdf(html)
        job_progress(claim=claim, percent=80)
        stage = "signing the PDF"
        signed = signing.sign_pdf(
            rendered, manifest=manifest, reason=f"Approved security answers for {package.organisation.name}"
        )
        job_progress(claim=claim, percent=90)
        stage = "storing the signed file"
        _render_store(claim, package, signed, manifest)
    except SoftTimeLimitExceeded:
        reason = f"Rendering took longer than {RENDER_SOFT_TIME_LIMIT // 60} minutes and was stopped. Try again."
    except Exception:
        logger.exception("Rendering %s revision %s failed while %s", package.reference, pdf.revision, stage)
        reason = (
            f"Rendering stopped because of an unexpected error while {stage}. "
            "The details are in the server log. Try again; if it fails again, contact your administrator."
        )
    else:
        pdf.refresh_from_db()
        return pdf
    with transaction.atomic():
        if job_fail(claim=claim, reason=reason):
            audit_record(
                action="package.render_failed",
                obj=package,
                data={"revision": pdf.revision, "error": reason[:500], "attempt": claim.attempt},
                via="task",
            )
    pdf.refresh_from_db()
    return pdf


def _render_store(claim, package: Package, signed, manifest: dict) -> None:
    with transaction.atomic():
        pdf = job_lock(claim=claim)
        if pdf is None:
            return  # a later run took the revision over, or it was ended: this result is dropped
        name = f"{package.reference}-r{pdf.revision}.pdf"
        # An earlier run of this revision may have stored its file before it died: overwrite it, never add a copy.
        path = pdf.file.field.generate_filename(pdf, name)
        if pdf.file.storage.exists(path):
            pdf.file.storage.delete(path)
        pdf.file.save(name, ContentFile(signed.content), save=False)
        pdf.sha256 = signed.sha256
        pdf.size = len(signed.content)
        pdf.signed_at = signed.signed_at
        pdf.certificate_fingerprint = signed.certificate_fingerprint
        pdf.signature_level = signed.level
        pdf.manifest = manifest
        pdf.manifest_sha256 = signed.manifest_sha256
        pdf.status = RenderStatus.READY
        pdf.progress = 100
        pdf.heartbeat_at = timezone.now()
        pdf.save()
        audit_record(
            action="package.pdf_signed",
            obj=package,
            data={
                "revision": pdf.revision,
                "sha256": signed.sha256,
                "certificate": signed.certificate_fingerprint,
                "attempt": claim.attempt,
            },
            via="task",
        )


def package_render_retry(*, actor: User, pdf: RenderedPdf, request: HttpRequest | None = None) -> RenderedPdf:
    """Queue a failed revision's render again as a fresh run, audited; a revision rendering or signed is refused."""
    if not policies.can_assemble_package(actor):
        raise PermissionDenied("Only account managers and security leads issue package PDFs.")
    with transaction.atomic():
        pdf = RenderedPdf.objects.select_for_update().select_related("package").get(pk=pdf.pk)
        if pdf.status != RenderStatus.FAILED:
            raise ValidationError(f"Only a failed revision can be rendered again; revision {pdf.revision} is not.")
        reason = pdf.error
        pdf.save(update_fields=pdf.restart())
        audit_record(
            action="package.render_retried",
            actor=actor,
            obj=pdf.package,
            data={"revision": pdf.revision, "previous_error": reason[:500]},
            request=request,
        )
        transaction.on_commit(lambda: _queue_render(pdf.pk))
    return pdf


def package_renders_sweep() -> list[int]:
    """Fail every render with no sign of life for longer than any run or redelivery could take; their ids."""
    reason = "Rendering stopped without finishing (the worker may have been restarted). Try again."
    with transaction.atomic():
        ids = jobs_fail_silent(model=RenderedPdf, silent_for=settings.JOB_SILENT_LIMIT, reason=reason)
        for pdf in RenderedPdf.objects.filter(pk__in=ids).select_related("package"):
            audit_record(
                action="package.render_failed",
                obj=pdf.package,
                data={"revision": pdf.revision, "error": reason},
                via="task",
            )
    return ids


DEMO_PACKAGE_TITLE = "Standard security answers"


def package_seed_demo(*, assembler: User, releaser: User, organisation: CustomerOrganisation) -> Package:
    """The demo customer's released package of public standard answers, rendered and signed (once)."""
    package = Package.objects.filter(
        organisation=organisation, title=DEMO_PACKAGE_TITLE, status=PackageStatus.RELEASED
    ).first()
    if package is None:
        entries = list(leaving_entries(nda_covered=False).order_by("category", "key"))
        package = package_create(
            actor=assembler,
            organisation=organisation,
            title=DEMO_PACKAGE_TITLE,
            cover_note=(
                f"Dear {organisation.name} security team,\n\nthese are our approved answers about how our sensors "
                "and the Particle platform handle your data and network. Each answer was written by one person and "
                "approved by another. Check this document's signature on our verify page."
            ),
            entries=entries,
        )
        package = package_release(actor=releaser, package=package, via_cli=True)
    pdf = package.latest_pdf
    if pdf is not None and pdf.status == RenderStatus.RENDERING:
        package_render(pdf_id=pdf.pk)  # no worker in the embedded default: render here (one held by a run is skipped)
    return package
