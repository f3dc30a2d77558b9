"""Second stage: re-rank the first stage's best candidates by which part of each entry explains the question.

BM25F sums evidence from every field, so a long answer that happens to mention many of the question's words can
beat the entry whose own question names the topic. The re-ranker looks at each candidate's *head* (its question,
aliases and key: what the entry is about) apart from its *body* (the answer: what it happens to mention) and asks:
- how much of the question's distinctive weight (idf) the head covers, and how much only the body does;
- how much of the head's distinctive weight the question (or its section heading) names, so an entry about
  something the question never mentions is held back;
- whether the section heading names the entry's topic.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from questionnaires.matching.text import terms

# How many first-stage candidates are re-ranked.
DEPTH = 20


@dataclass(frozen=True)
class Profile:
    """The terms of one entry, split by role."""

    head: frozenset[str]  # question, aliases, key
    body: frozenset[str]  # answer
    category: frozenset[str]
    sentences: tuple[frozenset[str], ...] = ()


_SENTENCE = re.compile(r"(?<=[.;!?])\s+")


def profile(fields: list[Counter[str]], answer_text: str = "") -> Profile:
    question, aliases, key, answer, category = fields
    sentences = tuple(frozenset(terms(s)) for s in _SENTENCE.split(answer_text) if s.strip())
    return Profile(
        frozenset(question) | frozenset(aliases) | frozenset(key), frozenset(answer), frozenset(category), sentences
    )


def head_idf(profiles: list[Profile]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for p in profiles:
        df.update(p.head)
    n = len(profiles)
    return {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}


FEATURES = (
    "score",
    "relative",
    "head",
    "body",
    "bigram",
    "recall",
    "section",
    "concept",
    "missing",
    "learned",
    "hhead",
    "sentence",
    "hcos",
)


def features(
    query: Counter[str],
    section: Counter[str],
    entry: Profile,
    learned: Counter[str],
    idf: dict[str, float],
    unseen: float,
    score: float,
    top: float,
    hidf: dict[str, float] | None = None,
) -> dict[str, float]:
    """Named features of one candidate; see the module docstring."""
    total = head = body = learn = 0.0
    bigrams = bigram_head = 0.0
    concepts = concept_head = 0.0
    for term, weight in query.items():
        value = weight * idf.get(term, unseen)
        if "_" in term[1:]:
            bigrams += value
            if term in entry.head:
                bigram_head += value
            continue
        total += value
        if term in entry.head:
            head += value
        elif term in entry.body:
            body += value
        if term in learned:
            learn += value
        if term[0] == "~":
            concepts += value
            if term in entry.head:
                concept_head += value
    named = head_total = missing = 0.0
    for term in entry.head:
        if "_" in term[1:]:
            continue
        value = idf.get(term, unseen)
        head_total += value
        if term in query or term in section:
            named += value
        elif term[0] == "~" and term not in entry.body:
            missing += value
    section_total = section_hit = 0.0
    for term in section:
        if "_" in term[1:]:
            continue
        value = idf.get(term, unseen)
        section_total += value
        if term in entry.head or term in entry.category:
            section_hit += value
    hidf = hidf or {}
    htotal = hhit = 0.0
    best_sentence = 0.0
    for term, weight in query.items():
        if "_" in term[1:]:
            continue
        value = weight * hidf.get(term, 0.0)
        htotal += value
        if term in entry.head:
            hhit += value
    for sentence in entry.sentences:
        hit = sum(
            weight * idf.get(term, unseen) for term, weight in query.items() if term in sentence and "_" not in term[1:]
        )
        best_sentence = max(best_sentence, hit)
    qn = math.sqrt(sum((w * hidf.get(t, 0.0)) ** 2 for t, w in query.items() if "_" not in t[1:]))
    hn = math.sqrt(sum(hidf.get(t, 0.0) ** 2 for t in entry.head if "_" not in t[1:]))
    dot = sum(w * hidf.get(t, 0.0) ** 2 for t, w in query.items() if t in entry.head and "_" not in t[1:])
    return {
        "hhead": hhit / htotal if htotal else 0.0,
        "sentence": best_sentence / total if total else 0.0,
        "hcos": dot / (qn * hn) if qn and hn else 0.0,
        "score": score,
        "relative": score / top if top else 0.0,
        "head": head / total if total else 0.0,
        "body": body / total if total else 0.0,
        "bigram": bigram_head / bigrams if bigrams else 0.0,
        "recall": named / head_total if head_total else 0.0,
        "section": section_hit / section_total if section_total else 0.0,
        "concept": concept_head / concepts if concepts else 0.0,
        "missing": missing / head_total if head_total else 0.0,
        "learned": learn / total if total else 0.0,
    }
