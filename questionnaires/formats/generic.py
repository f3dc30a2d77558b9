"""Any other spreadsheet or CSV: find the question tabs, and on each its header row and its question, answer, ID
and comment columns (see `detection`), and read the rows through those mappings or ones a person confirmed.

Rows: with a pattern ID column, a question row is one with an ID (or a question-like text); without one, any row
with text in the question column. A short text alone on its row is a section heading; a repeat of the header row
(stacked tables) and hidden rows are skipped and counted.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from fileformats.csvtext import csv_decode, csv_rows

from .cues import (
    HEADER_WORDS,
    HEADING_MAX_CHARS,
    ID_PATTERN,
    MARK_LABELS,
    SAMPLE_ROWS,
    is_id,
    is_placeholder,
    question_likeness,
    squashed,
)
from .parsed import AnswerSlot, ColumnMapping, ParsedQuestion, ParsedQuestionnaire, QuestionnaireFileError, SheetSummary
from .xlsx import XlsxBook, cell_ref, cell_text, column_index

MAX_SHEETS_SCANNED = 60
MAX_CSV_ROWS = 100_000


@dataclass
class Grid:
    sheet: str
    rows: list[list[str]]
    choices: Callable[[int, int], list[str]]
    hidden: bool = False
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    formula: Callable[[int, int], bool] = lambda row, col: False

    def text(self, row: int, col: int) -> str:
        """The text at 1-based (row, col), "" outside the grid."""
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        return cells[col - 1] if 0 < col <= len(cells) else ""

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)


def xlsx_grids(book: XlsxBook) -> list[Grid]:
    """Every tab (at most MAX_SHEETS_SCANNED) as a text grid, with its dropdowns and what is hidden."""
    grids = []
    for name in book.sheet_names[:MAX_SHEETS_SCANNED]:
        hidden = name in book.hidden
        rows = [] if hidden else [[cell_text(value) for value in row] for row in book.rows(name)]
        extras = book.extras(name) if rows else None
        grids.append(
            Grid(
                name,
                rows,
                lambda row, col, name=name: book.choices(name, row, col),
                hidden=hidden,
                hidden_rows=extras.hidden_rows if extras else set(),
                hidden_columns=extras.hidden_columns if extras else set(),
                formula=lambda row, col, name=name: book.is_formula(name, row, col),
            )
        )
    return grids


def csv_grid(data: bytes, *, max_cells: int) -> Grid:
    """The CSV's cells as text; refuses non-UTF-8, malformed or oversized files."""
    rows = csv_rows(csv_decode(data), max_rows=MAX_CSV_ROWS, max_cells=max_cells)
    return Grid("", [[cell.strip() for cell in row] for row in rows], lambda row, col: [])


def parse(grids: list[Grid], mappings: list[ColumnMapping], *, format_name: str, label: str) -> ParsedQuestionnaire:
    """The questions of every mapped tab; raises QuestionnaireFileError when a mapping is unusable."""
    by_sheet = {grid.sheet: grid for grid in grids}
    tabs: list[tuple[str, list[ParsedQuestion]]] = []
    summaries: list[SheetSummary] = []
    for mapping in mappings:
        grid = by_sheet.get(mapping.sheet)
        if grid is None:
            raise QuestionnaireFileError(f"The sheet {mapping.sheet!r} is not in this file.")
        if mapping.header_row < 0:
            raise QuestionnaireFileError("The header row must be a row number.")
        summary = SheetSummary(sheet=mapping.sheet)
        summaries.append(summary)
        tabs.append((mapping.sheet, _tab_questions(grid, mapping, summary, tab_section=len(mappings) > 1)))
    questions = _with_unique_refs(tabs)
    return ParsedQuestionnaire(
        format=format_name,
        format_label=label,
        questions=questions,
        mapping=mappings[0] if mappings else None,
        mappings=list(mappings),
        sheets=summaries,
    )


