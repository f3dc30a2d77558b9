"""Reading customers' questionnaire files into questions and the cells their answers go back into.

Pure Python: no models, no database. Every file passes `safety` first; then the format is recognised from
the content (CAIQ v4, CAIQ v3-style Yes/No/NA columns, HECVAT 3.x/4.x, VSAQ JSON) and anything else is read
as a generic spreadsheet or CSV through a detected or user-supplied `ColumnMapping`.
"""

import hashlib
from collections.abc import Callable

from openpyxl.utils.cell import get_column_letter

from fileformats import uploads
from fileformats.safety import open_xlsx_archive

from . import caiq, generic, hecvat, vsaq
from .parsed import (
    MAX_QUESTIONS,
    AnswerSlot,
    ColumnMapping,
    ParsedQuestion,
    ParsedQuestionnaire,
    QuestionnaireFileError,
)
from .xlsx import XlsxBook

__all__ = [
    "MAX_QUESTIONS",
    "AnswerSlot",
    "ColumnMapping",
    "ParsedQuestion",
    "ParsedQuestionnaire",
    "QuestionnaireFileError",
    "check_file",
    "detect_mapping",
    "layout_signature",
    "parse_questionnaire",
    "parse_with_layout",
    "preview_rows",
]

# Reading costs about 30-70 µs a cell (values, then formulas and dropdowns from the sheet XML), so this keeps the
# worst workbook within the caps near 15 s (`python -m bench imports`); the largest real file, HECVAT 4.1.4, reads
# 125,126 cells and 5,000 questions fit in 40 columns.
DEFAULT_MAX_CELLS = 200_000
VSAQ_SIGNATURE = hashlib.sha256(b"vsaq").hexdigest()


def parse_questionnaire(
    filename: str, data: bytes, *, mapping: ColumnMapping | None = None, max_cells: int = DEFAULT_MAX_CELLS
) -> ParsedQuestionnaire:
    """The file's questions with their answer slots, or QuestionnaireFileError with a message for the user.

    A `mapping` forces the generic reader (the user corrected the detected columns).
    """
    return _read(filename, data, mapping=mapping, remembered=None, with_signature=False, max_cells=max_cells)


