"""Importing a customer's questionnaire and filling it in from the library."""

import hashlib
from dataclasses import asdict
from datetime import date
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest

from accounts.models import CustomerOrganisation, User
from audit.services import audit_record
from spreadsheets import FileRejected

from .. import formats, policies
from ..models import (
    AnswerKind,
    Provenance,
    Question,
    Questionnaire,
    QuestionnaireStatus,
    Response,
    ResponseStatus,
    SavedMapping,
)

ACCEPTED_SUFFIXES = (".xlsx", ".csv", ".json")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def questionnaire_create(
    *,
    actor: User,
    filename: str,
    data: bytes,
    title: str = "",
    organisation: CustomerOrganisation | None = None,
    due_on: date | None = None,
    request: HttpRequest | None = None,
    queue_import: bool = True,
) -> Questionnaire:
    """Store an uploaded questionnaire once its file passes the safety checks (size, archive limits,
    macros, external links, XML entities) and queue its import (unless the caller runs it itself).
    Refused files leave nothing behind."""
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads import questionnaires.")
    name = PurePath(filename).name[:200] or "questionnaire"
    lower = name.lower()
    if lower.endswith((".xlsm", ".xlsb", ".xls")):
        raise ValidationError("Workbooks with macros or in the old binary format are refused: save it as .xlsx.")
    if not lower.endswith(ACCEPTED_SUFFIXES):
        raise ValidationError("Upload an .xlsx workbook, a .csv file or a VSAQ .json file.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // 1_048_576} MB.")
    try:
        formats.check_file(name, data)
    except FileRejected as error:
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        questionnaire = Questionnaire(
            title=title.strip() or PurePath(name).stem.replace("_", " ")[:200],
            organisation=organisation,
            source_name=name,
            source_sha256=hashlib.sha256(data).hexdigest(),
            source_size=len(data),
            due_on=due_on,
            owner=actor,
            created_by=actor,
        )
        questionnaire.source_file.save(name, ContentFile(data), save=False)
        questionnaire.save()
        audit_record(
            action="questionnaire.uploaded",
            actor=actor,
            obj=questionnaire,
            data={"file": name, "sha256": questionnaire.source_sha256, "size": len(data)},
            request=request,
        )
        if queue_import:
            transaction.on_commit(lambda: _queue_import(questionnaire.pk))
    return questionnaire


def _queue_import(questionnaire_id: int) -> None:
    from ..tasks import questionnaire_import_task

    questionnaire_import_task.delay(questionnaire_id)


def _set_progress(questionnaire: Questionnaire, percent: int) -> None:
    Questionnaire.objects.filter(pk=questionnaire.pk).update(progress=percent)


def questionnaire_import(*, questionnaire_id: int) -> Questionnaire:
    """Parse the stored file, create its questions and the auto-filled responses. Safe to repeat:
    an import that already finished is left alone; a failed file is recorded with its reason."""
    from ..autofill import suggest_all

    # Claim the import: a repeated or concurrent run finds it taken and changes nothing.
    claimed = Questionnaire.objects.filter(
        pk=questionnaire_id, status=QuestionnaireStatus.IMPORTING, progress=0
    ).update(progress=5)
    questionnaire = Questionnaire.objects.get(pk=questionnaire_id)
    if not claimed:
        return questionnaire
    with questionnaire.source_file.open("rb") as handle:
        data = handle.read()
    signature = ""
    mapping = None
    try:
        signature = formats.layout_signature(questionnaire.source_name, data)
        saved = SavedMapping.objects.filter(layout_signature=signature).first() if signature else None
        if questionnaire.mapping:
            mapping = formats.ColumnMapping(**questionnaire.mapping)
        elif saved is not None:
            mapping = formats.ColumnMapping(**saved.mapping)
        parsed = formats.parse_questionnaire(questionnaire.source_name, data, mapping=mapping)
    except FileRejected as error:
        Questionnaire.objects.filter(pk=questionnaire.pk).update(
            status=QuestionnaireStatus.FAILED, import_error=str(error), progress=100
        )
        audit_record(action="questionnaire.import_failed", obj=questionnaire, data={"error": str(error)}, via="task")
        questionnaire.refresh_from_db()
        return questionnaire
    if not parsed.questions:
        Questionnaire.objects.filter(pk=questionnaire.pk).update(
            status=QuestionnaireStatus.FAILED,
            import_error="No questions were found in this file. Check that it is the questionnaire itself.",
            progress=100,
        )
        questionnaire.refresh_from_db()
        return questionnaire
    _set_progress(questionnaire, 30)
    with transaction.atomic():
        questions = Question.objects.bulk_create(
            Question(
                questionnaire=questionnaire,
                order=index,
                ref=item.ref[:120],
                text=item.text,
                section=item.section[:300],
                answer_kind=_main_kind(item),
                choices=_main_choices(item),
                slots=[asdict(slot) for slot in item.slots],
                existing_answer=item.existing_answer,
            )
            for index, item in enumerate(parsed.questions)
        )
        _set_progress(questionnaire, 50)
        proposals, seconds = suggest_all(questions)
        Response.objects.bulk_create(
            _response_for(question, proposal) for question, proposal in zip(questions, proposals, strict=True)
        )
        Questionnaire.objects.filter(pk=questionnaire.pk).update(
            format=parsed.format,
            format_label=parsed.format_label,
            mapping=asdict(parsed.mapping) if parsed.mapping else None,
            layout_signature=signature,
            warnings=parsed.warnings,
            status=QuestionnaireStatus.IN_PROGRESS,
            progress=100,
            matching_seconds=seconds,
        )
        suggested = sum(1 for proposal in proposals if proposal is not None)
        audit_record(
            action="questionnaire.imported",
            obj=questionnaire,
            data={"format": parsed.format, "questions": len(questions), "suggested": suggested},
            via="task",
        )
    questionnaire.refresh_from_db()
    return questionnaire


