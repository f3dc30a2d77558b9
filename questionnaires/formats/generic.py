"""Any other spreadsheet or CSV: find the header row and the question, answer, ID and comment columns.

Detection is a guess the user confirms or corrects (a `ColumnMapping`); `layout_signature` lets a confirmed
mapping be reused for later files with the same sheets and header row.

- Header row: among the first rows, the one with at least two short label-like cells where most of them
  name a column (question, answer, comment, ID words); the earliest wins a tie.
- Question column: a header such as Question / Requirement / Control / Description, else the column with
  the longest text below the header.
- Answer column: a header such as Answer / Response / Vendor response / Compliance, else the first empty
  column right of the question, else the first column past the data (so nothing is overwritten).
- ID column: a header such as ID / # / Ref / No., else a column left of the question with short unique values.
- Comment column: a header such as Comments / Notes / Additional information / Explanation.
A row with text but no ID (when IDs exist), or with text only left of the question column, is a section heading.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl.utils.cell import get_column_letter

from fileformats.csvtext import csv_decode, csv_rows

from .parsed import AnswerSlot, ColumnMapping, ParsedQuestion, ParsedQuestionnaire, QuestionnaireFileError
from .xlsx import XlsxBook, cell_ref, cell_text, column_index

HEADER_SCAN_ROWS = 30
SAMPLE_ROWS = 500
MAX_SHEETS_SCANNED = 10
MAX_CSV_ROWS = 100_000
LABEL_MAX_CHARS = 60
HEADING_MAX_CHARS = 100
MIN_QUESTION_CHARS = 15
QUESTION_WORDS = re.compile(r"question|requirement|control|query|criteri|description|item text", re.IGNORECASE)
ANSWER_WORDS = re.compile(
    r"answer|response|reply|yes\s*/\s*no|compliance|compliant|status|implemented|your (response|answer)", re.IGNORECASE
)
COMMENT_WORDS = re.compile(
    r"comment|note|remark|explanation|additional|detail|evidence|justification|clarification", re.IGNORECASE
)
ID_WORDS = re.compile(r"^(id|#|no\.?|nr\.?|num(ber)?|ref(erence)?|s/?n|q\s*#|q\.?\s*no\.?|item)$|\bid$", re.IGNORECASE)
HEADER_WORDS = (QUESTION_WORDS, ANSWER_WORDS, COMMENT_WORDS, ID_WORDS)


@dataclass
class Grid:
    sheet: str
    rows: list[list[str]]
    choices: Callable[[int, int], list[str]]

    def text(self, row: int, col: int) -> str:
        """The text at 1-based (row, col), "" outside the grid."""
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        return cells[col - 1] if 0 < col <= len(cells) else ""


def xlsx_grids(book: XlsxBook) -> list[Grid]:
    """The visible sheets (at most MAX_SHEETS_SCANNED) as text grids with their dropdown lookups."""
    grids = []
    for name in [name for name in book.sheet_names if name not in book.hidden][:MAX_SHEETS_SCANNED]:
        rows = [[cell_text(value) for value in row] for row in book.rows(name)]
        grids.append(Grid(name, rows, lambda row, col, name=name: book.choices(name, row, col)))
    return grids


def csv_grid(data: bytes, *, max_cells: int) -> Grid:
    """The CSV's cells as text; refuses non-UTF-8, malformed or oversized files."""
    rows = csv_rows(csv_decode(data), max_rows=MAX_CSV_ROWS, max_cells=max_cells)
    return Grid("", [[cell.strip() for cell in row] for row in rows], lambda row, col: [])


def detect(grids: list[Grid]) -> ColumnMapping | None:
    """The most plausible mapping over all grids, or None when no sheet has a question column."""
    best: tuple[int, ColumnMapping] | None = None
    for grid in grids:
        mapping = detect_grid(grid)
        if mapping:
            rows = _data_rows(grid, mapping.header_row)
            score = sum(1 for row in rows if len(_at(row, mapping.question_column)) >= MIN_QUESTION_CHARS)
            if score and (best is None or score > best[0]):
                best = (score, mapping)
    return best[1] if best else None


def detect_grid(grid: Grid) -> ColumnMapping | None:
    """A guessed mapping for one grid, or None when it has no header row."""
    header_row = _header_row(grid)
    if not header_row:
        return None
    headers = grid.rows[header_row - 1]
    data = _data_rows(grid, header_row)
    width = max([len(headers), *(len(row) for row in data)])
    question = _by_header(headers, QUESTION_WORDS, avoid=(ANSWER_WORDS, COMMENT_WORDS, ID_WORDS))
    if not question:
        lengths = {col: sum(len(_at_index(row, col)) for row in data) for col in range(1, width + 1)}
        for col in list(lengths):
            if ANSWER_WORDS.search(_at_index(headers, col)) or COMMENT_WORDS.search(_at_index(headers, col)):
                lengths.pop(col)
        question = max(lengths, key=lengths.get) if lengths and max(lengths.values()) else 0
    if not question:
        return None
    answer = _by_header(headers, ANSWER_WORDS, avoid=(COMMENT_WORDS, ID_WORDS), exclude={question})
    if not answer:
        empty = [col for col in range(question + 1, width + 1) if not any(_at_index(row, col) for row in data)]
        answer = empty[0] if empty else width + 1
    id_col = _by_header(headers, ID_WORDS, exclude={question, answer}) or _id_like(data, question)
    comment = _by_header(headers, COMMENT_WORDS, exclude={question, answer, id_col})
    return ColumnMapping(
        sheet=grid.sheet,
        header_row=header_row,
        id_column=get_column_letter(id_col) if id_col else None,
        question_column=get_column_letter(question),
        answer_column=get_column_letter(answer),
        comment_column=get_column_letter(comment) if comment else None,
    )


