"""CSA CAIQ workbooks: v4 (an answer dropdown per question) and v3-style (an "x" under Yes, No or N/A).

CAIQ v4: one sheet named like `CAIQv4.0.3` with a header row (`Question ID`, `Question`, `CSP CAIQ Answer`,
`SSRM Control Ownership`, `CSP Implementation Description`, ... `CCM Domain Title`). Columns are found by
header text; the domain title is merged over each domain's rows, so it is read with merges filled and then
carried down. Rows whose first column is not a question ID (title, "End of Standard", copyright) are skipped.

CAIQ v3-style: the answer is an "x" in one of several adjacent columns headed Yes / No / Not Applicable.
Such a question gets ONE answer slot of kind "choice": `choices` are the column headers in column order,
`mark_cells` the cell under each header in the same order, and `cell` the first of them. A writer marks
`mark_cells[choices.index(answer)]` with "x" and clears the others; `existing` is the header of the marked
column. Any workbook with such a Yes/No/NA block is read this way, CAIQ or not.
"""

import re

from .cues import is_id, question_likeness
from .parsed import AnswerSlot, ParsedQuestion, ParsedQuestionnaire
from .xlsx import XlsxBook, cell_ref, cell_text

V4_SHEET = re.compile(r"^CAIQ\s*v?\s*(4(?:\.\d+)*)", re.IGNORECASE)
QUESTION_ID = re.compile(r"^[A-Z][A-Z&]{1,5}-\d{1,3}\.\d{1,3}$")
HEADER_SCAN_ROWS = 15
MARK_YES = ("yes",)
MARK_NO = ("no",)
MARK_NA = ("not applicable", "n/a", "na", "not-applicable")


def detect_v4(book: XlsxBook) -> str | None:
    """The name of the CAIQ v4 answer sheet, or None when the workbook is not a CAIQ v4."""
    for name in book.sheet_names:
        if V4_SHEET.match(name.strip()) and _header_row(book, name, "question id") is not None:
            return name
    return None


def parse_v4(book: XlsxBook, sheet: str) -> ParsedQuestionnaire:
    """Every question row of a CAIQ v4 sheet, with answer, SSRM ownership and description slots."""
    header_row = _header_row(book, sheet, "question id") or 2
    headers = {cell_text(value).lower(): col for col, value in enumerate(book.rows(sheet)[header_row - 1], 1)}
    id_col = _find(headers, "question id", default=1)
    question_col = _find(headers, "question", exact=True, default=2)
    answer_col = _find(headers, "caiq answer", default=3)
    ownership_col = _find(headers, "ssrm", default=4)
    description_col = _find(headers, "implementation description", default=5)
    domain_col = _find(headers, "domain title", default=12)
    grid = book.filled_rows(sheet)
    questions: list[ParsedQuestion] = []
    domain = ""
    for row in range(header_row + 1, len(grid) + 1):
        domain = _grid_text(grid, row, domain_col) or domain
        ref = book.text(sheet, row, id_col)
        if not QUESTION_ID.match(ref):
            continue
        slots = [
            _slot(book, sheet, "answer", row, answer_col),
            _slot(book, sheet, "ownership", row, ownership_col),
            _slot(book, sheet, "comment", row, description_col),
        ]
        questions.append(
            ParsedQuestion(
                ref=ref,
                text=" ".join(book.text(sheet, row, question_col).split()),
                section=domain,
                order=len(questions),
                slots=slots,
                existing_answer=slots[0].existing,
            )
        )
    version = V4_SHEET.match(sheet.strip()).group(1)
    return ParsedQuestionnaire(format="caiq-v4", format_label=f"CAIQ v{version}", questions=questions)


def detect_v3(book: XlsxBook) -> tuple[str, int, list[int]] | None:
    """(sheet, header row, [yes, no, n/a columns]) of a Yes/No/NA mark layout, or None."""
    for name in book.sheet_names[:20]:
        if name in book.hidden:
            continue
        for row_number, row in enumerate(book.rows(name)[:HEADER_SCAN_ROWS], 1):
            texts = [cell_text(value).lower() for value in row]
            marks = _mark_columns(texts)
            if marks:
                return name, row_number, marks
    return None


