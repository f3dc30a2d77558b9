"""Working on responses: accept, edit, pick another entry, flag, assign, comment, approve."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import step_up_ensure
from audit.services import audit_record
from library.models import LibraryEntry, LibraryEntryVersion
from library.policies import LeaveRefusal, leave_refusal
from library.selectors import leaving_entries
from library.services import VersionText, entry_create, version_save_draft

from .. import policies
from ..autofill import choice_for
from ..matching.text import words
from ..matching.vocabulary import STOPWORDS
from ..models import AnswerKind, MatchFeedback, Provenance, Response, ResponseComment, ResponseStatus


def _require_worker(actor: User) -> None:
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads work on responses.")


def _locked(response: Response) -> Response:
    response = (
        Response.objects.select_for_update(of=("self",))
        .select_related("question", "source_version")
        .get(pk=response.pk)
    )
    if response.status == ResponseStatus.APPROVED:
        raise ValidationError("This response is approved; reopen it before changing it.")
    return response


def _touch(response: Response, actor: User, fields: list[str]) -> None:
    response.last_edited_by = actor
    response.updated_at = timezone.now()
    response.save(update_fields=[*fields, "last_edited_by", "updated_at"])
    response.editors.add(actor)


def _audit(action: str, actor: User, response: Response, request, **data) -> None:
    audit_record(
        action=f"response.{action}",
        actor=actor,
        obj=response.question.questionnaire,
        data={"question": response.question.ref, **data},
        request=request,
    )


def response_accept(*, actor: User, response: Response, request: HttpRequest | None = None) -> Response:
    """Accept the proposed answer as it stands; it then waits for a security lead's approval."""
    _require_worker(actor)
    with transaction.atomic():
        response = _locked(response)
        if not (response.text.strip() or response.choice):
            raise ValidationError("There is nothing to accept yet: pick a library entry or write an answer.")
        if response.question.answer_kind == AnswerKind.CHOICE and not response.choice:
            raise ValidationError("Choose a value for the dropdown cell before accepting.")
        response.status = ResponseStatus.ACCEPTED
        response.is_flagged = False
        _touch(response, actor, ["status", "is_flagged"])
        _audit("accepted", actor, response, request)
    return response


def response_edit(
    *, actor: User, response: Response, text: str, choice: str, request: HttpRequest | None = None
) -> Response:
    """Write or change the answer; it counts as accepted by its editor. Provenance records whether the
    library wording was kept, edited or replaced by new text."""
    _require_worker(actor)
    question_choices = response.question.choices
    if choice and question_choices and choice not in question_choices:
        raise ValidationError({"choice": "Pick one of the values the customer's cell allows."})
    with transaction.atomic():
        response = _locked(response)
        # The company profile's words saved unchanged stay marked as the profile's.
        keeps_profile = response.provenance == Provenance.PROFILE and (response.text, response.choice) == (
            text.strip(),
            choice,
        )
        response.text, response.choice = text.strip(), choice
        if keeps_profile:
            response.provenance = Provenance.PROFILE
        elif response.source_version_id is None:
            response.provenance = Provenance.NEW if response.text or response.choice else Provenance.NONE
        elif response.text == response.source_version.answer:
            response.provenance = Provenance.LIBRARY
        else:
            response.provenance = Provenance.EDITED
        response.status = (
            ResponseStatus.ACCEPTED if (response.text or response.choice) else ResponseStatus.NEEDS_ATTENTION
        )
        _touch(response, actor, ["text", "choice", "provenance", "status"])
        _audit("edited", actor, response, request, provenance=response.provenance)
    return response


