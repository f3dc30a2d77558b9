"""Any other spreadsheet or CSV: find the question tabs, and on each its header row and its question, answer, ID
and comment columns, with a confidence; or read the file through a mapping a person confirmed.

Detection reads content first and header words second, because real files are inconsistent about headers:
- Tabs: every visible tab is a candidate; tabs named like instructions, summaries, scoring, lookups or lists are
  skipped, as are hidden tabs and tabs with no column of questions. Each question tab gets its own mapping.
- Question column: the column whose cells read like questions (end in "?", open with an interrogative or an
  imperative such as "Describe"), weighted by how many distinct such cells it has; columns headed Guidance,
  Instructions, Example, Scoring, Weight … are never the question column, and a column whose cells are the same
  text merged down many rows (a control specification) scores low.
- Header row: the nearest row above the first question with at least two label-like cells; none is fine.
- ID column: the column whose cells in question rows follow an ID pattern (`ABC-01`, `AIS-01.1`, `1.2.3`,
  `A.1`, `Q12`), else a header such as ID / # / Ref with short unique values.
- Answer column: a header such as Answer / Response / Vendor answer, else a column with dropdowns on the question
  rows, else the first empty column right of the questions, else the first column past the data.
- Comment column: a header such as Comments / Notes / Additional information (never a guidance column).
- Confidence: low when few rows read like questions, when two columns look alike, or when only header words
  point at the question column. An unsure reading stops the import at the mapping page.

Rows: with a pattern ID column, a question row is one with an ID (or a question-like text); without one, any row
with text in the question column. A short text alone on its row is a section heading; a repeat of the header row
(stacked tables) and hidden rows are skipped and counted.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from openpyxl.utils.cell import get_column_letter

from fileformats.csvtext import csv_decode, csv_rows

from .parsed import (
    AnswerSlot,
    ColumnMapping,
    ParsedQuestion,
    ParsedQuestionnaire,
    QuestionnaireFileError,
    SheetSummary,
)
from .xlsx import XlsxBook, cell_ref, cell_text, column_index

HEADER_SCAN_ROWS = 30
SAMPLE_ROWS = 600
MAX_SHEETS_SCANNED = 60
MAX_CSV_ROWS = 100_000
LABEL_MAX_CHARS = 60
HEADING_MAX_CHARS = 100
MIN_QUESTION_CHARS = 12
MAX_QUESTION_CHARS = 2_000
MIN_QUESTIONS_PER_TAB = 3
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
# Tabs that never hold the questions, by the words their names use.
SKIPPED_TAB = re.compile(
    r"\b(instructions?|read\s*me|readme|summary|scor(e|es|ing)|look\s*ups?|lists?|dashboard|cover|glossary|"
    r"definitions?|change\s*log|changelog|revision|history|overview|guidance|how\s*to|results?|charts?|"
    r"analyst|drop\s*downs?|validations?|legend|contents|introduction|intro|terms|sources?|examples?|notes|"
    r"copyright|disclaimer|licen[cs]e|crosswalk|mappings?)\b",
    re.IGNORECASE,
)
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


@dataclass
class Detection:
    """The readings of every tab: mappings of the question tabs, their confidence and the doubts behind it."""

    mappings: list[ColumnMapping]
    confidence: float
    doubts: list[str]
    sheets: list[SheetSummary]


@dataclass
class _TabReading:
    mapping: ColumnMapping | None
    confidence: float
    questions: int
    doubts: list[str]
    skipped_because: str = ""
    texts: frozenset[str] = frozenset()
    alike: bool = False  # read because it is laid out like a question tab
    by_header: bool = False  # the question column was chosen by its header alone


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


def detect(grids: list[Grid]) -> Detection:
    """Which tabs hold questions and how each is laid out, with the overall confidence. A tab with only one or two
    question-like rows is read only when no tab has more, and then the reading is unsure."""
    readings = _without_mirrors([(grid, _read_tab(grid)) for grid in grids])
    strong = [
        (g, r)
        for g, r in readings
        if r.mapping is not None and r.questions >= MIN_QUESTIONS_PER_TAB and not r.by_header
    ]
    # A tab with few or no question-like rows is read beside the others when it has their header row (one domain
    # or one block of form fields per tab, laid out alike).
    layouts = {_header_texts(g, r.mapping): r.mapping for g, r in strong}
    readings = [(g, r if (g, r) in strong else _alike(g, r, layouts)) for g, r in readings]
    sheets = [SheetSummary(sheet=grid.sheet, skipped_because=reading.skipped_because) for grid, reading in readings]
    chosen = [
        (g, r) for g, r in readings if r.mapping is not None and (r.alike or r.questions >= MIN_QUESTIONS_PER_TAB)
    ]
    weak = [(g, r) for g, r in readings if r.mapping is not None and (g, r) not in chosen]
    chosen = chosen or sorted(weak, key=lambda item: item[1].questions, reverse=True)[:1]
    doubts: list[str] = []
    confidences = [reading.confidence for _, reading in chosen]
    for (grid, reading), summary in zip(readings, sheets, strict=True):
        if (grid, reading) in chosen:
            doubts.extend(f"{grid.sheet}: {doubt}" if grid.sheet else doubt for doubt in reading.doubts)
        elif reading.mapping is not None:
            summary.skipped_because = f"only {reading.questions} question-like rows"
        elif reading.questions >= MIN_QUESTIONS_PER_TAB and not reading.skipped_because.startswith("hidden"):
            doubts.append(f"Tab {grid.sheet!r} has {reading.questions} question-like rows but was left out.")
            confidences.append(0.5)
    if not chosen:
        return Detection([], 0.0, doubts or ["No column in this file reads like a list of questions."], sheets)
    return Detection([reading.mapping for _, reading in chosen], round(min(confidences), 2), doubts, sheets)


def _alike(grid: Grid, reading: _TabReading, layouts: dict[tuple[str, ...], ColumnMapping]) -> _TabReading:
    """The reading of a tab laid out like a question tab (same header row), read with that tab's columns."""
    if grid.hidden or not grid.rows:
        return reading
    if reading.mapping is not None:
        same = layouts.get(_header_texts(grid, reading.mapping))
        return replace(reading, alike=True, confidence=0.9, doubts=[]) if same is not None else reading
    for number, row in enumerate(grid.rows[:HEADER_SCAN_ROWS], 1):
        for key, mapping in layouts.items():
            if key[1:] == tuple(_squashed(cell) for cell in row) and any(row):
                alike = replace(mapping, sheet=grid.sheet, header_row=number)
                return _TabReading(alike, 0.9, 0, [], alike=True)
    return reading


