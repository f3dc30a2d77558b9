"""Reading answered questionnaires back: which answers are worth learning, which library entry an answer came
from (by its wording first, then by the question), and which new answers say the same thing.

Pure Python over parsed questions and approved wording; the services decide what to store.
"""

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass

from questionnaires.formats.parsed import ParsedQuestion
from questionnaires.matching import ABSTAIN_THRESHOLD
from questionnaires.matching.text import terms, words

# An answer whose wording is this close (TF-IDF cosine) to an entry's approved answer came from that entry.
ANSWER_LINK = ABSTAIN_THRESHOLD
# Answers at least this close to each other are one proposal, however many files they appear in.
SAME_ANSWER = 0.8

_SHORT_ANSWERS = {
    "yes": "Yes",
    "y": "Yes",
    "true": "Yes",
    "no": "No",
    "n": "No",
    "false": "No",
    "na": "NA",
    "n/a": "NA",
    "n.a.": "NA",
    "not applicable": "NA",
}
_NON_ANSWER = re.compile(
    r"^(n/?a|n\.a\.?|none|nil|tbd|tba|todo|unknown|pending|-+|\.+|\?+|x|"
    r"(please\s+)?(see|refer\s+to|as\s+per)\b.{0,40}|same\s+as\s+(above|below).{0,20}|not\s+applicable\.?)$",
    re.IGNORECASE,
)
_DETAIL_QUESTION = re.compile(
    r"\b(name|address|phone|telephone|e-?mail|web\s*site|web\s*link|url|contact|title|date|"
    r"product\s+description|headquarter\w*|country|city)\b",
    re.IGNORECASE,
)
# A dropdown's numbering in front of the choice: "2) No", "1. Yes", "a) N/A".
_ENUMERATOR = re.compile(r"^(\d{1,2}|[a-z])[).]\s+")
_EMAIL = re.compile(r"^\S+@\S+\.\S+$")
_WEB = re.compile(r"^(https?://|www\.)?[\w-]+(\.[\w-]+)+(/\S*)?$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T][\d:]+)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")
# Questions about the company itself are short ("Vendor Contact Email"); security questions are sentences.
_DETAIL_MAX_WORDS = 8


@dataclass(frozen=True)
class AnsweredQuestion:
    """What a filled file says for one question: the choice made (Yes/No/NA or other) and the written answer."""

    ref: str
    question: str
    choice: str
    comment: str

    @property
    def short_answer(self) -> str:
        """The choice as the library spells a short answer ("Yes", "No", "NA"), "" for anything else."""
        return _SHORT_ANSWERS.get(_ENUMERATOR.sub("", self.choice.strip().lower()).rstrip("."), "")

    @property
    def answer(self) -> str:
        """The answer as one text: a bare choice, the written answer, or "Yes. <written answer>"."""
        choice, comment = self.choice.strip(), self.comment.strip()
        if not choice or choice.lower() == comment.lower():
            return comment
        if not comment:
            return choice
        return f"{choice}. {comment}" if not choice.endswith((".", ":")) else f"{choice} {comment}"

    @property
    def wording(self) -> str:
        """The part of the answer that is prose, not a choice: what a library answer is compared with."""
        if self.comment.strip():
            return self.comment.strip()
        return "" if self.short_answer else self.choice.strip()


def answered(question: ParsedQuestion) -> AnsweredQuestion:
    """The answer found in a filled file: the main cell's value, and the comment cell's text beside it (a
    choice question's long answer is usually there)."""
    main = question.answer_slot
    choice = (main.existing if main else "") or question.existing_answer
    comment = next((slot.existing for slot in question.slots if slot.role == "comment" and slot.existing), "")
    return AnsweredQuestion(ref=question.ref, question=question.text, choice=_clean(choice), comment=_clean(comment))


def _clean(text: str) -> str:
    return " ".join((text or "").replace("\u200b", " ").split())