def _tab_questions(grid: Grid, mapping: ColumnMapping, summary: SheetSummary, *, tab_section: bool):
    question_col = column_index(mapping.question_column)
    answer_col = column_index(mapping.answer_column)
    id_col = column_index(mapping.id_column) if mapping.id_column else 0
    comment_col = column_index(mapping.comment_column) if mapping.comment_column else 0
    marks = [column_index(letter) for letter in mapping.mark_columns]
    mark_labels = _mark_labels(grid, mapping.header_row, marks)
    header = " ".join(grid.text(mapping.header_row, question_col).split()).lower() if mapping.header_row else ""
    texts = [grid.text(n, question_col) for n in range(mapping.header_row + 1, len(grid.rows) + 1)]
    texts = [text for text in texts if text]
    questionish = bool(texts) and sum(1 for text in texts if question_likeness(text)) >= 0.5 * len(texts)
    strict_ids = bool(id_col) and _ids_are_patterned(grid, mapping.header_row, id_col, question_col)
    heading, questions = _header_row_heading(grid, mapping.header_row, question_col), []
    if strict_ids:  # form fields above the header row (vendor name, date) with IDs of the same shape as the rest
        shapes = {_shape(grid.text(n, id_col)) for n in range(mapping.header_row + 1, len(grid.rows) + 1)}
        for row in range(1, mapping.header_row):
            identifier, text = grid.text(row, id_col), _question_text(grid.text(row, question_col))
            typed = row not in grid.hidden_rows and not grid.formula(row, answer_col)
            if text and typed and ID_PATTERN.match(identifier) and _shape(identifier) in shapes:
                slot = _slot(grid, "answer", row, answer_col, text)
                section = grid.sheet if tab_section else ""
                questions.append(ParsedQuestion(identifier, text, section, 0, [slot], slot.existing))
                summary.questions += 1
    for row in range(mapping.header_row + 1, len(grid.rows) + 1):
        cells = grid.rows[row - 1]
        filled = [col for col, value in enumerate(cells, 1) if value]
        if not filled:
            continue
        if row in grid.hidden_rows:
            summary.skip("hidden row")
            continue
        text = _question_text(grid.text(row, question_col))
        identifier = grid.text(row, id_col) if id_col else ""
        found_heading = _heading(cells, filled, text, question_col, by_content=questionish or bool(id_col))
        if found_heading is not None:
            heading = found_heading or heading
            summary.skip("section heading" if found_heading else "no question text")
            continue
        if header and text.lower() == header:
            summary.skip("repeated header row")
            continue
        if strict_ids and not is_id(identifier):
            if question_likeness(text) < 1:
                summary.skip("no question ID")
                continue
            identifier = ""
        slots = [_mark_slot(grid, row, marks, mark_labels) if marks else _slot(grid, "answer", row, answer_col, text)]
        if comment_col:
            slots.append(_slot(grid, "comment", row, comment_col, text))
        section = f"{grid.sheet}: {heading}" if tab_section and heading else (grid.sheet if tab_section else heading)
        questions.append(ParsedQuestion(identifier or f"R{row}", text, section, 0, slots, slots[0].existing))
        summary.questions += 1
    return questions


def _header_row_heading(grid: Grid, header_row: int, question_col: int) -> str:
    """Stacked tables title their first column in the header row ("Data Security | | Vendor Answers"): that title
    is the first table's section."""
    first = next((grid.text(header_row, col) for col in range(1, question_col) if grid.text(header_row, col)), "")
    if not first or len(first) > HEADING_MAX_CHARS or any(words.search(first) for words in HEADER_WORDS):
        return ""
    return " ".join(first.split())


def _heading(cells, filled, text, question_col, *, by_content: bool) -> str | None:
    """The section a non-question row names; "" for a row that is no question but names no section; None for a
    row that may be a question. A short statement alone in the question column is a heading only when the column
    otherwise reads like questions or has IDs beside it (`by_content`): a mapped list of statements keeps them."""
    if not text:
        left = [col for col in filled if col < question_col]
        first = " ".join(cells[left[0] - 1].split()) if left else ""
        return first if first and len(first) <= HEADING_MAX_CHARS and not ID_PATTERN.match(first) else ""
    if by_content and filled == [question_col] and len(text) <= HEADING_MAX_CHARS and not question_likeness(text):
        return text
    return None


def _shape(identifier: str) -> str:
    """An ID's pattern: letters as A and digits as 9 (`COMP-01` → `AAAA-99`)."""
    return re.sub(r"\d", "9", re.sub(r"[A-Za-z]", "A", identifier))


