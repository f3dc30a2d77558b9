"""The match index: BM25F over library entries plus phrasings learned from reviewers, with a calibrated confidence.

Scoring, for a question q and an entry E:
- BM25F over E's fields (question and aliases weigh most, the key's words next, the answer text least) plus a
  light field of the phrasings reviewers confirmed for E, divided by the most q could score, so it reads as
  "how much of the question this entry explains"; words the library never uses (HIPAA, PCI) count against;
- a near-duplicate of a confirmed phrasing adds to E (TF-IDF cosine, raised to a high power so only close
  rewordings count); a near-duplicate of a rejected one pulls E down;
- headword: an entry whose key words (`policy-review`, `dr-testing`) all occur in the question, as stems or concepts,
  ranks as if its score were 1 + _HEADWORD_BONUS times higher, so the entry named by the question wins over a
  neighbour sharing its vocabulary (the topic's own entry against its policy review); the confidence of the entries
  ranked is computed from their plain scores and kept non-increasing down the list;
- learned agreement: when the entry ranked first is also the entry of the confirmed phrasing nearest the question,
  that phrasing is a second, independent vote: its own confidence (a logistic function of the cosine, so only a close
  rewording vouches much) joins the text's as a noisy-or, P(right) = 1 - (1 - text) * (1 - learned). A near-duplicate
  confirmed for another entry, or one rejected for this entry at least as close, adds nothing;
- confidence: a logistic function of the entry's score and, mostly, its lead over the runner-up, so one
  global threshold (`ABSTAIN_THRESHOLD`) decides when to abstain; at 0.5 a suggestion is made when
  score / 6.7 + lead >= 0.14 (85% of suggestions right on the development labels with the library alone, 37% of
  answerable questions filled; the target is at least 85% right). Precision differs a lot by questionnaire (CAIQ and
  the VSAQ infrastructure file near 78%, HECVAT and the other VSAQ files near 90%), so the threshold is a global
  compromise, not a guarantee per file. The constants were set on the benchmark's development labels, with BM25's
  k1 and the answer field's weight chosen for precision-bounded coverage rather than top-1 (no per-question rules).
- words only reviewers' phrasings use lead to those entries but still count as off-library in the ceiling, so
  feedback does not make an uncovered topic (HIPAA) look answered.
"""

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from questionnaires.matching.text import terms


@dataclass(frozen=True)
class IndexedEntry:
    entry_id: int
    key: str
    question: str
    answer: str
    aliases: tuple[str, ...]
    category: str = ""


@dataclass(frozen=True)
class Feedback:
    """A reviewer's verdict: `positive` when entry `entry_id` was approved as the answer to `question_text`."""

    entry_id: int
    question_text: str
    positive: bool


@dataclass(frozen=True)
class Suggestion:
    entry_id: int
    key: str
    confidence: float


ABSTAIN_THRESHOLD = 0.5

# Field weights and BM25 parameters.
_FIELDS = (("question", 1.0), ("aliases", 1.0), ("key", 0.6), ("answer", 0.45), ("category", 0.15))
_K1 = 0.8
_B = 0.6
# Section heading terms join the question at this weight, up to _SECTION_MAX for terse questions.
_SECTION_WEIGHT = 0.3
_SECTION_TERSE = 4.0
_SECTION_MAX = 0.6
# How much a term the library never uses counts against the match (times the idf of a term seen once);
# in the heading it counts as if it were in the question (the whole section is off-topic).
_UNSEEN_WEIGHT = 1.0
_SECTION_UNSEEN = 1.0
# Confirmed phrasings: weight of their BM25F field and its reference length (in average questions);
# a near-duplicate adds _UNIT_WEIGHT * cosine ** _UNIT_POWER; a rejected one multiplies by
# (1 - _REJECTED_WEIGHT * cosine ** 2).
_LEARNED_FIELD = 0.05
_LEARNED_LENGTH = 4.0
_UNIT_WEIGHT = 0.3
_UNIT_POWER = 6.0
_REJECTED_WEIGHT = 1.2
# Confidence = sigmoid(_SLOPE * (score - _CENTRE) + _LEAD * (score - runner-up score)).
_SLOPE = 4.5
_CENTRE = 0.95
_LEAD = 30.0
# Learned agreement: the nearest confirmed phrasing's vote is sigmoid(_AGREE_SLOPE * (cosine - _AGREE_CENTRE)).
_AGREE_CENTRE = 0.65
_AGREE_SLOPE = 10.0
# Headword match: when every word of an entry's key (`policy-review`, `vendor-risk`) shows up in the question, the
# entry is likelier what the question is about than a neighbour sharing its vocabulary: its score is multiplied by
# 1 + _HEADWORD_BONUS for ranking only (confidence reads the plain scores).
_HEADWORD_BONUS = 0.4