def skip_reason(item: AnsweredQuestion) -> str:
    """Why this answer teaches the library nothing ("" when it may): empty, a non-answer, or company details."""
    answer = item.answer
    if not answer:
        return "No answer in the file."
    if not item.question.strip():
        return "No question text in the file (a formula saved without its result?), so nothing to learn it as."
    if _NON_ANSWER.match(item.comment or item.choice) and not item.short_answer:
        return "Not an answer (N/A, see above, …)."
    if _NON_ANSWER.match(item.comment) and item.short_answer:
        return "Only a Yes/No/N/A with a cross-reference."
    if item.short_answer == "NA" and not item.wording:
        return "Not applicable, with nothing written."
    value = item.wording or answer
    if _EMAIL.match(value) or _DATE.match(value):
        return "Company details (contact, date), not a security answer."
    if _WEB.match(value) or _PHONE.match(value):
        return "Company details (website, phone), not a security answer."
    if len(item.question.split()) <= _DETAIL_MAX_WORDS and _DETAIL_QUESTION.search(item.question):
        return "Company details (name, address, contact), not a security answer."
    return ""


def _vector(counts: Counter[str], idf: dict[str, float], default_idf: float) -> dict[str, float]:
    weighted = {term: weight * idf.get(term, default_idf) for term, weight in counts.items()}
    norm = math.sqrt(sum(value * value for value in weighted.values())) or 1.0
    return {term: value / norm for term, value in weighted.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(term, 0.0) for term, value in a.items())


@dataclass(frozen=True)
class AnswerMatch:
    entry_id: int
    confidence: float


class AnswerIndex:
    """TF-IDF cosine over approved answers, with the matching engine's own tokens (stems, concepts, bigrams)."""

    def __init__(self, answers: dict[int, str]) -> None:
        counted = {entry_id: terms(text) for entry_id, text in answers.items() if words(text)}
        df: Counter[str] = Counter()
        for counts in counted.values():
            df.update(counts.keys())
        total = len(counted) + 1
        self._idf = {term: math.log(total / (1 + n)) + 1.0 for term, n in df.items()}
        self._default_idf = math.log(total) + 1.0
        # Term -> [(entry, weight)]: a query touches only the entries sharing a term with it.
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for entry_id, counts in counted.items():
            for term, weight in self.vector_of(counts).items():
                self._postings.setdefault(term, []).append((entry_id, weight))

    def vector_of(self, counts: Counter[str]) -> dict[str, float]:
        return _vector(counts, self._idf, self._default_idf)

    def best(self, text: str) -> AnswerMatch | None:
        """The entry whose approved answer is closest to `text`, with the cosine as confidence (None: no overlap)."""
        scores: Counter[int] = Counter()
        for term, weight in self.vector_of(terms(text)).items():
            for entry_id, entry_weight in self._postings.get(term, ()):
                scores[entry_id] += weight * entry_weight
        if not scores:
            return None
        entry_id, score = max(scores.items(), key=lambda pair: (pair[1], -pair[0]))
        return AnswerMatch(entry_id, round(min(score, 1.0), 4)) if score > 0 else None


def group_keys(answers: list[str]) -> list[str]:
    """A key per answer, shared by answers that are near-duplicates of an earlier one (greedy, in order)."""
    counted = [terms(text) for text in answers]
    df: Counter[str] = Counter()
    for counts in counted:
        df.update(counts.keys())
    total = len(counted) + 1
    idf = {term: math.log(total / (1 + n)) + 1.0 for term, n in df.items()}
    vectors = [_vector(counts, idf, 1.0) for counts in counted]
    leaders: list[tuple[str, dict[str, float]]] = []
    keys = []
    for text, vector in zip(answers, vectors, strict=True):
        key = next((key for key, leader in leaders if vector and _cosine(vector, leader) >= SAME_ANSWER), None)
        if key is None:
            key = hashlib.sha256(" ".join(words(text)).encode()).hexdigest()[:16]
            leaders.append((key, vector))
        keys.append(key)
    return keys
