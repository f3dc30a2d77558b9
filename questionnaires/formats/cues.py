"""What a cell's text says about it: a question, an ID, a column title, a template placeholder.

Shared by every reader that finds questions by content (spreadsheets, CSV, CAIQ v3 marks, Word tables).
"""

import re

HEADER_SCAN_ROWS = 30
SAMPLE_ROWS = 600
LABEL_MAX_CHARS = 60
HEADING_MAX_CHARS = 100
MIN_QUESTION_CHARS = 12
MAX_QUESTION_CHARS = 2_000
QUESTION_WORDS = re.compile(r"question|requirement|control|query|criteri|description|item text", re.IGNORECASE)
ANSWER_WORDS = re.compile(
    r"answer|response|reply|yes\s*/\s*no|compliance|compliant|status|implemented|your (response|answer)", re.IGNORECASE
)
COMMENT_WORDS = re.compile(
    r"comment|note|remark|explanation|additional|detail|evidence|justification|clarification", re.IGNORECASE
)
ID_WORDS = re.compile(r"^(id|#|no\.?|nr\.?|num(ber)?|ref(erence)?|s/?n|q\s*#|q\.?\s*no\.?|item)$|\bid$", re.IGNORECASE)
# Columns that explain, score or illustrate a question; never the question, the answer or the comment.
NOT_FOR_ANSWERS = re.compile(
    r"guidance|instruction|example|scor(e|ing)|weight|points|hint|help text|rationale|qualifier|analyst|assessor|"
    r"reviewer|auditor|expected|purpose|why we ask|mapping|framework|standard ref|tip\b",
    re.IGNORECASE,
)
HEADER_WORDS = (QUESTION_WORDS, ANSWER_WORDS, COMMENT_WORDS, ID_WORDS, NOT_FOR_ANSWERS)
INTERROGATIVE = re.compile(
    r"^(do|does|did|is|are|was|were|has|have|had|can|could|will|would|shall|should|may|must|how|what|which|who|"
    r"whom|whose|where|when|why|please|describe|provide|list|explain|indicate|state|identify|specify|confirm|"
    r"detail|outline|summari[sz]e|attach|upload|name|define|enumerate|select|briefly|clarify|share)\b",
    re.IGNORECASE,
)
ID_PATTERN = re.compile(
    r"^(?:[A-Z][A-Za-z&]{0,7}[-_ .]?\d{1,4}(?:[.-]\d{1,4}){0,3}[a-z]?"  # ABC-01, AIS-01.1, A.1, Q12, IAM-02.1a
    r"|@?[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+"  # office_facilities_excl, @vendor_name
    r"|\d{1,4}(?:\.\d{1,4}){0,4}\.?[a-z]?"  # 1, 1.2, 1.2.3
    r"|[A-Z]{1,3}\d{0,3}(?:\.\d{1,4}){1,4})$"  # A1.2
)
# Template placeholder conventions (not any template's wording): format hints, the fictional 555 phone
# prefix, example domains and pointers to instructions mean "nothing entered yet".
PLACEHOLDER = re.compile(
    r"^(mm|dd|yyyy)[/.-](dd|mm|yyyy)[/.-](yyyy|dd|mm)$|^\(?555\)?[ -]?555-?\d{4}$|\bvendor\.domain\b|"
    r"\bexample\.(com|org)\b|^see (the )?instructions\b|^brief description of\b",
    re.IGNORECASE,
)
MARK_LABELS = (("yes", "y"), ("no", "n"), ("not applicable", "n/a", "na", "not-applicable", "n.a."))


def question_likeness(text: str) -> float:
    """1 for a cell that is plainly a question, 0.8 for an interrogative or imperative opening, else 0."""
    text = text.strip()
    if not MIN_QUESTION_CHARS <= len(text) <= MAX_QUESTION_CHARS:
        return 0.0
    if text.endswith("?") or text.rstrip(" *:").endswith("?"):
        return 1.0
    if INTERROGATIVE.match(text) and len(text.split()) >= 3:
        return 0.8
    return 0.0


def is_id(value: str) -> bool:
    """A cell that can be a question's ID in a column of IDs: an ID pattern, or one short word without spaces
    (`feedback` beside `office_facilities_excl`)."""
    return bool(ID_PATTERN.match(value)) or (0 < len(value) <= 40 and not any(char.isspace() for char in value))


def is_placeholder(value: str, question: str) -> bool:
    """True when an answer cell only holds template filler: blank, a format hint, or the question's own label."""
    if not value.strip():
        return True
    squashed = re.sub(r"[^a-z0-9]", "", value.lower())
    label = re.sub(r"[^a-z0-9]", "", question.lower())
    return bool(PLACEHOLDER.search(value.strip())) or (len(label) >= 4 and squashed.startswith(label))


def squashed(text: str) -> str:
    return " ".join(text.lower().split())


def header_says(headers: list[str], col: int, words: re.Pattern) -> bool:
    return 0 < col <= len(headers) and bool(words.search(headers[col - 1]))


def label_like(cell: str) -> bool:
    """Short text that can title a column: no question, number or sentence ("A brief description:")."""
    if not cell or len(cell) > LABEL_MAX_CHARS or cell.endswith("?") or is_number(cell):
        return False
    return not (cell.endswith((".", ":")) and len(cell.split()) >= 3)


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def by_header(headers: list[str], words: re.Pattern, *, avoid=(), exclude=frozenset()) -> int:
    for col, header in enumerate(headers, 1):
        if col in exclude or not header or not words.search(header):
            continue
        if any(pattern.search(header) for pattern in avoid):
            continue
        return col
    return 0
