"""Importing a customer's questionnaire and filling it in from the library."""

import hashlib
import logging
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import PurePath

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import CustomerOrganisation, User
from audit.services import audit_record
from fileformats import FileRejected
from jobs.services import job_claim, job_fail, job_lock, job_progress, jobs_fail_silent

from .. import formats, policies
from ..company_details import ProfileProposal
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

logger = logging.getLogger(__name__)


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


IMPORT_TIME_LIMIT = 15 * 60  # seconds; the worker stops the task softly a minute earlier
IMPORT_SOFT_TIME_LIMIT = IMPORT_TIME_LIMIT - 60


def questionnaire_import(*, questionnaire_id: int, task_id: str | None = None) -> Questionnaire:
    """Parse the stored file once, then write its questions and auto-filled responses in one transaction. Every
    run ends the import as done or as failed with a reason people can read; a redelivered task takes over a lost
    run (`task_id` is the Celery task's, which a redelivery keeps); a finished import is never touched again."""
    claim = job_claim(
        model=Questionnaire, pk=questionnaire_id, task_id=task_id, lease=timedelta(seconds=IMPORT_TIME_LIMIT)
    )
    questionnaire = Questionnaire.objects.get(pk=questionnaire_id)
    if claim is None:
        return questionnaire
    stage = "reading the file"
    try:
        with questionnaire.source_file.open("rb") as handle:
            data = handle.read()
        parsed = formats.parse_with_layout(
            questionnaire.source_name,
            data,
            mapping=formats.mappings_from_json(questionnaire.mapping),
            remembered=_remembered_mapping,
        )
        if not parsed.confident and parsed.format not in formats.MAPPABLE_FORMATS:
            parsed.warnings.extend(f"Check this reading: {doubt}." for doubt in parsed.doubts)
        elif not parsed.confident:
            stage = "saving the proposed columns"
            _import_needs_mapping(questionnaire, claim, parsed)
            questionnaire.refresh_from_db()
            return questionnaire
        job_progress(claim=claim, percent=30)
        stage = "matching the questions against the library"
        questions, outcomes, seconds = _matched_questions(questionnaire, parsed)
        job_progress(claim=claim, percent=80)
        stage = "saving the questions"
        _import_write(questionnaire, claim, parsed, questions, outcomes, seconds)
    except FileRejected as error:
        reason = str(error)
    except SoftTimeLimitExceeded:
        reason = (
            f"The import took longer than {IMPORT_SOFT_TIME_LIMIT // 60} minutes and was stopped. "
            "Try again; if it is stopped again, split the file or contact your administrator."
        )
    except Exception:
        logger.exception("Import of questionnaire %s failed while %s", questionnaire.pk, stage)
        reason = (
            f"The import stopped because of an unexpected error while {stage}. "
            "The details are in the server log. Try again; if it fails again, contact your administrator."
        )
    else:
        questionnaire.refresh_from_db()
        return questionnaire
    with transaction.atomic():
        if job_fail(claim=claim, reason=reason):
            audit_record(
                action="questionnaire.import_failed",
                obj=questionnaire,
                data={"error": reason[:500], "attempt": claim.attempt},
                via="task",
            )
    questionnaire.refresh_from_db()
    return questionnaire


def _remembered_mapping(signature: str) -> list[formats.ColumnMapping] | None:
    saved = SavedMapping.objects.filter(layout_signature=signature).first() if signature else None
    return formats.mappings_from_json(saved.mapping) if saved is not None else None


def import_summary(parsed: formats.ParsedQuestionnaire) -> dict:
    """What an import read, as stored on the questionnaire: confidence, doubts and each tab's counts."""
    return {
        "confidence": parsed.confidence,
        "doubts": list(parsed.doubts),
        "sheets": [asdict(summary) for summary in parsed.sheets],
    }


def _import_needs_mapping(questionnaire: Questionnaire, claim, parsed: formats.ParsedQuestionnaire) -> None:
    """Stop an unsure import at the mapping page: keep the proposed columns (never as a confirmed mapping) and the
    doubts, import nothing."""
    with transaction.atomic():
        if job_lock(claim=claim) is None:
            return
        questionnaire.questions.all().delete()
        Questionnaire.objects.filter(pk=questionnaire.pk).update(
            format=parsed.format,
            format_label=parsed.format_label,
            mapping=None,
            layout_signature=parsed.layout_signature,
            warnings=parsed.warnings,
            import_summary={**import_summary(parsed), "proposed": formats.mappings_to_json(parsed.mappings)},
            status=QuestionnaireStatus.NEEDS_MAPPING,
            progress=100,
            heartbeat_at=timezone.now(),
        )
        audit_record(
            action="questionnaire.needs_mapping",
            obj=questionnaire,
            data={"confidence": parsed.confidence, "doubts": parsed.doubts[:10], "attempt": claim.attempt},
            via="task",
        )


def _matched_questions(questionnaire: Questionnaire, parsed: formats.ParsedQuestionnaire):
    """Unsaved questions and their proposals: matching runs before the write, outside its transaction."""
    from ..autofill import suggest_all

    questions = [
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
    ]
    outcomes, seconds = suggest_all(questions)
    return questions, outcomes, seconds


