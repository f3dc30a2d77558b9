"""Learning from answered questionnaires: read the files, link answers to the entries they came from, confirm
links as learned phrasings, and turn new answers into draft entries. Approved wording is never changed."""

import hashlib
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from fileformats import FileRejected, uploads
from library.models import LibraryEntry
from library.services import VersionText, entry_create

from .. import formats, learning, policies, selectors
from ..autofill import match_index
from ..matching import ABSTAIN_THRESHOLD
from ..models import LearningBatch, LearningDecision, LearningItem, LearningOutcome, MatchFeedback
from .responses import free_key

# The engine's own threshold: links at least this confident are confirmed by the command line.
CONFIRM_THRESHOLD = ABSTAIN_THRESHOLD
# A draft takes its closest entry's category only when that entry is at least this close; else "general".
DRAFT_CATEGORY_FROM = 0.3


def _require_worker(actor: User) -> None:
    if not policies.can_work_on_questionnaires(actor):
        raise PermissionDenied("Only account managers and security leads teach the library from past answers.")


def _via(via_cli: bool) -> str | None:
    return "cli" if via_cli else None


def _read_files(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes, formats.ParsedQuestionnaire]]:
    """Every file parsed, or one ValidationError naming each file that could not be read and why."""
    read, failures = [], []
    for filename, data in files:
        name = uploads.display_name(PurePath(filename).name or "questionnaire", default="questionnaire")
        try:
            formats.check_file(name, data)
            parsed = formats.parse_questionnaire(name, data)
        except FileRejected as error:
            failures.append(f"{name}: {error}")
            continue
        if not parsed.questions or not parsed.confident:
            failures.append(
                f"{name}: Trustpack could not tell which columns hold the questions and answers. Import it as a "
                "questionnaire to choose the columns, or upload a CAIQ, HECVAT, VSAQ or a sheet with "
                "Question and Answer headers."
            )
            continue
        if not any(learning.answered(question).answer for question in parsed.questions):
            failures.append(f"{name}: no question in this file has an answer. Is it the filled-in copy?")
            continue
        read.append((name, data, parsed))
    if failures:
        fine = [name for name, _, _ in read]
        if fine:
            failures.append(
                f"Read without problems: {', '.join(fine)}. Upload them again without the file"
                f"{'s' if len(failures) > 1 else ''} above; nothing was saved."
            )
        raise ValidationError(failures)
    return read


def _analyse(read) -> tuple[list[dict], list[LearningItem]]:
    index, entries = match_index()
    answers = {
        entry_id: entry.approved_version.answer
        for entry_id, entry in entries.items()
        if entry.approved_version.answer.strip()
    }
    answer_index = learning.AnswerIndex(answers)
    metas, items = [], []
    order = 0
    for name, data, parsed in read:
        answered_count = 0
        for question in parsed.questions:
            found = learning.answered(question)
            if found.answer:
                answered_count += 1
            order += 1
            items.append(_item(order, name, found, index, entries, answer_index))
        metas.append(
            {
                "name": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "format": parsed.format_label,
                "questions": len(parsed.questions),
                "answered": answered_count,
            }
        )
    proposals = [item for item in items if item.outcome == LearningOutcome.PROPOSED]
    for item, key in zip(proposals, learning.group_keys([item.answer_text for item in proposals]), strict=True):
        item.group_key = key
    return metas, items


def _item(order, name, found: learning.AnsweredQuestion, index, entries, answer_index) -> LearningItem:
    item = LearningItem(
        order=order,
        file_name=name,
        ref=found.ref[:120],
        question_text=found.question,
        choice=found.choice[:200],
        answer_text=found.wording or found.answer,
        short_answer=found.short_answer,
    )
    reason = learning.skip_reason(found)
    if reason:
        item.outcome, item.reason = LearningOutcome.SKIPPED, reason
        return item
    by_answer = answer_index.best(found.wording) if found.wording else None
    suggestions = index.suggest(found.question, k=3) if found.question.strip() else []
    by_question = suggestions[0] if suggestions else None
    if by_answer and by_answer.confidence >= learning.ANSWER_LINK:
        confidence = by_answer.confidence
        agreeing = next((s for s in suggestions if s.entry_id == by_answer.entry_id), None)
        if agreeing:  # the question points at the same entry: two independent signs
            confidence = 1 - (1 - confidence) * (1 - agreeing.confidence)
        return _linked(item, entries[by_answer.entry_id], confidence, "answer")
    if by_question and by_question.confidence >= ABSTAIN_THRESHOLD:
        entry = entries[by_question.entry_id]
        said, expected = found.short_answer, entry.approved_version.short_answer
        if said and expected and said != expected:
            item.outcome = LearningOutcome.PROPOSED if found.wording else LearningOutcome.SKIPPED
            item.suggested_entry, item.confidence, item.matched_by = entry, by_question.confidence, "question"
            item.reason = f"Answered “{said}” where {entry.key} says “{expected}”."
            return item
        return _linked(item, entry, by_question.confidence, "question")
    if not found.wording:
        item.outcome = LearningOutcome.SKIPPED
        item.reason = "Only a Yes/No, and no entry answers this question."
        return item
    item.outcome = LearningOutcome.PROPOSED
    closest = max([c for c in (by_answer, by_question) if c is not None], key=lambda c: c.confidence, default=None)
    if closest is not None:
        item.suggested_entry, item.confidence = entries[closest.entry_id], closest.confidence
        item.matched_by = "answer" if closest is by_answer else "question"
    return item


