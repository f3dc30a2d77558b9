"""Word-level differences between two versions' wording, for the entry history page."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "added" or "removed"
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments that turn `old` into `new`, whole words at a time (whitespace kept as written)."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    segments: list[Segment] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(before[a1:a2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(before[a1:a2])))
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(after[b1:b2])))
    return segments


def version_diff(old, new) -> dict[str, list[Segment]]:
    """Per-field word differences between two versions (question, answer, short answer, aliases)."""
    return {
        field: word_diff(getattr(old, field), getattr(new, field))
        for field in ("question", "answer", "short_answer", "aliases", "sources")
    }
