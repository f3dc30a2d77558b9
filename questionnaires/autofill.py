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
from library.policies import leave_refusal
from library.selectors import company_profile_get, matchable_entries

from .company_details import ProfileProposal, company_detail_for, profile_proposal
from .models import MatchFeedback

if TYPE_CHECKING:
    from .matching import IndexedEntry, MatchIndex, Suggestion

_lock = threading.Lock()
_cache: dict[str, object] = {"fingerprint": None, "index": None, "entries": {}}


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
        _cache.update(fingerprint=fingerprint, index=index, entries=entries)
    return index, entries


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
    if leave_refusal(version, nda_covered=True):
        return Proposal(entry=entry, confidence=suggestion.confidence, choice="", text="")
    choice = choice_for(version.short_answer, options) if answer_kind == "choice" else ""
    return Proposal(entry=entry, confidence=suggestion.confidence, choice=choice, text=version.answer)


def suggest_all(questions) -> tuple[list[Proposal | ProfileProposal | None], float]:
    """Best proposal (or None: abstain) per question, and the seconds spent matching. Questions about the
    company's own details are answered from the company profile only (None when it lacks the detail)."""
    index, entries = match_index()
    profile = company_profile_get()
    started = time.perf_counter()
    proposals: list[Proposal | ProfileProposal | None] = []
    for question in questions:
        detail = company_detail_for(question)
        if detail is not None:
            proposals.append(profile_proposal(detail, profile))
            continue
        best = index.best(question.text, section=question.section)
        proposals.append(
            None
            if best is None
            else proposal_for(best, entries, answer_kind=question.answer_kind, options=question.choice_options)
        )
    return proposals, time.perf_counter() - started