def _import_write(questionnaire, claim, parsed, questions, outcomes, seconds) -> None:
    with transaction.atomic():
        if job_lock(claim=claim) is None:
            return  # a later run took the import over, or it was ended: its result stands, this one is dropped
        # Whatever an earlier run or mapping left behind goes in the same transaction the new rows arrive in.
        questionnaire.questions.all().delete()
        questions = Question.objects.bulk_create(questions)
        Response.objects.bulk_create(
            _response_for(question, outcome) for question, outcome in zip(questions, outcomes, strict=True)
        )
        Questionnaire.objects.filter(pk=questionnaire.pk).update(
            format=parsed.format,
            format_label=parsed.format_label,
            mapping=formats.mappings_to_json(parsed.mappings),
            layout_signature=parsed.layout_signature,
            warnings=parsed.warnings,
            import_summary=import_summary(parsed),
            status=QuestionnaireStatus.IN_PROGRESS,
            progress=100,
            matching_seconds=seconds,
            heartbeat_at=timezone.now(),
        )
        suggested = sum(1 for outcome in outcomes if outcome.proposal is not None)
        audit_record(
            action="questionnaire.imported",
            obj=questionnaire,
            data={
                "format": parsed.format,
                "questions": len(questions),
                "tabs": [summary.sheet for summary in parsed.sheets if summary.questions],
                "suggested": suggested,
                "attempt": claim.attempt,
            },
            via="task",
        )


def questionnaire_import_retry(
    *, actor: User, questionnaire: Questionnaire, request: HttpRequest | None = None
) -> Questionnaire:
    """Queue a failed import again as a fresh run, audited; an import that is running or done is refused."""
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads import questionnaires.")
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if questionnaire.status != QuestionnaireStatus.FAILED:
            raise ValidationError("Only a failed import can be tried again; this one is not failed.")
        reason = questionnaire.import_error
        questionnaire.save(update_fields=questionnaire.restart())
        audit_record(
            action="questionnaire.import_retried",
            actor=actor,
            obj=questionnaire,
            data={"previous_error": reason[:500]},
            request=request,
        )
        transaction.on_commit(lambda: _queue_import(questionnaire.pk))
    return questionnaire


def questionnaire_imports_sweep() -> list[int]:
    """Fail every import with no sign of life for longer than any run or redelivery could take; their ids."""
    reason = (
        "The import stopped without finishing (the worker may have been restarted). "
        "Nothing from it was kept; try again."
    )
    with transaction.atomic():
        ids = jobs_fail_silent(model=Questionnaire, silent_for=settings.JOB_SILENT_LIMIT, reason=reason)
        for questionnaire in Questionnaire.objects.filter(pk__in=ids):
            audit_record(action="questionnaire.import_failed", obj=questionnaire, data={"error": reason}, via="task")
    return ids


def _main_slot(item):
    return next((slot for slot in item.slots if slot.role == "answer"), None)


def _main_kind(item) -> str:
    slot = _main_slot(item)
    return AnswerKind.CHOICE if slot is not None and slot.kind == "choice" and slot.choices else AnswerKind.TEXT


def _main_choices(item) -> list[str]:
    slot = _main_slot(item)
    return list(slot.choices) if slot is not None and slot.kind == "choice" else []


def _response_for(question: Question, outcome) -> Response:
    proposal = outcome.proposal
    why = {"unfilled_reason": outcome.reason, "unfilled_detail": outcome.detail, "candidates": list(outcome.candidates)}
    if proposal is None:
        return Response(question=question, status=ResponseStatus.NEEDS_ATTENTION, provenance=Provenance.NONE, **why)
    if isinstance(proposal, ProfileProposal):
        return Response(
            question=question, text=proposal.text, provenance=Provenance.PROFILE, status=ResponseStatus.SUGGESTED
        )
    if proposal.refusal is not None:
        return Response(
            question=question,
            # The match is named (people learn an answer exists); its text is not proposed.
            suggested_entry=proposal.entry,
            confidence=round(proposal.confidence, 4),
            status=ResponseStatus.NEEDS_ATTENTION,
            provenance=Provenance.NONE,
            **why,
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
        **why,
    )


def questionnaire_remap(
    *,
    actor: User,
    questionnaire: Questionnaire,
    mappings: list[formats.ColumnMapping],
    request: HttpRequest | None = None,
) -> Questionnaire:
    """Re-import a spreadsheet with the columns a person chose (one mapping per question tab), and remember them
    for files of the same layout. Only before any response was approved (nothing reviewed is thrown away)."""
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads change column mappings.")
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if Response.objects.filter(question__questionnaire=questionnaire, status=ResponseStatus.APPROVED).exists():
            raise ValidationError("Responses of this questionnaire are already approved; upload it again instead.")
        if not mappings:
            raise ValidationError("Choose at least one tab that holds questions.")
        mapping = formats.mappings_to_json(mappings)
        questionnaire.questions.all().delete()
        questionnaire.mapping = mapping
        questionnaire.save(update_fields=["mapping", *questionnaire.restart()])
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
    """Change a questionnaire's title, customer, due date or owner, audited. Its customer never changes once
    its answers are in a package: that package would then carry another customer's answers."""
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads edit questionnaires.")
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        moving = questionnaire.organisation_id != (organisation.pk if organisation else None)
        if moving and questionnaire.packages.exists():
            raise ValidationError(
                {
                    "organisation": "Its answers are already in a package for "
                    f"{questionnaire.organisation or 'no customer'}, so it cannot move to another customer. "
                    "Import the file again for the other customer."
                }
            )
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