def parse(grids: list[Grid], mapping: ColumnMapping, *, format_name: str, label: str) -> ParsedQuestionnaire:
    """The questions below the mapping's header row; raises QuestionnaireFileError when the mapping is unusable."""
    grid = next((grid for grid in grids if grid.sheet == mapping.sheet), None)
    if grid is None:
        raise QuestionnaireFileError(f"The sheet {mapping.sheet!r} is not in this file.")
    if mapping.header_row < 0:
        raise QuestionnaireFileError("The header row must be a row number.")
    question_col = column_index(mapping.question_column)
    answer_col = column_index(mapping.answer_column)
    id_col = column_index(mapping.id_column) if mapping.id_column else 0
    comment_col = column_index(mapping.comment_column) if mapping.comment_column else 0
    questions: list[ParsedQuestion] = []
    seen: dict[str, int] = {}
    section = ""
    for row in range(mapping.header_row + 1, len(grid.rows) + 1):
        cells = grid.rows[row - 1]
        text = " ".join(grid.text(row, question_col).split())
        identifier = grid.text(row, id_col) if id_col else ""
        filled = [col for col, value in enumerate(cells, 1) if value]
        if not text:
            left = [col for col in filled if col < question_col]
            if len(filled) == 1 and left and len(cells[left[0] - 1]) <= HEADING_MAX_CHARS:
                section = " ".join(cells[left[0] - 1].split())
            continue
        if id_col and not identifier and filled == [question_col] and len(text) <= HEADING_MAX_CHARS:
            section = text
            continue
        ref = identifier or f"R{row}"
        seen[ref] = seen.get(ref, 0) + 1
        if seen[ref] > 1:
            ref = f"{ref}#{seen[ref]}"
        slots = [_slot(grid, "answer", row, answer_col)]
        if comment_col:
            slots.append(_slot(grid, "comment", row, comment_col))
        questions.append(ParsedQuestion(ref, text, section, len(questions), slots, existing_answer=slots[0].existing))
    return ParsedQuestionnaire(format=format_name, format_label=label, questions=questions, mapping=mapping)


def signature(grids: list[Grid], mapping: ColumnMapping | None) -> str:
    """A stable hash of the sheet names and the header row's texts (first non-empty row when none is found)."""
    parts = ["\x1f".join(grid.sheet for grid in grids)]
    grid = next((grid for grid in grids if mapping and grid.sheet == mapping.sheet), grids[0] if grids else None)
    if grid is not None:
        row = mapping.header_row if mapping else next((n for n, r in enumerate(grid.rows, 1) if any(r)), 0)
        parts.append("\x1f".join(" ".join(cell.lower().split()) for cell in grid.rows[row - 1]) if row else "")
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def _slot(grid: Grid, role: str, row: int, col: int) -> AnswerSlot:
    choices = grid.choices(row, col)
    return AnswerSlot(
        role=role,
        sheet=grid.sheet,
        cell=cell_ref(row, col),
        kind="choice" if choices else "text",
        choices=choices,
        existing=grid.text(row, col),
    )


def _header_row(grid: Grid) -> int:
    """The first row with the most column-naming labels (at least two label-like cells); 0 when none."""
    best, best_score = 0, -1
    for number, row in enumerate(grid.rows[:HEADER_SCAN_ROWS], 1):
        labels = [cell for cell in row if _label_like(cell)]
        if len(labels) < 2:
            continue
        score = sum(1 for cell in labels if any(words.search(cell) for words in HEADER_WORDS))
        if score > best_score:
            best, best_score = number, score
    return best


def _label_like(cell: str) -> bool:
    return bool(cell) and len(cell) <= LABEL_MAX_CHARS and not cell.endswith("?") and not _is_number(cell)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _by_header(headers: list[str], words: re.Pattern, *, avoid=(), exclude=frozenset()) -> int:
    for col, header in enumerate(headers, 1):
        if col in exclude or not header or not words.search(header):
            continue
        if any(pattern.search(header) for pattern in avoid):
            continue
        return col
    return 0


def _id_like(data: list[list[str]], question: int) -> int:
    for col in range(1, question):
        values = [_at_index(row, col) for row in data if _at_index(row, question)]
        present = [value for value in values if value]
        short = all(len(value) <= 20 for value in present)
        if values and len(present) >= 0.6 * len(values) and short and len(set(present)) == len(present):
            return col
    return 0


def _data_rows(grid: Grid, header_row: int) -> list[list[str]]:
    return grid.rows[header_row : header_row + SAMPLE_ROWS]


def _at(row: list[str], letter: str) -> str:
    return _at_index(row, column_index(letter))


def _at_index(row: list[str], col: int) -> str:
    return row[col - 1] if 0 < col <= len(row) else ""