def _linked(item: LearningItem, entry: LibraryEntry, confidence: float, matched_by: str) -> LearningItem:
    item.outcome, item.suggested_entry = LearningOutcome.LINKED, entry
    item.confidence, item.matched_by = round(min(confidence, 1.0), 4), matched_by
    return item


def learning_batch_create(
    *, actor: User, files: list[tuple[str, bytes]], request: HttpRequest | None = None, via_cli: bool = False
) -> LearningBatch:
    """Read answered questionnaires and record, per question, the entry its answer came from, a proposed new
    entry or why it was skipped. All files or none: a file that cannot be read stops the batch, named."""
    _require_worker(actor)
    if not files:
        raise ValidationError("Choose at least one answered questionnaire.")
    read = _read_files(files)
    metas, items = _analyse(read)
    with transaction.atomic():
        batch = LearningBatch.objects.create(uploaded_by=actor, files=metas, via_cli=via_cli)
        for item in items:
            item.batch = batch
        LearningItem.objects.bulk_create(items, batch_size=500)
        counts = selectors.learning_batch_counts(batch)
        audit_record(
            action="questionnaires.learning_batch_created",
            actor=actor,
            obj=batch,
            data={"files": [meta["name"] for meta in metas], **counts},
            request=request,
            via=_via(via_cli),
        )
    return batch


def _locked(item: LearningItem) -> LearningItem:
    return LearningItem.objects.select_for_update(of=("self",)).select_related("suggested_entry").get(pk=item.pk)


def _decide(item: LearningItem, actor: User, decision: str, **fields) -> None:
    item.decision, item.decided_by, item.decided_at = decision, actor, timezone.now()
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=["decision", "decided_by", "decided_at", *fields])


def _audit(action: str, actor: User, item: LearningItem, request, via_cli: bool, **data) -> None:
    audit_record(
        action=f"questionnaires.learning_{action}",
        actor=actor,
        obj=item.batch,
        data={"item": item.pk, "file": item.file_name, "ref": item.ref, **data},
        request=request,
        via=_via(via_cli),
    )


def learning_item_confirm(
    *, actor: User, item: LearningItem, request: HttpRequest | None = None, via_cli: bool = False
) -> MatchFeedback:
    """Confirm a link: the question becomes a learned phrasing of the entry (positive match feedback). The
    entry's approved wording is not touched."""
    _require_worker(actor)
    with transaction.atomic():
        item = _locked(item)
        if item.outcome != LearningOutcome.LINKED or not item.is_pending or item.suggested_entry is None:
            raise ValidationError("Only a pending link to an entry can be confirmed.")
        feedback = MatchFeedback.objects.filter(
            entry=item.suggested_entry, question_text=item.question_text, is_positive=True
        ).first() or MatchFeedback.objects.create(
            entry=item.suggested_entry, question_text=item.question_text, is_positive=True
        )
        same_question_in = _settle_link(item, actor, LearningDecision.CONFIRMED)
        _audit(
            "link_confirmed",
            actor,
            item,
            request,
            via_cli,
            entry=item.suggested_entry.key,
            confidence=item.confidence,
            same_question_in=same_question_in,
        )
    return feedback


def _settle_link(item: LearningItem, actor: User, decision: str) -> list[str]:
    """Decide a locked link and the batch's other pending links of the same question to the same entry (the
    question asked again in another file), as they teach one phrasing; the others' "file ref", for the audit."""
    twins = (
        item.batch.items.select_for_update(of=("self",))
        .filter(
            outcome=LearningOutcome.LINKED,
            decision=LearningDecision.PENDING,
            suggested_entry=item.suggested_entry,
            question_text=item.question_text,
        )
        .exclude(pk=item.pk)
        if item.suggested_entry is not None
        else []
    )
    settled = []
    for decided in (item, *twins):
        _decide(decided, actor, decision)
        if decided is not item:
            settled.append(f"{decided.file_name} {decided.ref}".strip())
    return settled