def confidence_percent(confidence: float) -> int:
    """A confidence as the whole percentage people see, rounded down, so a match just under the threshold never
    reads as reaching it; every page and message shows it this way."""
    return math.floor(confidence * 100 + 1e-9)


def _sigmoid(logit: float) -> float:
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, logit))))


def _key_text(key: str) -> str:
    return key.replace("-", " ").replace("_", " ").replace(".", " ")


def _headwords(key: str) -> tuple[frozenset[str], ...]:
    """Per content word of the key, the terms a question matches it by: its stem or its concept ("dr" -> "~dr")."""
    heads = (frozenset(t for t in terms(word) if "_" not in t) for word in _key_text(key).split())
    return tuple(head for head in heads if head)


class MatchIndex:
    """An index of approved entries; reviewers' feedback can be added as they act, without a rebuild."""

    def __init__(self) -> None:
        self._entries: list[IndexedEntry] = []
        self._position: dict[int, int] = {}
        self._fields: list[list[Counter[str]]] = []  # per entry: term counts per field of _FIELDS
        self._learned: list[Counter[str]] = []  # per entry: terms of the phrasings reviewers confirmed
        self._avg_len: list[float] = []
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._df: Counter[str] = Counter()
        self._headwords: list[int] = []  # per entry: how many content words its key has
        self._headword_postings: dict[str, list[tuple[int, int]]] = defaultdict(list)  # term -> [(entry, key word)]
        self._library_terms: set[str] = set()  # terms of the entries themselves, not of reviewers' phrasings
        self._idf: dict[str, float] = {}
        self._unseen_idf = 0.0
        # Confirmed and rejected phrasings, for near-duplicate questions: term -> [(phrasing, weight)]
        self._phrasings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._phrasing_info: list[tuple[int, float]] = []

    @classmethod
    def build(cls, entries: Iterable[IndexedEntry], feedback: Iterable[Feedback] = ()) -> "MatchIndex":
        index = cls()
        index._entries = list(entries)
        index._position = {e.entry_id: i for i, e in enumerate(index._entries)}
        for entry in index._entries:
            texts = (entry.question, " . ".join(entry.aliases), _key_text(entry.key), entry.answer, entry.category)
            index._fields.append([terms(text) for text in texts])
            heads = _headwords(entry.key)
            index._headwords.append(len(heads))
            for number, head in enumerate(heads):
                for term in head:
                    index._headword_postings[term].append((len(index._headwords) - 1, number))
        index._learned = [Counter() for _ in index._entries]
        feedback = list(feedback)
        for item in feedback:
            position = index._position.get(item.entry_id)
            if item.positive and position is not None:
                index._learned[position].update(terms(item.question_text))
        count = len(index._entries)
        index._avg_len = [
            max(1.0, sum(sum(f[i].values()) for f in index._fields) / max(1, count)) for i in range(len(_FIELDS))
        ]
        for fields, learned in zip(index._fields, index._learned, strict=True):
            index._df.update(set().union(*fields, learned))
            index._library_terms.update(*fields)
        index._idf = {t: index._idf_for(n) for t, n in index._df.items()}
        index._unseen_idf = _UNSEEN_WEIGHT * index._idf_for(1)
        for position in range(count):
            index._post(position)
        for item in feedback:
            index._remember(item)
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def _idf_for(self, df: int) -> float:
        count = len(self._entries)
        return math.log(1 + (count - df + 0.5) / (df + 0.5))

    def _post(self, position: int) -> None:
        """(Re)write the postings of one entry from its fields and learned phrasings."""
        pseudo: Counter[str] = Counter()
        for (_, weight), counts, avg in zip(_FIELDS, self._fields[position], self._avg_len, strict=True):
            norm = 1 - _B + _B * sum(counts.values()) / avg
            for term, tf in counts.items():
                pseudo[term] += weight * tf / norm
        learned = self._learned[position]
        if learned:
            norm = 1 - _B + _B * sum(learned.values()) / (_LEARNED_LENGTH * self._avg_len[0])
            for term, tf in learned.items():
                pseudo[term] += _LEARNED_FIELD * tf / norm
        for term, tf in pseudo.items():
            self._postings[term][position] = self._idf[term] * tf * (_K1 + 1) / (_K1 + tf)

    def add_feedback(self, item: Feedback) -> None:
        """Remember a reviewer's verdict; it counts in every later `suggest`."""
        position = self._position.get(item.entry_id)
        if position is None:
            return
        if item.positive:
            new = terms(item.question_text)
            known = set().union(*self._fields[position], self._learned[position])
            for term in set(new) - known:
                self._df[term] += 1
                self._idf[term] = self._idf_for(self._df[term])
            self._learned[position].update(new)
            self._post(position)
        self._remember(item)

    def _remember(self, item: Feedback) -> None:
        position = self._position.get(item.entry_id)
        vector = self._vector(terms(item.question_text))
        if position is None or not vector:
            return
        number = len(self._phrasing_info)
        self._phrasing_info.append((position, 1.0 if item.positive else -1.0))
        for term, value in vector.items():
            self._phrasings[term].append((number, value))

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        weighted = {t: (1 + math.log(c)) * self._idf.get(t, self._unseen_idf) for t, c in counts.items() if c > 0}
        norm = math.sqrt(sum(w * w for w in weighted.values()))
        return {t: w / norm for t, w in weighted.items()} if norm else {}

    def _scores(self, asked: Counter[str], section: str) -> tuple[dict[int, float], tuple[int, float] | None]:
        """Each entry's score for the question's terms `asked` (and the section heading), read as a share of the
        most the question could score; and the entry of the confirmed phrasing nearest the question, with its cosine
        (None without one)."""
        query = Counter(asked)
        if not query:
            return {}, None
        section_terms = terms(section)
        # The heading matters more to a terse question ("How often?") than to a self-contained one.
        section_weight = min(_SECTION_MAX, max(_SECTION_WEIGHT, _SECTION_TERSE / len(query)))
        for term, weight in section_terms.items():
            query[term] += section_weight * weight
        ceiling = 0.0
        for term, weight in query.items():
            idf = self._idf.get(term)
            if idf is None or term not in self._library_terms:
                # A word the library never uses hints at a topic it does not cover (HIPAA, PCI, ...);
                # one in the section heading speaks for the whole section. A word only reviewers' confirmed
                # phrasings use still leads to their entries, but does not make the topic covered.
                if "_" not in term:
                    ceiling += max(weight, _SECTION_UNSEEN * section_terms.get(term, 0.0)) * self._unseen_idf
            else:
                ceiling += weight * idf * (_K1 + 1)
        scale = 1 / ceiling if ceiling else 1.0
        scores: dict[int, float] = defaultdict(float)
        for term, weight in query.items():
            postings = self._postings.get(term)
            if not postings:
                continue
            factor = weight * scale
            for position, contribution in postings.items():
                scores[position] += factor * contribution
        nearest = self._apply_units(scores, asked) if self._phrasing_info else None
        return scores, nearest

    def _ranking(self, scores: dict[int, float], asked: Counter[str]) -> dict[int, float]:
        """Scores to rank by: an entry whose key words all appear in the question gains _HEADWORD_BONUS."""
        if not _HEADWORD_BONUS:
            return scores
        matched: dict[int, set[int]] = defaultdict(set)
        for term in asked:
            for position, number in self._headword_postings.get(term, ()):
                matched[position].add(number)
        ranking = dict(scores)
        for position, numbers in matched.items():
            if position in ranking and len(numbers) == self._headwords[position]:
                ranking[position] *= 1 + _HEADWORD_BONUS
        return ranking

    def _apply_units(self, scores: dict[int, float], query: Counter[str]) -> tuple[int, float] | None:
        """Add near-duplicates of confirmed phrasings to their entries' scores and pull rejected ones down; return
        the entry of the nearest confirmed phrasing and its cosine, unless a rejection of it is at least as close."""
        similarity: dict[int, float] = defaultdict(float)
        for term, weight in self._vector(query).items():
            for number, unit_weight in self._phrasings.get(term, ()):
                similarity[number] += weight * unit_weight
        best_positive: dict[int, float] = {}
        best_negative: dict[int, float] = {}
        for number, value in similarity.items():
            position, weight = self._phrasing_info[number]
            if weight < 0:
                best_negative[position] = max(best_negative.get(position, 0.0), value)
            else:
                best_positive[position] = max(best_positive.get(position, 0.0), weight * value)
        for position, value in best_positive.items():
            scores[position] = scores.get(position, 0.0) + _UNIT_WEIGHT * value**_UNIT_POWER
        for position, value in best_negative.items():
            if position in scores:
                scores[position] *= max(0.0, 1 - _REJECTED_WEIGHT * value**2)
        if not best_positive:
            return None
        position = max(best_positive, key=lambda p: (best_positive[p], -p))
        if best_negative.get(position, 0.0) >= best_positive[position]:
            return None
        return position, best_positive[position]

    def suggest(self, question: str, *, section: str = "", k: int = 3) -> list[Suggestion]:
        """The `k` best entries for a question, best first, each with a confidence in [0, 1]."""
        asked = terms(question)
        scores, nearest = self._scores(asked, section)
        if not scores or k <= 0:
            return []
        ranking = self._ranking(scores, asked)
        # The n-th best value first (a plain float heap), then only the entries at or above it sorted, ties by
        # position: the same order as sorting everything, without a key function over the whole library.
        wanted = max(k, 2)
        floor = heapq.nlargest(wanted, ranking.values())[-1]
        top = sorted(
            ((position, value) for position, value in ranking.items() if value >= floor),
            key=lambda item: (-item[1], item[0]),
        )[:wanted]
        # Confidence reads the scores before the headword bonus, so the bonus reorders but does not inflate it.
        top = [(position, scores[position]) for position, _ in top]
        suggestions = []
        ceiling = 1.0
        for rank, (position, score) in enumerate(top[:k]):
            rival = top[1][1] if rank == 0 and len(top) > 1 else (top[0][1] if rank else 0.0)
            confidence = _sigmoid(_SLOPE * (score - _CENTRE) + _LEAD * (score - rival))
            if rank == 0 and nearest is not None and nearest[0] == position:
                learned = _sigmoid(_AGREE_SLOPE * (nearest[1] - _AGREE_CENTRE))
                confidence = 1 - (1 - confidence) * (1 - learned)
            confidence = ceiling = min(ceiling, confidence)
            entry = self._entries[position]
            suggestions.append(Suggestion(entry.entry_id, entry.key, round(confidence, 4)))
        return suggestions

    def best(self, question: str, *, section: str = "") -> Suggestion | None:
        """The best entry, or None when its confidence is below `ABSTAIN_THRESHOLD` (no approved answer)."""
        found = self.suggest(question, section=section, k=1)
        return found[0] if found and found[0].confidence >= ABSTAIN_THRESHOLD else None
