"""Auto-fill: the matching index over usable library entries, and answers shaped for each cell.

The index is built once per process and rebuilt only when the library's approved content or the
reviewers' feedback changed (a cheap fingerprint query tells), so approving an entry refreshes it
and ordinary requests never pay for a rebuild.
"""

import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Max

from library.models import Classification, LibraryEntry, ShortAnswer
from library.policies import LeaveRefusal, leave_refusal
from library.selectors import company_profile_get, matchable_entries

from .company_details import ProfileProposal, company_detail_field, company_detail_for, profile_proposal
from .matching import confidence_percent
from .models import AnswerKind, MatchFeedback, UnfilledReason

if TYPE_CHECKING:
    from .matching import IndexedEntry, MatchIndex, Suggestion

_lock = threading.Lock()
_cache: dict[str, object] = {"fingerprint": None, "index": None, "entries": {}, "stale": None}


def _fingerprint() -> tuple:
    entries = matchable_entries()
    summary = entries.aggregate(count=Count("pk"), latest=Max("approved_version__approved_at"), ids=Max("pk"))
    feedback = MatchFeedback.objects.aggregate(count=Count("pk"), last=Max("pk"))
    retired = LibraryEntry.objects.filter(retired_at__isnull=False).aggregate(latest=Max("retired_at"))
    return (*summary.values(), *feedback.values(), retired["latest"], _today())


def _today():
    from django.utils import timezone

    return timezone.localdate()


def index_invalidate() -> None:
    """Forget the cached index (called after an approval; the next match rebuilds it)."""
    with _lock:
        _cache["fingerprint"] = None


def match_index() -> tuple["MatchIndex", dict[int, LibraryEntry]]:
    """The index over approved, current entries, and those entries. Internal entries are matched too, so
    people learn an answer exists, but their text is never proposed for a customer (see `proposal_for`)."""
    from .matching import Feedback, MatchIndex

    fingerprint = _fingerprint()
    with _lock:
        if _cache["fingerprint"] == fingerprint and _cache["index"] is not None:
            return _cache["index"], _cache["entries"]
    entries = {entry.pk: entry for entry in matchable_entries().order_by("pk")}
    indexed = indexed_entries(entries.values())
    feedback = [
        Feedback(entry_id=row.entry_id, question_text=row.question_text, positive=row.is_positive)
        for row in MatchFeedback.objects.filter(entry_id__in=entries.keys()).only(
            "entry_id", "question_text", "is_positive"
        )
    ]
    index = MatchIndex.build(indexed, feedback)
    with _lock:
        _cache.update(fingerprint=fingerprint, index=index, entries=entries, stale=None)
    return index, entries


def stale_index() -> tuple["MatchIndex | None", dict[int, LibraryEntry]]:
    """An index over every live approved entry, overdue ones included, so a question that an overdue entry
    would answer can say so instead of "no match" (None when no entry is overdue). Built lazily, forgotten
    with the main index."""
    from .matching import MatchIndex

    match_index()
    with _lock:
        if _cache["stale"] is not None:
            return _cache["stale"]
    live = LibraryEntry.objects.filter(approved_version__isnull=False, retired_at__isnull=True)
    if not live.exclude(pk__in=matchable_entries().values("pk")).exists():
        built: tuple = (None, {})
    else:
        entries = {entry.pk: entry for entry in live.select_related("approved_version__entry").order_by("pk")}
        built = (MatchIndex.build(indexed_entries(entries.values())), entries)
    with _lock:
        _cache["stale"] = built
    return built


def indexed_entries(entries) -> list["IndexedEntry"]:
    """What the matching index knows of each entry: its approved wording, key and category."""
    from .matching import IndexedEntry

    return [
        IndexedEntry(
            entry_id=entry.pk,
            key=entry.key,
            question=entry.approved_version.question,
            answer=entry.approved_version.answer,
            aliases=tuple(entry.approved_version.alias_list),
            category=entry.category,
        )
        for entry in entries
    ]


@dataclass(frozen=True)
class Proposal:
    entry: LibraryEntry
    confidence: float
    choice: str
    text: str
    refusal: LeaveRefusal | None = None

    @property
    def is_internal(self) -> bool:
        """An internal entry matched: its text stays inside the company, a person writes the answer."""
        return self.entry.classification == Classification.INTERNAL


_NUMBERING = re.compile(r"^\s*(\(?\d+[).:]|[a-z][).])\s*", re.IGNORECASE)
_SPELLINGS = {
    ShortAnswer.YES: ("yes", "y", "true", "compliant", "implemented"),
    ShortAnswer.NO: ("no", "n", "false", "not compliant", "not implemented"),
    ShortAnswer.NA: ("na", "n/a", "n.a.", "not applicable", "none", "not relevant"),
}


def choice_for(short_answer: str, options: list[tuple[str, str]]) -> str:
    """The value of the cell's own spelling of Yes/No/NA ("Yes", "1) Yes", "N/A", …) among (value, label)
    options, or "" when it has none."""
    if not short_answer or not options:
        return ""
    wanted = _SPELLINGS.get(short_answer, ())
    for value, label in options:
        bare = _NUMBERING.sub("", label).strip().lower().rstrip(".")
        if bare in wanted:
            return value
    return ""


