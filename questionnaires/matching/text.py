"""Turning questionnaire text into weighted match terms: normalisation, Snowball stemming and concept terms.

Library entries and incoming questions both go through `terms()`, so whatever a synonym maps to is found on
both sides.
"""

import html
import re
from collections import Counter
from functools import lru_cache
from itertools import pairwise

import snowballstemmer

from questionnaires.matching.vocabulary import KEEP_WHOLE, STEMS_LIKE, STOPWORDS, concept_phrases

_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"[a-z0-9]+(?:[&+][a-z0-9]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "-": " ", "/": " ", "_": " "})

CONCEPT_WEIGHT = 1.25
BIGRAM_WEIGHT = 0.5


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter2) English stem of a lower-case word, so word families share one form
    (encrypted/encryption -> encrypt); the vocabulary's exceptions first (KEEP_WHOLE, STEMS_LIKE)."""
    if word in STEMS_LIKE:
        return stem(STEMS_LIKE[word])
    if word in KEEP_WHOLE:
        return word
    # A stemmer object keeps its state while it works, so each call has its own (a cache hit skips this).
    stemmed = snowballstemmer.stemmer("english").stemWord(word)
    # Porter2 leaves -ify verbs at "-ifi" but cuts their -ification nouns to "-if" (notify/notification).
    return stemmed[:-1] if stemmed.endswith("ifi") else stemmed


def words(text: str) -> list[str]:
    """Lower-case word tokens with markup, links and punctuation removed (hyphens and slashes split words)."""
    text = _URL.sub(" ", html.unescape(_TAG.sub(" ", text or ""))).lower().translate(_APOSTROPHES)
    return _WORD.findall(text.replace("'s ", " "))


def _build_concepts() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First stem -> [(phrase stems, concept term)], longest phrase first."""
    table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for concept, phrases in concept_phrases().items():
        for phrase in phrases:
            stems = tuple(stem(w) for w in words(phrase))
            table.setdefault(stems[0], []).append((stems, "~" + concept))
    for options in table.values():
        options.sort(key=lambda option: -len(option[0]))
    return table


_CONCEPT_TABLE = _build_concepts()


def terms(text: str) -> Counter[str]:
    """Weighted terms of a text: stems, concept terms ("~mfa") for known phrases, and adjacent-stem bigrams."""
    raw = words(text)
    stems = [stem(w) for w in raw]
    out: Counter[str] = Counter()
    i = 0
    while i < len(stems):
        step = 1
        for phrase, concept in _CONCEPT_TABLE.get(stems[i], ()):
            if tuple(stems[i : i + len(phrase)]) == phrase:
                out[concept] += CONCEPT_WEIGHT
                step = len(phrase)
                break
        i += step
    content = [s for w, s in zip(raw, stems, strict=True) if w not in STOPWORDS and len(s) > 1]
    for s in content:
        out[s] += 1.0
    for a, b in pairwise(content):
        out[a + "_" + b] += BIGRAM_WEIGHT
    return out
