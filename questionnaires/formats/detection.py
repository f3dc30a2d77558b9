"""Detection for any other spreadsheet or CSV: which tabs hold questions and, on each, the header row and the
question, answer, ID and comment columns, with a confidence (`generic` reads the rows through the result).

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
"""

import re
from dataclasses import dataclass, replace

from openpyxl.utils.cell import get_column_letter

from .cues import (
    ANSWER_WORDS,
    COMMENT_WORDS,
    HEADER_SCAN_ROWS,
    HEADER_WORDS,
    ID_PATTERN,
    ID_WORDS,
    MARK_LABELS,
    MIN_QUESTION_CHARS,
    NOT_FOR_ANSWERS,
    QUESTION_WORDS,
    SAMPLE_ROWS,
    by_header,
    header_says,
    is_number,
    label_like,
    question_likeness,
    squashed,
)
from .generic import Grid
from .parsed import ColumnMapping, SheetSummary
from .xlsx import column_index

MIN_QUESTIONS_PER_TAB = 3
# Tabs that never hold the questions, by the words their names use.
SKIPPED_TAB = re.compile(
    r"\b(instructions?|read\s*me|readme|summary|scor(e|es|ing)|look\s*ups?|lists?|dashboard|cover|glossary|"
    r"definitions?|change\s*log|changelog|revision|history|overview|guidance|how\s*to|results?|charts?|"
    r"analyst|drop\s*downs?|validations?|legend|contents|introduction|intro|terms|sources?|examples?|notes|"
    r"copyright|disclaimer|licen[cs]e|crosswalk|mappings?)\b",
    re.IGNORECASE,
)


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
            if key[1:] == tuple(squashed(cell) for cell in row) and any(row):
                alike = replace(mapping, sheet=grid.sheet, header_row=number)
                return _TabReading(alike, 0.9, 0, [], alike=True)
    return reading


def _header_texts(grid: Grid, mapping: ColumnMapping) -> tuple[str, ...]:
    row = grid.rows[mapping.header_row - 1] if mapping.header_row else []
    return (mapping.question_column, *(squashed(cell) for cell in row))


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
        if not header_says(grid.rows[above - 1] if above else [], col, NOT_FOR_ANSWERS):
            question, header_row = col, above
            break
    if not question:
        return _header_only(grid)
    headers = grid.rows[header_row - 1] if header_row else []
    ranked = [col for col in ranked if not header_says(headers, col, NOT_FOR_ANSWERS)]
    score, count, share, _first = scores[question]
    data_rows = list(range(header_row + 1, min(len(grid.rows), header_row + SAMPLE_ROWS) + 1))
    question_rows = [n for n in data_rows if question_likeness(grid.text(n, question))]
    mapping = _columns(grid, header_row, question, question_rows, data_rows)
    confidence, doubts = 1.0, []
    letter = get_column_letter(question)
    # Header words that agree with the content make a short file or a column of statements believable.
    named = header_says(headers, question, QUESTION_WORDS)
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
    texts = frozenset(f"{grid.text(row, id_col)}\x1f{squashed(grid.text(row, question))}" for row in question_rows)
    return _TabReading(mapping, max(0.0, round(confidence, 2)), count, doubts, texts=texts)


def _header_only(grid: Grid) -> _TabReading:
    """No cell reads like a question: a column headed Question / Requirement / Control is a guess to confirm."""
    for number, row in enumerate(grid.rows[:HEADER_SCAN_ROWS], 1):
        question = by_header(row, QUESTION_WORDS, avoid=(ANSWER_WORDS, COMMENT_WORDS, ID_WORDS, NOT_FOR_ANSWERS))
        if question and sum(1 for cell in row if label_like(cell)) >= 2:
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
        if not text or is_number(text):
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
        labels = [cell for cell in row if label_like(cell)]
        if len(labels) < 2 or any(ID_PATTERN.match(cell) and any(c.isdigit() for c in cell) for cell in row):
            continue
        hits = sum(1 for cell in labels if any(words.search(cell) for words in HEADER_WORDS))
        if hits > best_hits:
            best, best_hits = number, hits
        if not plain and len(labels) >= 3 and label_like(grid.text(number, question)):
            plain = number
    return best or plain


def _columns(grid: Grid, header_row: int, question: int, question_rows: list[int], data_rows: list[int]):
    headers = grid.rows[header_row - 1] if header_row else []
    width = max(grid.width, len(headers))
    not_roles = {col for col in range(1, width + 1) if header_says(headers, col, NOT_FOR_ANSWERS)}
    id_col = _id_by_pattern(grid, question_rows, question) or _id_by_header(grid, headers, question_rows, question)
    marks = _mark_columns(grid, header_row)
    if marks:
        answer = marks[0]
    else:
        answer = by_header(
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
    comment = by_header(headers, COMMENT_WORDS, avoid=(NOT_FOR_ANSWERS,), exclude={question, answer, id_col, *marks})
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
    col = by_header(headers, ID_WORDS, exclude={question})
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


def _tab_kind(name: str) -> str:
    found = SKIPPED_TAB.search(name)
    return found.group(0).lower() if found else "other"
