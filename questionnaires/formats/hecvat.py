"""EDUCAUSE HECVAT workbooks: 3.x (one stacked input sheet) and 4.x (one input tab per topic).

Input sheets are the visible sheets whose title block (first rows) names HECVAT, a "... Response" and a
version: `HECVAT - Full | Vendor Response ... Version 3.06`, `HECVAT Solution Provider Response ... Version
4.1.4`. Each input sheet is a stack of small tables; every table has its own header row (`Vendor Answers` in
3.x, `Answer` in 4.x, then `Additional Information`), so columns are found per table by header text and never
by row number (3.04 and 3.06 differ by one row). A question is any row whose column A holds an ID like
`COMP-01`, including the DATE/GNRL fields above the first table (answered in the column after the question).

Question text is a formula in the template, so the cached value is used. In 4.x the General Information and
some Required answers are mirrored onto every tab by formulas; only the cell a person types into is a
slot, so rows whose answer cell holds a formula are skipped and each ID is taken from its first source row.
"""

import re

from .cues import is_placeholder
from .parsed import AnswerSlot, ParsedQuestion, ParsedQuestionnaire
from .xlsx import XlsxBook, cell_ref, cell_text

QUESTION_ID = re.compile(r"^[A-Z]{4}-\d{2}$")
MENTIONS_ID = re.compile(r"\b[A-Z]{4}-\d{2}\b")
VERSION = re.compile(r"\bversion\s*(\d+(?:\.\d+)+)", re.IGNORECASE)
EDITION = re.compile(r"HECVAT\s*-\s*([A-Za-z][\w -]*?)\s*\|", re.IGNORECASE)
ANSWER_HEADERS = ("vendor answers", "vendor answer", "answer", "answers")
COMMENT_HEADERS = ("additional information",)
QUESTION_COL = 2
DEFAULT_ANSWER_COL = 3
SECTION_MAX_CHARS = 60
TITLE_MAX_CHARS = 80


def detect(book: XlsxBook) -> tuple[str, list[str]] | None:
    """(version, input sheet names) when the workbook is a HECVAT, else None; input sheets are titled "... Response"."""
    version, sheets = "", []
    for name in book.sheet_names:
        if name in book.hidden:
            continue
        for row in book.head(name, 3):
            texts = [cell_text(value) for value in row]
            title = any(len(t) <= TITLE_MAX_CHARS and "hecvat" in t.lower() and "response" in t.lower() for t in texts)
            found = VERSION.search(" ".join(texts))
            if title and found:
                version = version or found.group(1)
                sheets.append(name)
                break
    return (version, sheets) if sheets else None


def parse(book: XlsxBook, version: str, sheets: list[str]) -> ParsedQuestionnaire:
    """Every source question of the input sheets, answer slot first, then the Additional Information slot."""
    major = version.split(".")[0]
    questions: list[ParsedQuestion] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for sheet in sheets:
        for question in _sheet_questions(book, sheet, prefix_section=len(sheets) > 1):
            if question.ref in seen:
                warnings.append(f"{question.ref} appears again on {sheet!r}; the first occurrence is used.")
                continue
            seen.add(question.ref)
            question.order = len(questions)
            questions.append(question)
    if major == "3":
        edition = EDITION.search(sheets[0])
        label = f"HECVAT {edition.group(1).strip().title()} {version}" if edition else f"HECVAT {version}"
    else:
        label = f"HECVAT {version}"
    return ParsedQuestionnaire(format=f"hecvat-{major}", format_label=label, questions=questions, warnings=warnings)


def _sheet_questions(book: XlsxBook, sheet: str, *, prefix_section: bool) -> list[ParsedQuestion]:
    rows = book.rows(sheet)
    answer_col, comment_col = DEFAULT_ANSWER_COL, 0
    heading = ""
    questions = []
    for row_number, row in enumerate(rows, 1):
        texts = [cell_text(value) for value in row]
        lowered = [text.lower() for text in texts]
        header_col = next((col for col, text in enumerate(lowered, 1) if text in ANSWER_HEADERS), 0)
        if header_col and not QUESTION_ID.match(texts[0] if texts else ""):
            answer_col = header_col
            comment_col = next((col for col, text in enumerate(lowered, 1) if text in COMMENT_HEADERS), 0)
            heading = " ".join(texts[0].split()) or heading
            continue
        ref = texts[0] if texts else ""
        if not QUESTION_ID.match(ref):
            if ref and len(ref) <= SECTION_MAX_CHARS and not any(texts[1:]) and not MENTIONS_ID.search(ref):
                heading = " ".join(ref.split())
            continue
        if book.is_formula(sheet, row_number, 1) or book.is_formula(sheet, row_number, answer_col):
            continue
        text = " ".join(book.text(sheet, row_number, QUESTION_COL).split()).rstrip("*").rstrip()
        slots = [_slot(book, sheet, "answer", row_number, answer_col, text)]
        if comment_col:
            slots.append(_slot(book, sheet, "comment", row_number, comment_col, text))
        section = f"{sheet}: {heading}" if prefix_section and heading else heading
        questions.append(ParsedQuestion(ref, text, section, 0, slots, existing_answer=slots[0].existing))
    return questions


def _slot(book: XlsxBook, sheet: str, role: str, row: int, col: int, question: str) -> AnswerSlot:
    choices = book.choices(sheet, row, col)
    value = book.text(sheet, row, col)
    return AnswerSlot(
        role=role,
        sheet=sheet,
        cell=cell_ref(row, col),
        kind="choice" if choices else "text",
        choices=choices,
        existing="" if is_placeholder(value, question) else value,
    )