def response_use_entry(
    *, actor: User, response: Response, entry: LibraryEntry, request: HttpRequest | None = None
) -> Response:
    """Answer with another library entry's approved text (usable entries only, never internal ones). Replacing
    the answer auto-fill filled in teaches it at once that its entry was the wrong match for this phrasing."""
    _require_worker(actor)
    usable = leaving_entries(nda_covered=True).filter(pk=entry.pk).first()
    if usable is None:
        refusal = (
            leave_refusal(entry.approved_version, nda_covered=True)
            if entry.approved_version_id
            else LeaveRefusal.NOT_APPROVED
        )
        raise ValidationError(
            f"The answer of {entry.key} can't be used because {refusal.label}."
            if refusal
            else "That entry has no approved, current answer that may leave the company."
        )
    with transaction.atomic():
        response = _locked(response)
        if _replaces_suggestion(response, usable):
            MatchFeedback.objects.create(
                entry_id=response.suggested_entry_id,
                question_text=response.question.text,
                is_positive=False,
                response=response,
            )
        version = usable.approved_version
        response.source_version = version
        response.text = version.answer
        response.choice = (
            choice_for(version.short_answer, response.question.choice_options)
            if response.question.answer_kind == AnswerKind.CHOICE
            else ""
        )
        response.provenance = Provenance.LIBRARY
        response.confidence = None
        response.status = (
            ResponseStatus.ACCEPTED
            if response.choice or response.question.answer_kind == AnswerKind.TEXT
            else ResponseStatus.NEEDS_ATTENTION
        )
        _touch(response, actor, ["source_version", "text", "choice", "provenance", "confidence", "status"])
        _audit("entry_chosen", actor, response, request, entry=usable.key)
    return response


def _replaces_suggestion(response: Response, entry: LibraryEntry) -> bool:
    """Whether choosing `entry` replaces the answer auto-fill filled in (and not one a person chose)."""
    return (
        response.suggested_entry_id is not None
        and response.suggested_entry_id != entry.pk
        and response.source_version_id is not None
        and response.source_version.entry_id == response.suggested_entry_id
    )


def response_flag(*, actor: User, response: Response, flagged: bool, request: HttpRequest | None = None) -> Response:
    """Flag (or unflag) a response as needing attention."""
    _require_worker(actor)
    with transaction.atomic():
        response = _locked(response)
        response.is_flagged = flagged
        if flagged:
            response.status = ResponseStatus.NEEDS_ATTENTION
        response.save(update_fields=["is_flagged", "status"])
        _audit("flagged" if flagged else "unflagged", actor, response, request)
    return response


def response_assign(
    *, actor: User, response: Response, assignee: User | None, request: HttpRequest | None = None
) -> Response:
    """Give a response to a colleague (staff who work on questionnaires)."""
    _require_worker(actor)
    if assignee is not None and not policies.can_work_on_questionnaires(assignee):
        raise ValidationError({"assignee": "Assign to an account manager or security lead."})
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("self",))
            .select_related("question__questionnaire")
            .get(pk=response.pk)
        )
        response.assignee = assignee
        response.save(update_fields=["assignee"])
        _audit("assigned", actor, response, request, assignee=assignee.email if assignee else None)
    return response


def response_comment(
    *, actor: User, response: Response, body: str, request: HttpRequest | None = None
) -> ResponseComment:
    """Add an internal comment to a response."""
    _require_worker(actor)
    if not body.strip():
        raise ValidationError({"body": "Write a comment first."})
    comment = ResponseComment.objects.create(response=response, author=actor, body=body.strip()[:5000])
    _audit("commented", actor, response, request)
    return comment