def _header_texts(grid: Grid, mapping: ColumnMapping) -> tuple[str, ...]:
    row = grid.rows[mapping.header_row - 1] if mapping.header_row else []
    return (mapping.question_column, *(_squashed(cell) for cell in row))


def _without_mirrors(readings: list[tuple[Grid, _TabReading]]) -> list[tuple[Grid, _TabReading]]:
    """A tab whose questions (ID and text) mostly repeat an earlier question tab's (a crosswalk, an evaluation or
    report tab copying them by formula) is not read: the questions are answered where they first appear."""
    seen: dict[str, str] = {}
    kept = []
    for grid, reading in readings:
        if reading.mapping is not None and reading.texts:
            repeated = [seen[text] for text in reading.texts if text in seen]
            if len(repeated) >= 0.6 * len(reading.texts):
                source = max(set(repeated), key=repeated.count)
                reading = _TabReading(None, 0, 0, [], f"repeats the questions of {source!r}")
            else:
                for text in reading.texts:
                    seen.setdefault(text, grid.sheet)
        kept.append((grid, reading))
    return kept


def _squashed(text: str) -> str:
    return " ".join(text.lower().split())


def detect_grid(grid: Grid) -> ColumnMapping | None:
    """The guessed mapping of one grid however sure it is, or None when nothing there reads like questions."""
    return _read_tab(grid, by_name=False).mapping