def _main_slot(item):
    return next((slot for slot in item.slots if slot.role == "answer"), None)


def _main_kind(item) -> str:
    slot = _main_slot(item)
    return AnswerKind.CHOICE if slot is not None and slot.kind == "choice" and slot.choices else AnswerKind.TEXT


def _main_choices(item) -> list[str]:
    slot = _main_slot(item)
    return list(slot.choices) if slot is not None and slot.kind == "choice" else []


def _response_for(question: Question, proposal) -> Response:
    if proposal is None:
        return Response(question=question, status=ResponseStatus.NEEDS_ATTENTION, provenance=Provenance.NONE)
    if proposal.is_internal:
        return Response(
            question=question,
            suggested_entry=proposal.entry,
            confidence=round(proposal.confidence, 4),
            status=ResponseStatus.NEEDS_ATTENTION,
            provenance=Provenance.NONE,
        )
    return Response(
        question=question,
        text=proposal.text,
        choice=proposal.choice,
        source_version=proposal.entry.approved_version,
        suggested_entry=proposal.entry,
        confidence=round(proposal.confidence, 4),
        provenance=Provenance.LIBRARY,
        # A choice cell whose allowed values do not include the entry's short answer needs a person.
        status=ResponseStatus.NEEDS_ATTENTION
        if question.answer_kind == AnswerKind.CHOICE and not proposal.choice
        else ResponseStatus.SUGGESTED,
    )


def questionnaire_remap(
    *, actor: User, questionnaire: Questionnaire, mapping: dict, request: HttpRequest | None = None
) -> Questionnaire:
    """Re-import a generic spreadsheet with a corrected column mapping, and remember the mapping for
    files of the same layout. Only before any response was approved (nothing reviewed is thrown away)."""
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads change column mappings.")
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if Response.objects.filter(question__questionnaire=questionnaire, status=ResponseStatus.APPROVED).exists():
            raise ValidationError("Responses of this questionnaire are already approved; upload it again instead.")
        questionnaire.questions.all().delete()
        questionnaire.mapping = mapping
        questionnaire.status = QuestionnaireStatus.IMPORTING
        questionnaire.progress = 0
        questionnaire.import_error = ""
        questionnaire.save(update_fields=["mapping", "status", "progress", "import_error"])
        if questionnaire.layout_signature:
            SavedMapping.objects.update_or_create(
                layout_signature=questionnaire.layout_signature, defaults={"mapping": mapping, "confirmed_by": actor}
            )
        audit_record(action="questionnaire.remapped", actor=actor, obj=questionnaire, data=mapping, request=request)
        transaction.on_commit(lambda: _queue_import(questionnaire.pk))
    return questionnaire


def questionnaire_update(
    *,
    actor: User,
    questionnaire: Questionnaire,
    title: str,
    organisation: CustomerOrganisation | None,
    due_on: date | None,
    owner: User,
    request: HttpRequest | None = None,
) -> Questionnaire:
    """Change a questionnaire's title, customer, due date or owner, audited."""
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads edit questionnaires.")
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        questionnaire.title, questionnaire.organisation = title.strip(), organisation
        questionnaire.due_on, questionnaire.owner = due_on, owner
        questionnaire.save(update_fields=["title", "organisation", "due_on", "owner"])
        audit_record(
            action="questionnaire.updated",
            actor=actor,
            obj=questionnaire,
            data={"due_on": str(due_on) if due_on else None, "owner": owner.email},
            request=request,
        )
    return questionnaire


def questionnaire_complete(*, actor: User, questionnaire: Questionnaire, request: HttpRequest | None = None) -> None:
    """Mark a questionnaire as delivered (it leaves the open list): only once every question's answer is
    approved, so nothing half-reviewed is recorded as sent."""
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads close questionnaires.")
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if questionnaire.status != QuestionnaireStatus.IN_PROGRESS:
            raise ValidationError(
                "Only a questionnaire in progress can be delivered; "
                f"this one is {questionnaire.get_status_display().lower()}."
            )
        total = questionnaire.questions.count()
        open_count = questionnaire.questions.exclude(response__status=ResponseStatus.APPROVED).count()
        if not total or open_count:
            raise ValidationError(
                f"{open_count} of {total} answers are not approved yet. Approve every answer before marking the "
                "questionnaire as delivered."
            )
        questionnaire.status = QuestionnaireStatus.COMPLETED
        questionnaire.save(update_fields=["status"])
        audit_record(
            action="questionnaire.completed", actor=actor, obj=questionnaire, data={"answers": total}, request=request
        )


def questionnaire_seed_demo(*, actor: User, organisation: CustomerOrganisation) -> Questionnaire:
    """The demo customer's questionnaire, imported and auto-filled once (later runs return it)."""
    from ..sample import SAMPLE_QUESTIONNAIRE_NAME, sample_questionnaire_xlsx

    existing = Questionnaire.objects.filter(organisation=organisation, source_name=SAMPLE_QUESTIONNAIRE_NAME).first()
    if existing is not None:
        return existing
    questionnaire = questionnaire_create(
        actor=actor,
        filename=SAMPLE_QUESTIONNAIRE_NAME,
        data=sample_questionnaire_xlsx(),
        title="Acme Manufacturing supplier security review",
        organisation=organisation,
        queue_import=False,
    )
    return questionnaire_import(questionnaire_id=questionnaire.pk)