def _ids_are_patterned(grid: Grid, header_row: int, id_col: int, question_col: int) -> bool:
    rows = list(range(header_row + 1, min(len(grid.rows), header_row + SAMPLE_ROWS) + 1))
    values = [grid.text(n, id_col) for n in rows if question_likeness(grid.text(n, question_col))]
    return bool(values) and sum(1 for value in values if ID_PATTERN.match(value)) >= 0.8 * len(values)


def _with_unique_refs(tabs: list[tuple[str, list[ParsedQuestion]]]) -> list[ParsedQuestion]:
    """All questions in order, with the file's own IDs where unique; across several tabs, row refs and IDs that
    repeat on another tab get the tab's name (`Tab!R12`); what still repeats gets `#2`, `#3`."""
    counts: dict[str, int] = {}
    first: dict[tuple[str, str], str] = {}
    kept_tabs = []
    for sheet, questions in tabs:
        kept = []
        for question in questions:
            key = (question.ref, squashed(question.text))
            if key in first and first[key] != sheet and not re.fullmatch(r"R\d+", question.ref):
                continue  # the same question mirrored onto another tab is answered where it first appears
            first.setdefault(key, sheet)
            counts[question.ref] = counts.get(question.ref, 0) + 1
            kept.append(question)
        kept_tabs.append((sheet, kept))
    ordered, seen = [], {}
    for sheet, questions in kept_tabs:
        for question in questions:
            ref = question.ref
            if len(tabs) > 1 and (counts[ref] > 1 or re.fullmatch(r"R\d+", ref)):
                ref = f"{sheet}!{ref}"
            seen[ref] = seen.get(ref, 0) + 1
            question.ref = ref if seen[ref] == 1 else f"{ref}#{seen[ref]}"
            question.order = len(ordered)
            ordered.append(question)
    return ordered


def _mark_labels(grid: Grid, header_row: int, marks: list[int]) -> list[str]:
    for number in (header_row, header_row + 1, header_row - 1):
        labels = [grid.text(number, col) for col in marks]
        if marks and all(label.lower() in names for label, names in zip(labels, MARK_LABELS, strict=True)):
            return labels
    return ["Yes", "No", "Not Applicable"][: len(marks)]


def _mark_slot(grid: Grid, row: int, marks: list[int], labels: list[str]) -> AnswerSlot:
    cells = [cell_ref(row, col) for col in marks]
    marked = [label for label, col in zip(labels, marks, strict=True) if grid.text(row, col)]
    return AnswerSlot(
        role="answer",
        sheet=grid.sheet,
        cell=cells[0],
        kind="choice",
        choices=list(labels),
        existing=marked[0] if marked else "",
        mark_cells=cells,
    )


def signature(grids: list[Grid], mappings: list[ColumnMapping]) -> str:
    """A stable hash of the tab names and the header rows of the question tabs (first non-empty row when none)."""
    parts = ["\x1f".join(grid.sheet for grid in grids)]
    by_sheet = {grid.sheet: grid for grid in grids}
    chosen = [(by_sheet[m.sheet], m.header_row) for m in mappings if m.sheet in by_sheet]
    if not chosen:
        grid = next((grid for grid in grids if grid.rows), None)
        chosen = [(grid, next((n for n, r in enumerate(grid.rows, 1) if any(r)), 0))] if grid else []
    for grid, row in chosen:
        parts.append("\x1f".join(" ".join(cell.lower().split()) for cell in grid.rows[row - 1]) if row else "")
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def _slot(grid: Grid, role: str, row: int, col: int, question: str) -> AnswerSlot:
    choices = grid.choices(row, col)
    value = grid.text(row, col)
    return AnswerSlot(
        role=role,
        sheet=grid.sheet,
        cell=cell_ref(row, col),
        kind="choice" if choices else "text",
        choices=choices,
        existing="" if grid.formula(row, col) or is_placeholder(value, question) else value,
    )


def _question_text(value: str) -> str:
    """The question as one line, without the asterisks that mark required questions."""
    return " ".join(value.split()).rstrip("*").rstrip()