def _read_tab(grid: Grid, *, by_name: bool = True) -> _TabReading:
    """One tab's reading. A tab skipped by its name (instructions, notes …) may still be read by `_alike`."""
    if grid.hidden:
        return _TabReading(None, 0, 0, [], "hidden tab")
    if by_name and grid.sheet and SKIPPED_TAB.search(grid.sheet):
        return _TabReading(None, 0, 0, [], f"{_tab_kind(grid.sheet)} tab")
    if not grid.rows:
        return _TabReading(None, 0, 0, [], "empty")
    sample = [n for n in range(1, min(len(grid.rows), SAMPLE_ROWS) + 1) if n not in grid.hidden_rows]
    scores = {col: _column_score(grid, col, sample) for col in range(1, grid.width + 1)}
    ranked = [col for col in sorted(scores, key=lambda c: scores[c][0], reverse=True) if scores[col][0] > 0]
    ranked = [col for col in ranked if col not in grid.hidden_columns]
    # The best column not headed Guidance, Example, Scoring … in the header row above its first question.
    question, header_row = 0, 0
    for col in ranked:
        above = _header_row_above(grid, scores[col][3], col)
        if not _header_says(grid.rows[above - 1] if above else [], col, NOT_FOR_ANSWERS):
            question, header_row = col, above
            break
    if not question:
        return _header_only(grid)
    headers = grid.rows[header_row - 1] if header_row else []
    ranked = [col for col in ranked if not _header_says(headers, col, NOT_FOR_ANSWERS)]
    score, count, share, _first = scores[question]
    data_rows = list(range(header_row + 1, min(len(grid.rows), header_row + SAMPLE_ROWS) + 1))
    question_rows = [n for n in data_rows if question_likeness(grid.text(n, question))]
    mapping = _columns(grid, header_row, question, question_rows, data_rows)
    confidence, doubts = 1.0, []
    letter = get_column_letter(question)
    # Header words that agree with the content make a short file or a column of statements believable.
    named = _header_says(headers, question, QUESTION_WORDS)
    if share < 0.5 and not mapping.id_column:
        confidence -= 0.35
        doubts.append(f"only {round(share * 100)}% of the text in column {letter} reads like questions")
    runner_up = next((col for col in ranked if col != question), None)
    if runner_up and scores[runner_up][0] >= 0.7 * score:
        confidence -= 0.45
        doubts.append(f"columns {letter} and {get_column_letter(runner_up)} both read like questions")
    if count < 5 and not named:
        confidence -= 0.6 if count < MIN_QUESTIONS_PER_TAB else 0.25
        doubts.append(f"only {count} {'row reads' if count == 1 else 'rows read'} like questions")
    if named:
        confidence = min(1.0, confidence + 0.15)
    id_col = column_index(mapping.id_column) if mapping.id_column else 0
    texts = frozenset(f"{grid.text(row, id_col)}\x1f{_squashed(grid.text(row, question))}" for row in question_rows)
    return _TabReading(mapping, max(0.0, round(confidence, 2)), count, doubts, texts=texts)


def _header_only(grid: Grid) -> _TabReading:
    """No cell reads like a question: a column headed Question / Requirement / Control is a guess to confirm."""
    for number, row in enumerate(grid.rows[:HEADER_SCAN_ROWS], 1):
        question = _by_header(row, QUESTION_WORDS, avoid=(ANSWER_WORDS, COMMENT_WORDS, ID_WORDS, NOT_FOR_ANSWERS))
        if question and sum(1 for cell in row if _label_like(cell)) >= 2:
            data_rows = list(range(number + 1, min(len(grid.rows), number + SAMPLE_ROWS) + 1))
            filled = [n for n in data_rows if len(grid.text(n, question)) >= MIN_QUESTION_CHARS]
            if len(filled) < MIN_QUESTIONS_PER_TAB:
                break
            mapping = _columns(grid, number, question, filled, data_rows)
            doubt = f"no cell reads like a question; column {mapping.question_column} was chosen by its header alone"
            return _TabReading(mapping, 0.4, len(filled), [doubt], by_header=True)
    return _TabReading(None, 0, 0, [], "no question column")


def _column_score(grid: Grid, col: int, sample: list[int]) -> tuple[float, int, float, int]:
    """(score, question-like cells, their share of the column's text cells, first such row) for one column."""
    texts, likeness, first = [], 0.0, 0
    for row in sample:
        text = grid.text(row, col)
        if not text or _is_number(text):
            continue
        texts.append(text)
        value = question_likeness(text)
        if value:
            likeness += value
            first = first or row
    if not likeness:
        return 0.0, 0, 0.0, 0
    count = sum(1 for text in texts if question_likeness(text))
    distinct = len({" ".join(text.lower().split()) for text in texts if question_likeness(text)})
    score = likeness * (distinct / count) * (0.5 + 0.5 * count / len(texts))
    return score, count, count / len(texts), first


def _header_row_above(grid: Grid, first_question: int, question: int) -> int:
    """The header row above the first question: among the rows above it with two or more label-like cells and no
    cell that is an ID, the one whose cells use the most column-naming words (the nearest on a tie); without any
    such words, the nearest row of three or more labels; else 0 (no header)."""
    best, best_hits, plain = 0, 0, 0
    for number in range(first_question - 1, max(0, first_question - HEADER_SCAN_ROWS), -1):
        row = grid.rows[number - 1]
        labels = [cell for cell in row if _label_like(cell)]
        if len(labels) < 2 or any(ID_PATTERN.match(cell) and any(c.isdigit() for c in cell) for cell in row):
            continue
        hits = sum(1 for cell in labels if any(words.search(cell) for words in HEADER_WORDS))
        if hits > best_hits:
            best, best_hits = number, hits
        if not plain and len(labels) >= 3 and _label_like(grid.text(number, question)):
            plain = number
    return best or plain