def response_approve(
    *, actor: User, response: Response, request: HttpRequest | None = None, via_cli: bool = False
) -> Response:
    """Approve an accepted response: a security lead who is not its last editor, with a fresh second
    factor. The question's phrasing is remembered as a confirmed match for the entry used (and, when a
    reviewer replaced auto-fill's suggestion, as a wrong match for the suggested one)."""
    step_up_ensure(request, via_cli=via_cli, action="Approving")
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("self",))
            .select_related("question__questionnaire", "source_version")
            .get(pk=response.pk)
        )
        refusal = policies.response_approval_refusal(actor, response)
        if refusal:
            raise PermissionDenied(refusal)
        now = timezone.now()
        response.status = ResponseStatus.APPROVED
        response.approver = actor
        response.approved_at = now
        response.save(update_fields=["status", "approver", "approved_at"])
        used_entry_id = response.source_version.entry_id if response.source_version_id else None
        if used_entry_id:
            MatchFeedback.objects.create(
                entry_id=used_entry_id, question_text=response.question.text, is_positive=True, response=response
            )
            LibraryEntry.objects.filter(pk=used_entry_id).update(last_used_at=now)
        rejected = response.suggested_entry_id and response.suggested_entry_id != used_entry_id
        # Replacing the suggestion may already have recorded it (`response_use_entry`): once is enough.
        if (
            rejected
            and not MatchFeedback.objects.filter(
                response=response, entry_id=response.suggested_entry_id, is_positive=False
            ).exists()
        ):
            MatchFeedback.objects.create(
                entry_id=response.suggested_entry_id,
                question_text=response.question.text,
                is_positive=False,
                response=response,
            )
        _audit("approved", actor, response, request, via="command line" if via_cli else "web")
    from ..autofill import index_invalidate

    transaction.on_commit(index_invalidate)
    return response


def response_reopen(*, actor: User, response: Response, request: HttpRequest | None = None) -> Response:
    """Take an approved response back to accepted so it can change (security leads)."""
    if not policies.can_review_library(actor):
        raise PermissionDenied("Only a security lead reopens approved responses.")
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("self",))
            .select_related("question__questionnaire")
            .get(pk=response.pk)
        )
        if response.status != ResponseStatus.APPROVED:
            raise ValidationError("Only approved responses can be reopened.")
        response.status = ResponseStatus.ACCEPTED
        response.approver = None
        response.approved_at = None
        response.save(update_fields=["status", "approver", "approved_at"])
        _audit("reopened", actor, response, request)
    return response


def response_propose_to_library(
    *, actor: User, response: Response, request: HttpRequest | None = None
) -> LibraryEntryVersion:
    """Offer an answer back to the library as a draft: a new version of the entry it was edited from, or
    a new entry for an answer written from scratch. Drafts reach customers only after a lead approves."""
    _require_worker(actor)
    question = response.question
    if response.provenance == Provenance.EDITED and response.source_version_id:
        source = response.source_version
        version = version_save_draft(
            actor=actor,
            entry=source.entry,
            text=VersionText(
                question=source.question,
                answer=response.text,
                short_answer=source.short_answer,
                aliases=(*source.alias_list, question.text[:500]),
                sources=source.sources,
            ),
            request=request,
        )
    elif response.provenance == Provenance.NEW and response.text.strip():
        entry = entry_create(
            actor=actor,
            key=free_key(question.text),
            category="general",
            classification="nda",
            text=VersionText(
                question=question.text[:2000],
                answer=response.text,
                short_answer=_short_answer_of(response),
                sources=f"Written for {question.questionnaire.title}, question {question.ref}.",
            ),
            request=request,
        )
        version = entry.latest_version
    else:
        raise ValidationError("Only answers edited from a library entry or written new can be proposed.")
    Response.objects.filter(pk=response.pk).update(proposed_version=version)
    _audit("proposed_to_library", actor, response, request, entry=version.entry.key, version=version.number)
    return version


_KEY_WORDS = 5


def free_key(text: str) -> str:
    """A library key made from the first content words of a question ("Is the confidentiality ... of backups
    ensured?" -> "confidentiality-integrity-availability-backups-ensured") that no entry uses yet (drafts from
    answers, learning)."""
    content = [word for word in words(text) if word not in STOPWORDS and len(word) > 1]
    base = slugify(" ".join(content[:_KEY_WORDS]))[:60].strip("-") or "answer"
    key, number = base, 2
    while LibraryEntry.objects.filter(key=key).exists():
        key, number = f"{base}-{number}", number + 1
    return key


def _short_answer_of(response: Response) -> str:
    label = response.choice_label.strip().lower().rstrip(".")
    return {"yes": "Yes", "no": "No", "n/a": "NA", "na": "NA", "not applicable": "NA"}.get(label, "")