def parse_with_layout(
    filename: str,
    data: bytes,
    *,
    mapping: ColumnMapping | None = None,
    remembered: Callable[[str], ColumnMapping | None] | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> ParsedQuestionnaire:
    """As `parse_questionnaire`, reading the file once, and with its `layout_signature` filled in. Without a
    `mapping`, `remembered(signature)` may supply the one confirmed earlier for files of the same layout."""
    return _read(filename, data, mapping=mapping, remembered=remembered, with_signature=True, max_cells=max_cells)


def _read(
    filename: str,
    data: bytes,
    *,
    mapping: ColumnMapping | None,
    remembered: Callable[[str], ColumnMapping | None] | None,
    with_signature: bool,
    max_cells: int,
) -> ParsedQuestionnaire:
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        parsed = vsaq.parse(filename, data)
        parsed.layout_signature = VSAQ_SIGNATURE if with_signature else ""
        return _non_empty(parsed)
    if ext in uploads.CSV_EXTENSIONS:
        grids = [generic.csv_grid(data, max_cells=max_cells)]
        signature = generic.signature(grids, generic.detect(grids)) if with_signature else ""
        if mapping is None and remembered is not None:
            mapping = remembered(signature)
        parsed = _parse_generic(grids, mapping, format_name="csv", label="CSV")
        parsed.layout_signature = signature
        return _non_empty(parsed)
    with XlsxBook(data, max_cells=max_cells) as book:
        grids = generic.xlsx_grids(book) if with_signature else None
        signature = generic.signature(grids, generic.detect(grids)) if grids is not None else ""
        if mapping is None and remembered is not None:
            mapping = remembered(signature)
        parsed = _parse_xlsx(book, mapping, grids)
        parsed.layout_signature = signature
        parsed.warnings.extend(book.warnings)
        return _non_empty(parsed)


def check_file(filename: str, data: bytes) -> None:
    """Refuse, before anything is stored, files that are too large, of a type we never read, unsafe
    archives (zip bombs, macros, external links, XML entity declarations), or undecodable CSV/JSON."""
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        vsaq.parse(filename, data)
    elif ext in uploads.CSV_EXTENSIONS:
        generic.csv_grid(data, max_cells=DEFAULT_MAX_CELLS)
    else:
        open_xlsx_archive(data).close()


def detect_mapping(filename: str, data: bytes, *, max_cells: int = DEFAULT_MAX_CELLS) -> ColumnMapping | None:
    """The guessed columns of a spreadsheet or CSV for the preview; None for VSAQ or when nothing fits."""
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        return None
    if ext in uploads.CSV_EXTENSIONS:
        return generic.detect([generic.csv_grid(data, max_cells=max_cells)])
    with XlsxBook(data, max_cells=max_cells) as book:
        return generic.detect(generic.xlsx_grids(book))


def preview_rows(filename: str, data: bytes, *, rows: int = 15, columns: int = 12) -> dict:
    """The first rows and columns of each sheet (or the CSV) as text, for choosing columns by hand."""
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        return {"sheets": [], "tables": []}
    if ext in uploads.CSV_EXTENSIONS:
        grids = [generic.csv_grid(data, max_cells=DEFAULT_MAX_CELLS)]
    else:
        with XlsxBook(data, max_cells=DEFAULT_MAX_CELLS) as book:
            grids = generic.xlsx_grids(book)
    letters = [get_column_letter(number) for number in range(1, columns + 1)]
    tables = [
        {
            "name": grid.sheet,
            "columns": letters,
            "rows": [
                {"number": index, "cells": [grid.text(index, col) for col in range(1, columns + 1)]}
                for index in range(1, min(rows, len(grid.rows)) + 1)
            ],
        }
        for grid in grids
    ]
    return {"sheets": [grid.sheet for grid in grids], "tables": tables}


def layout_signature(filename: str, data: bytes, *, max_cells: int = DEFAULT_MAX_CELLS) -> str:
    """A stable hex digest of the file's sheet names and header row, equal for files of the same layout.

    VSAQ files all share one signature: their layout is fixed by the format, so there is no mapping to remember.
    """
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        return VSAQ_SIGNATURE
    if ext in uploads.CSV_EXTENSIONS:
        grids = [generic.csv_grid(data, max_cells=max_cells)]
    else:
        with XlsxBook(data, max_cells=max_cells) as book:
            grids = generic.xlsx_grids(book)
    return generic.signature(grids, generic.detect(grids))


def _parse_xlsx(book: XlsxBook, mapping: ColumnMapping | None, grids: list | None = None) -> ParsedQuestionnaire:
    if mapping is None:
        if sheet := caiq.detect_v4(book):
            return caiq.parse_v4(book, sheet)
        if found := hecvat.detect(book):
            return hecvat.parse(book, *found)
        if marks := caiq.detect_v3(book):
            return caiq.parse_v3(book, *marks)
    if grids is None:
        grids = generic.xlsx_grids(book)
    return _parse_generic(grids, mapping, format_name="spreadsheet", label="Spreadsheet")


def _parse_generic(grids: list, mapping: ColumnMapping | None, *, format_name: str, label: str) -> ParsedQuestionnaire:
    detected = mapping or generic.detect(grids)
    if detected is None:
        raise QuestionnaireFileError(
            "No question column was found. Check that the questions have a header row (e.g. 'Question', "
            "'Answer'), or choose the columns yourself."
        )
    return generic.parse(grids, detected, format_name=format_name, label=label)


def _non_empty(parsed: ParsedQuestionnaire) -> ParsedQuestionnaire:
    if not parsed.questions:
        raise QuestionnaireFileError(f"No questions were found in this {parsed.format_label} file.")
    if len(parsed.questions) > MAX_QUESTIONS:
        raise QuestionnaireFileError(
            f"This file has {len(parsed.questions):,} questions; Trustpack imports at most {MAX_QUESTIONS:,} per "
            f"questionnaire. Split it into files of at most {MAX_QUESTIONS:,} questions (for example one per tab or "
            "section) and import each one."
        )
    return parsed