def proposal_for(
    suggestion: "Suggestion", entries: dict[int, LibraryEntry], *, answer_kind: str, options: list[tuple[str, str]]
) -> Proposal:
    """Shape an entry's approved answer for a question: choice cells get its short answer in the
    cell's own spelling, the text (for free-text or comment cells) is the full answer."""
    entry = entries[suggestion.entry_id]
    version = entry.approved_version
    # Drafting for a questionnaire: NDA-class wording may be drafted; the export decides per customer.
    refusal = leave_refusal(version, nda_covered=True)
    if refusal:
        return Proposal(entry=entry, confidence=suggestion.confidence, choice="", text="", refusal=refusal)
    choice = choice_for(version.short_answer, options) if answer_kind == "choice" else ""
    return Proposal(entry=entry, confidence=suggestion.confidence, choice=choice, text=version.answer)


@dataclass(frozen=True)
class Outcome:
    """What auto-fill made of one question: the proposal to fill it with (None: nothing usable) and, when a
    person must answer it, why (`reason`, `detail`) and the best entries it weighed (`candidates`)."""

    proposal: "Proposal | ProfileProposal | None"
    reason: str = ""
    detail: str = ""
    candidates: tuple[dict, ...] = ()


def is_company_detail(text: str) -> bool:
    """A question about the company itself (its name, address, contacts, website, age, staff count): one rule,
    `company_details.company_detail_field`, whatever the cell's kind."""
    return company_detail_field(text) is not None


def _candidate(suggestion: "Suggestion", entries: dict[int, LibraryEntry]) -> dict:
    entry = entries[suggestion.entry_id]
    return {
        "entry_id": entry.pk,
        "key": entry.key,
        "question": entry.approved_version.question[:300],
        "confidence": round(suggestion.confidence, 4),
    }


def _left_for_a_person(question, proposal, index, entries) -> Outcome:
    """Why auto-fill does not fill `question`, and the entries it weighed, best first (at most three)."""
    from .matching import ABSTAIN_THRESHOLD

    weighed = [_candidate(found, entries) for found in index.suggest(question.text, section=question.section, k=3)]
    if proposal is not None:
        entry, percent = proposal.entry, confidence_percent(proposal.confidence)
        if proposal.refusal is not None:
            reason = proposal.refusal.value if proposal.refusal in UnfilledReason.values else UnfilledReason.NO_MATCH
            detail = f"Best match '{entry.key}' at {percent}% can't be proposed because {proposal.refusal.label}."
            if proposal.refusal == LeaveRefusal.INTERNAL:
                detail += " Write a customer-facing answer."
            return Outcome(proposal, reason, detail, tuple(weighed))
        short = entry.approved_version.short_answer
        detail = (
            f"Best match '{entry.key}' at {percent}% answers “{entry.approved_version.get_short_answer_display()}”, "
            "which is not one of the values this cell allows; pick the value yourself."
            if short
            else f"Best match '{entry.key}' at {percent}% has no short Yes/No answer for this cell; "
            "pick the value yourself."
        )
        return Outcome(proposal, UnfilledReason.NO_SHORT_ANSWER, detail, tuple(weighed))
    # Only when nothing usable matched: the library may hold some of these (a security contact, a company overview).
    if is_company_detail(question.text):
        return Outcome(None, UnfilledReason.COMPANY_DETAIL, "Company detail: answer it from the company profile.")
    stale, live = stale_index()
    overdue = stale.best(question.text, section=question.section) if stale is not None else None
    refusal = leave_refusal(live[overdue.entry_id].approved_version, nda_covered=True) if overdue else None
    if overdue is not None and refusal == LeaveRefusal.OVERDUE:
        found = _candidate(overdue, live)
        weighed = sorted([found, *weighed], key=lambda candidate: -candidate["confidence"])[:3]
        percent = confidence_percent(overdue.confidence)
        detail = f"Best match '{found['key']}' at {percent}% can't be proposed because {refusal.label}."
        return Outcome(None, UnfilledReason.OVERDUE, detail, tuple(weighed))
    if weighed:
        best = weighed[0]
        detail = (
            f"Best match '{best['key']}' at {confidence_percent(best['confidence'])}%, "
            f"below the {confidence_percent(ABSTAIN_THRESHOLD)}% needed."
        )
        return Outcome(None, UnfilledReason.LOW_CONFIDENCE, detail, tuple(weighed))
    return Outcome(None, UnfilledReason.NO_MATCH, "No approved library entry shares this question's subject.", ())


def suggest_all(questions) -> tuple[list[Outcome], float]:
    """Per question, the proposal auto-fill makes or why it leaves the question to a person; and the
    seconds spent matching. Questions about the company's own details are answered from the company profile
    only, and left to a person, saying so, when the profile lacks the detail."""
    index, entries = match_index()
    profile = company_profile_get()
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    for question in questions:
        detail = company_detail_for(question)
        if detail is not None:
            from_profile = profile_proposal(detail, profile)
            outcomes.append(
                Outcome(from_profile)
                if from_profile is not None
                else Outcome(
                    None,
                    UnfilledReason.COMPANY_DETAIL,
                    "Company detail: the company profile does not "
                    "have it yet. Fill it in on the company profile page, or answer here.",
                )
            )
            continue
        best = index.best(question.text, section=question.section)
        proposal = (
            None
            if best is None
            else proposal_for(best, entries, answer_kind=question.answer_kind, options=question.choice_options)
        )
        unshaped = question.answer_kind == AnswerKind.CHOICE and proposal is not None and not proposal.choice
        if proposal is not None and proposal.refusal is None and not unshaped:
            outcomes.append(Outcome(proposal))
        else:
            outcomes.append(_left_for_a_person(question, proposal, index, entries))
    return outcomes, time.perf_counter() - started
