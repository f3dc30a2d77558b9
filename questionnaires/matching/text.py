"""Turning questionnaire text into weighted match terms: normalisation, a light stemmer and concept terms.

Library entries and incoming questions both go through `terms()`, so whatever a synonym maps to is found on
both sides.
"""

import html
import re
from collections import Counter
from functools import lru_cache
from itertools import pairwise

from questionnaires.matching.vocabulary import PROTECTED_STEMS, STOPWORDS, concept_phrases

_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"[a-z0-9]+(?:[&+][a-z0-9]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "-": " ", "/": " ", "_": " "})

_SUFFIXES = tuple(
    sorted(
        (
            *("izations", "ization", "isations", "isation", "ational", "ations", "ation", "itions", "ition"),
            *("ements", "ement", "ments", "ment", "ities", "ity", "ically", "ical", "ances", "ance", "ences", "ence"),
            *("ions", "ion", "ness", "ively", "ive", "ful", "ibility", "ability", "able", "ible", "ly", "ic", "ies"),
            *("es", "ings", "ing", "ed", "s", "e", "y", "ated", "ates", "ating", "ate", "ifications", "ification"),
            *("ifies", "ified", "ify", "abil", "ibil"),
        ),
        key=len,
        reverse=True,
    )
)
CONCEPT_WEIGHT = 1.25
BIGRAM_WEIGHT = 0.5


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Cut common English suffixes so that word families share one form (encrypted/encryption → encrypt)."""
    if word in PROTECTED_STEMS:
        return PROTECTED_STEMS[word]
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ally") and not word.endswith("ically"):
        word = word[:-2]
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                if suffix == "s" and word.endswith(("ss", "us", "is")):
                    continue
                word = word[: -len(suffix)]
                if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                    word = word[:-1]
                break
        else:
            break
    return word


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