def parse_v3(book: XlsxBook, sheet: str, header_row: int, mark_cols: list[int]) -> ParsedQuestionnaire:
    """Every question of a Yes/No/NA mark sheet; see the module docstring for the answer slot's shape."""
    rows = book.rows(sheet)
    headers: dict[str, int] = {}
    for row in (header_row - 1, header_row):
        if row >= 1:
            for col, value in enumerate(rows[row - 1], 1):
                headers.setdefault(cell_text(value).lower(), col)
    id_col = _find(headers, "question id", default=0) or _id_column(book, sheet, header_row)
    question_col = _question_column(book, sheet, header_row, before=mark_cols[0])
    notes_col = _find(headers, "notes", default=0) or _find(headers, "comment", default=0)
    domain_col = _find(headers, "domain", default=0)
    labels = [book.text(sheet, header_row, col) for col in mark_cols]
    grid = book.filled_rows(sheet)
    questions: list[ParsedQuestion] = []
    section = ""
    for row in range(header_row + 1, len(rows) + 1):
        if domain_col:
            section = _grid_text(grid, row, domain_col) or section
        text = " ".join(book.text(sheet, row, question_col).split())
        ref = book.text(sheet, row, id_col) if id_col else f"R{row}"
        if not text or not ref or (id_col and not is_id(ref)):
            continue
        cells = [cell_ref(row, col) for col in mark_cols]
        marked = [label for label, col in zip(labels, mark_cols, strict=True) if book.text(sheet, row, col)]
        slots = [
            AnswerSlot(
                role="answer",
                sheet=sheet,
                cell=cells[0],
                kind="choice",
                choices=list(labels),
                existing=marked[0] if marked else "",
                mark_cells=cells,
            )
        ]
        if notes_col:
            slots.append(_slot(book, sheet, "comment", row, notes_col))
        questions.append(ParsedQuestion(ref, text, section, len(questions), slots, existing_answer=slots[0].existing))
    label = "CAIQ v3 (Yes/No/NA columns)"
    return ParsedQuestionnaire(format="caiq-v3", format_label=label, questions=questions)


def _mark_columns(texts: list[str]) -> list[int]:
    for index, text in enumerate(texts):
        if text in MARK_YES and index + 2 < len(texts) and texts[index + 1] in MARK_NO and texts[index + 2] in MARK_NA:
            return [index + 1, index + 2, index + 3]
    return []


def _header_row(book: XlsxBook, sheet: str, header: str) -> int | None:
    for row_number, row in enumerate(book.rows(sheet)[:HEADER_SCAN_ROWS], 1):
        if any(cell_text(value).lower() == header for value in row):
            return row_number
    return None


def _find(headers: dict[str, int], needle: str, *, default: int, exact: bool = False, exclude: str = "") -> int:
    for text, col in headers.items():
        if (text == needle if exact else needle in text) and not (exclude and exclude in text):
            return col
    return default


def _grid_text(grid: list[list], row: int, col: int) -> str:
    cells = grid[row - 1] if row <= len(grid) else []
    return " ".join(cell_text(cells[col - 1]).split()) if col <= len(cells) else ""


def _slot(book: XlsxBook, sheet: str, role: str, row: int, col: int) -> AnswerSlot:
    choices = book.choices(sheet, row, col)
    return AnswerSlot(
        role=role,
        sheet=sheet,
        cell=cell_ref(row, col),
        kind="choice" if choices else "text",
        choices=choices,
        existing=book.text(sheet, row, col),
    )


def _id_column(book: XlsxBook, sheet: str, header_row: int) -> int:
    rows = book.rows(sheet)[header_row : header_row + 50]
    width = max((len(row) for row in rows), default=0)
    for col in range(1, width + 1):
        if sum(1 for row in rows if col <= len(row) and QUESTION_ID.match(cell_text(row[col - 1]))) >= 3:
            return col
    return 0


def _question_column(book: XlsxBook, sheet: str, header_row: int, *, before: int) -> int:
    """The column left of the marks whose cells read most like questions (a control specification merged down
    beside them does not), else the one with the most text."""
    rows = book.rows(sheet)[header_row : header_row + 300]
    columns = range(1, before)
    likeness = {
        col: sum(question_likeness(cell_text(row[col - 1])) for row in rows if col <= len(row)) for col in columns
    }
    if likeness and max(likeness.values()) > 0:
        return max(likeness, key=likeness.get)
    totals = {col: sum(len(cell_text(row[col - 1])) for row in rows if col <= len(row)) for col in columns}
    return max(totals, key=totals.get) if totals else 1