def learning_item_reject(*, actor: User, item: LearningItem, request: HttpRequest | None = None) -> LearningItem:
    """Reject a link, or dismiss a proposal with the near-identical answers grouped with it: nothing is learned
    from them. Either may still become a draft entry later."""
    _require_worker(actor)
    with transaction.atomic():
        item = _locked(item)
        if item.outcome not in (LearningOutcome.LINKED, LearningOutcome.PROPOSED) or not item.is_pending:
            raise ValidationError("Only a pending link or proposal can be rejected.")
        if item.outcome == LearningOutcome.LINKED:
            same_question_in = _settle_link(item, actor, LearningDecision.REJECTED)
            _audit(
                "link_rejected",
                actor,
                item,
                request,
                False,
                entry=getattr(item.suggested_entry, "key", ""),
                same_question_in=same_question_in,
            )
            return item
        group = [other for other in selectors.learning_group_list(item) if other.is_pending] or [item]
        for other in group:
            _decide(_locked(other), actor, LearningDecision.REJECTED)
        _audit("proposal_dismissed", actor, item, request, False, grouped=len(group))
    return item


def learning_batch_confirm_above(
    *,
    actor: User,
    batch: LearningBatch,
    threshold: float,
    answer_only: bool = False,
    file_name: str = "",
    request: HttpRequest | None = None,
    via_cli: bool = False,
) -> int:
    """Confirm every pending link of the batch at least `threshold` confident; how many were confirmed.

    `answer_only` confirms only links the answer's own wording points to. A link found by the question alone is
    auto-fill's guess: confirming it unread teaches the engine its own mistakes and makes its wrong guesses look
    surer (measured on three answered questionnaires whose answers the library does not hold: precision 85 % ->
    80 %), so unattended learning leaves those for a person."""
    _require_worker(actor)
    if not 0 <= threshold <= 1:
        raise ValidationError("The threshold is a percentage between 0 and 100.")
    pending = batch.items.filter(
        outcome=LearningOutcome.LINKED,
        decision=LearningDecision.PENDING,
        suggested_entry__isnull=False,
        confidence__gte=threshold,
    )
    if answer_only:
        pending = pending.filter(matched_by="answer")
    if file_name:  # one file's links (the same question in another file is still settled with it)
        pending = pending.filter(file_name=file_name)
    with transaction.atomic():
        before = batch.items.filter(decision=LearningDecision.CONFIRMED).count()
        for pk in list(pending.order_by("order").values_list("pk", flat=True)):
            item = batch.items.get(pk=pk)
            if item.is_pending:  # not settled meanwhile with the same question in another file
                learning_item_confirm(actor=actor, item=item, request=request, via_cli=via_cli)
        return batch.items.filter(decision=LearningDecision.CONFIRMED).count() - before


def learning_item_draft(*, actor: User, item: LearningItem, request: HttpRequest | None = None) -> LibraryEntry:
    """A new draft library entry from a proposal (or a rejected link): the answer is its wording, the question
    its first phrasing and the grouped questions its aliases. It goes through the usual four-eyes review."""
    _require_worker(actor)
    with transaction.atomic():
        item = _locked(item)
        drafting = item.outcome == LearningOutcome.PROPOSED and item.is_pending
        if not (drafting or item.decision == LearningDecision.REJECTED) or not item.answer_text.strip():
            raise ValidationError("Only a pending proposal or a rejected link can become a draft entry.")
        pending = selectors.learning_group_list(item)
        group = [item, *[o for o in pending if o.pk != item.pk and o.decision == LearningDecision.PENDING]]
        aliases = []
        for other in group[1:]:
            text = other.question_text.strip()[:500]
            if text and text != item.question_text.strip() and text not in aliases:
                aliases.append(text)
        sources = "; ".join(f"{other.file_name} {other.ref}".strip() for other in group)
        entry = entry_create(
            actor=actor,
            key=free_key(item.question_text),
            category=item.suggested_entry.category
            if item.suggested_entry and (item.confidence or 0) >= DRAFT_CATEGORY_FROM
            else "general",
            classification="nda",
            text=VersionText(
                question=item.question_text[:2000],
                answer=item.answer_text,
                short_answer=item.short_answer,
                aliases=tuple(aliases),
                sources=f"Learned from answered questionnaires: {sources}"[:4000],
            ),
            request=request,
        )
        for other in group:
            _decide(_locked(other), actor, LearningDecision.DRAFTED, drafted_entry=entry)
        _audit("draft_created", actor, item, request, False, entry=entry.key, grouped=len(group))
    return entry