def _columns(grid: Grid, header_row: int, question: int, question_rows: list[int], data_rows: list[int]):
    headers = grid.rows[header_row - 1] if header_row else []
    width = max(grid.width, len(headers))
    not_roles = {col for col in range(1, width + 1) if _header_says(headers, col, NOT_FOR_ANSWERS)}
    id_col = _id_by_pattern(grid, question_rows, question) or _id_by_header(grid, headers, question_rows, question)
    marks = _mark_columns(grid, header_row)
    if marks:
        answer = marks[0]
    else:
        answer = _by_header(
            headers, ANSWER_WORDS, avoid=(COMMENT_WORDS, ID_WORDS, NOT_FOR_ANSWERS), exclude={question, id_col}
        )
        answer = answer or _dropdown_column(grid, question_rows, exclude={question, id_col} | not_roles)
        if not answer:
            empty = [
                col
                for col in range(question + 1, width + 1)
                if col not in not_roles and not any(grid.text(row, col) for row in data_rows)
            ]
            answer = empty[0] if empty else width + 1
    comment = _by_header(headers, COMMENT_WORDS, avoid=(NOT_FOR_ANSWERS,), exclude={question, answer, id_col, *marks})
    return ColumnMapping(
        sheet=grid.sheet,
        header_row=header_row,
        id_column=get_column_letter(id_col) if id_col else None,
        question_column=get_column_letter(question),
        answer_column=get_column_letter(answer),
        comment_column=get_column_letter(comment) if comment else None,
        mark_columns=[get_column_letter(col) for col in marks],
    )


def _id_by_pattern(grid: Grid, question_rows: list[int], question: int) -> int:
    if not question_rows:
        return 0
    best, best_hits = 0, 0
    for col in range(1, grid.width + 1):
        if col == question or col in grid.hidden_columns:
            continue
        values = [grid.text(row, col) for row in question_rows]
        hits = [value for value in values if ID_PATTERN.match(value)]
        unique = len(set(hits)) >= 0.9 * len(hits) if hits else False
        closer = best and abs(col - question) < abs(best - question)
        if len(hits) >= 0.6 * len(values) and unique and (len(hits) > best_hits or (len(hits) == best_hits and closer)):
            best, best_hits = col, len(hits)
    return best


def _id_by_header(grid: Grid, headers: list[str], question_rows: list[int], question: int) -> int:
    col = _by_header(headers, ID_WORDS, exclude={question})
    if not col:
        return 0
    present = [grid.text(row, col) for row in question_rows if grid.text(row, col)]
    short = all(len(value) <= 40 and " " not in value for value in present)
    return col if present and short and len(set(present)) == len(present) else 0


def _dropdown_column(grid: Grid, question_rows: list[int], exclude: set[int]) -> int:
    sample = question_rows[:20]
    for col in range(1, grid.width + 2):
        if col in exclude or not sample:
            continue
        if sum(1 for row in sample if grid.choices(row, col)) >= 0.5 * len(sample):
            return col
    return 0


def _mark_columns(grid: Grid, header_row: int) -> list[int]:
    """Adjacent Yes / No / N/A columns answered with an "x", named in the header row or the row below it."""
    for number in (header_row, header_row + 1, header_row - 1):
        texts = [cell.lower().strip() for cell in grid.rows[number - 1]] if 0 < number <= len(grid.rows) else []
        for index in range(len(texts) - 2):
            if all(texts[index + offset] in labels for offset, labels in enumerate(MARK_LABELS)):
                return [index + 1, index + 2, index + 3]
    return []


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


def is_id(value: str) -> bool:
    """A cell that can be a question's ID in a column of IDs: an ID pattern, or one short word without spaces
    (`feedback` beside `office_facilities_excl`)."""
    return bool(ID_PATTERN.match(value)) or (0 < len(value) <= 40 and not any(char.isspace() for char in value))


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
            key = (question.ref, _squashed(question.text))
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


def is_placeholder(value: str, question: str) -> bool:
    """True when an answer cell only holds template filler: blank, a format hint, or the question's own label."""
    if not value.strip():
        return True
    squashed = re.sub(r"[^a-z0-9]", "", value.lower())
    label = re.sub(r"[^a-z0-9]", "", question.lower())
    return bool(PLACEHOLDER.search(value.strip())) or (len(label) >= 4 and squashed.startswith(label))


def _question_text(value: str) -> str:
    """The question as one line, without the asterisks that mark required questions."""
    return " ".join(value.split()).rstrip("*").rstrip()


def _tab_kind(name: str) -> str:
    found = SKIPPED_TAB.search(name)
    return found.group(0).lower() if found else "other"


def _header_says(headers: list[str], col: int, words: re.Pattern) -> bool:
    return 0 < col <= len(headers) and bool(words.search(headers[col - 1]))


def _label_like(cell: str) -> bool:
    """Short text that can title a column: no question, number or sentence ("A brief description:")."""
    if not cell or len(cell) > LABEL_MAX_CHARS or cell.endswith("?") or _is_number(cell):
        return False
    return not (cell.endswith((".", ":")) and len(cell.split()) >= 3)


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
