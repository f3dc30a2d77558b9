"""Reading customers' questionnaire files into questions and the cells their answers go back into.

Pure Python: no models, no database. Every file passes `safety` first; then the format is recognised from
the content (CAIQ v4, CAIQ v3-style Yes/No/NA columns, HECVAT 3.x/4.x, VSAQ JSON) and anything else is read
as a generic spreadsheet or CSV through a detected or user-supplied `ColumnMapping`. Word documents (.docx)
are read by `docx`, from their tables and numbered paragraphs.
"""

import hashlib
from collections.abc import Callable
from dataclasses import asdict

from openpyxl.utils.cell import get_column_letter

from fileformats import uploads
from fileformats.safety import open_docx_archive, open_xlsx_archive

from . import caiq, docx, generic, hecvat, vsaq
from . import detection as detecting
from .parsed import (
    MAX_QUESTIONS,
    AnswerSlot,
    ColumnMapping,
    ParsedQuestion,
    ParsedQuestionnaire,
    QuestionnaireFileError,
    SheetSummary,
)
from .xlsx import XlsxBook

Mappings = list[ColumnMapping]

MAPPABLE_FORMATS = ("spreadsheet", "csv")  # read through columns a person can choose on the mapping page

__all__ = [
    "MAX_QUESTIONS",
    "AnswerSlot",
    "ColumnMapping",
    "ParsedQuestion",
    "ParsedQuestionnaire",
    "QuestionnaireFileError",
    "SheetSummary",
    "check_file",
    "detect_mapping",
    "layout_signature",
    "mappings_from_json",
    "mappings_to_json",
    "parse_questionnaire",
    "parse_with_layout",
    "preview_rows",
    "reading_preview",
]

# Reading costs about 30-70 µs a cell (values, then formulas and dropdowns from the sheet XML), so this keeps the
# worst workbook within the caps near 15 s (`python -m bench imports`); the largest real file, HECVAT 4.1.4, reads
# 125,126 cells and 5,000 questions fit in 40 columns.
DEFAULT_MAX_CELLS = 200_000
VSAQ_SIGNATURE = hashlib.sha256(b"vsaq").hexdigest()


def parse_questionnaire(
    filename: str,
    data: bytes,
    *,
    mapping: ColumnMapping | Mappings | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> ParsedQuestionnaire:
    """The file's questions with their answer slots, or QuestionnaireFileError with a message for the user.

    A `mapping` (one per question tab) forces the generic reader: a person chose the columns. Without one, an
    unsure detection comes back with `confident` False, and possibly no questions, for a person to confirm.
    """
    return _read(filename, data, mapping=mapping, remembered=None, with_signature=False, max_cells=max_cells)


def parse_with_layout(
    filename: str,
    data: bytes,
    *,
    mapping: ColumnMapping | Mappings | None = None,
    remembered: Callable[[str], Mappings | None] | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> ParsedQuestionnaire:
    """As `parse_questionnaire`, reading the file once, and with its `layout_signature` filled in. Without a
    `mapping`, `remembered(signature)` may supply the one confirmed earlier for files of the same layout."""
    return _read(filename, data, mapping=mapping, remembered=remembered, with_signature=True, max_cells=max_cells)


def _read(
    filename: str,
    data: bytes,
    *,
    mapping: ColumnMapping | Mappings | None,
    remembered: Callable[[str], Mappings | None] | None,
    with_signature: bool,
    max_cells: int,
) -> ParsedQuestionnaire:
    mappings = [mapping] if isinstance(mapping, ColumnMapping) else mapping
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        parsed = vsaq.parse(filename, data)
        parsed.layout_signature = VSAQ_SIGNATURE if with_signature else ""
        return _non_empty(parsed)
    if ext in uploads.DOCX_EXTENSIONS:  # a Word document has no columns to map
        parsed = docx.parse(filename, data)
        parsed.layout_signature = docx.signature(data) if with_signature else ""
        return _non_empty(parsed)
    if ext in uploads.CSV_EXTENSIONS:
        grids = [generic.csv_grid(data, max_cells=max_cells)]
        detection = detecting.detect(grids)
        signature = generic.signature(grids, detection.mappings) if with_signature else ""
        if mappings is None and remembered is not None:
            mappings = remembered(signature)
        parsed = _parse_generic(grids, mappings, detection, format_name="csv", label="CSV")
        parsed.layout_signature = signature
        return _non_empty(parsed)
    with XlsxBook(data, max_cells=max_cells) as book:
        grids = generic.xlsx_grids(book) if with_signature else None
        detection = detecting.detect(grids) if grids is not None else None
        signature = generic.signature(grids, detection.mappings) if grids is not None else ""
        if mappings is None and remembered is not None:
            mappings = remembered(signature)
        parsed = _parse_xlsx(book, mappings, grids, detection)
        parsed.layout_signature = signature
        parsed.warnings.extend(book.warnings)
        if len(book.sheet_names) > generic.MAX_SHEETS_SCANNED:
            parsed.warnings.append(
                f"This workbook has {len(book.sheet_names)} tabs; only the first {generic.MAX_SHEETS_SCANNED} were "
                "read. Split it to import the rest."
            )
        return _non_empty(parsed)


def check_file(filename: str, data: bytes) -> None:
    """Refuse, before anything is stored, files that are too large, of a type we never read, unsafe
    archives (zip bombs, macros, external links, XML entity declarations), or undecodable CSV/JSON."""
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        vsaq.parse(filename, data)
    elif ext in uploads.CSV_EXTENSIONS:
        generic.csv_grid(data, max_cells=DEFAULT_MAX_CELLS)
    elif ext in uploads.DOCX_EXTENSIONS:
        open_docx_archive(data).close()
    else:
        open_xlsx_archive(data).close()


def detect_mapping(filename: str, data: bytes, *, max_cells: int = DEFAULT_MAX_CELLS) -> ColumnMapping | None:
    """The guessed columns of the first question tab of a spreadsheet or CSV; None for VSAQ, Word or when nothing
    fits."""
    detection = detect_layout(filename, data, max_cells=max_cells)
    return detection.mappings[0] if detection and detection.mappings else None


def detect_layout(filename: str, data: bytes, *, max_cells: int = DEFAULT_MAX_CELLS) -> detecting.Detection | None:
    """Every question tab's guessed columns with the confidence and doubts; None for VSAQ and Word."""
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS + uploads.DOCX_EXTENSIONS:
        return None
    if ext in uploads.CSV_EXTENSIONS:
        return detecting.detect([generic.csv_grid(data, max_cells=max_cells)])
    with XlsxBook(data, max_cells=max_cells) as book:
        return detecting.detect(generic.xlsx_grids(book))


def preview_rows(filename: str, data: bytes, *, rows: int = 15, columns: int = 12) -> dict:
    """The first rows and columns of each sheet (or the CSV) as text, for choosing columns by hand."""
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        return {"sheets": [], "tables": []}
    if ext in uploads.DOCX_EXTENSIONS:
        # Shown for reference only: a Word document's tables are read as they are, never through a mapping.
        return {"sheets": [], "tables": docx.table_previews(data, rows=rows, columns=columns)}
    if ext in uploads.CSV_EXTENSIONS:
        grids = [generic.csv_grid(data, max_cells=DEFAULT_MAX_CELLS)]
    else:
        with XlsxBook(data, max_cells=DEFAULT_MAX_CELLS) as book:
            grids = generic.xlsx_grids(book)
    letters = [get_column_letter(number) for number in range(1, columns + 1)]
    tables = [
        {
            "name": grid.sheet,
            "hidden": grid.hidden,
            "columns": letters,
            "rows": [
                {"number": index, "cells": [grid.text(index, col) for col in range(1, columns + 1)]}
                for index in range(1, min(rows, len(grid.rows)) + 1)
            ],
        }
        for grid in grids
        if not grid.hidden
    ]
    return {"sheets": [grid.sheet for grid in grids if not grid.hidden], "tables": tables}


def reading_preview(filename: str, data: bytes, mappings: Mappings, *, per_tab: int = 8) -> dict:
    """How the file reads through `mappings`: per tab the question count, rows skipped and the first questions.
    Raises QuestionnaireFileError when a mapping cannot be applied."""
    if not mappings:
        return {"tabs": [], "questions": 0}
    parsed = parse_questionnaire(filename, data, mapping=mappings)
    tabs = []
    for summary in parsed.sheets:
        first = [
            {
                "ref": question.ref,
                "text": question.text,
                "section": question.section,
                "cell": question.answer_slot.cell if question.answer_slot else "",
                "existing": question.existing_answer,
            }
            for question in parsed.questions
            if question.answer_slot is not None and question.answer_slot.sheet == summary.sheet
        ][:per_tab]
        tabs.append(
            {"sheet": summary.sheet, "questions": summary.questions, "skipped": summary.skipped, "first": first}
        )
    return {"tabs": tabs, "questions": len(parsed.questions)}


def layout_signature(filename: str, data: bytes, *, max_cells: int = DEFAULT_MAX_CELLS) -> str:
    """A stable hex digest of the file's sheet names and header row, equal for files of the same layout.

    VSAQ files all share one signature: their layout is fixed by the format, so there is no mapping to remember.
    """
    ext = uploads.upload_check(uploads.QUESTIONNAIRE, filename, data)
    if ext in uploads.JSON_EXTENSIONS:
        return VSAQ_SIGNATURE
    if ext in uploads.DOCX_EXTENSIONS:
        return docx.signature(data)
    if ext in uploads.CSV_EXTENSIONS:
        grids = [generic.csv_grid(data, max_cells=max_cells)]
    else:
        with XlsxBook(data, max_cells=max_cells) as book:
            grids = generic.xlsx_grids(book)
    return generic.signature(grids, detecting.detect(grids).mappings)


def mappings_from_json(value) -> Mappings | None:
    """The stored mapping (`{"sheets": [...]}`, or one tab's mapping as stored before multi-tab files) as
    mappings; None when nothing is stored. Raises QuestionnaireFileError for a malformed value."""
    if not value:
        return None
    items = value.get("sheets") if isinstance(value, dict) and "sheets" in value else [value]
    try:
        return [ColumnMapping(**item) for item in items]
    except TypeError as error:
        raise QuestionnaireFileError("The saved column mapping is malformed; choose the columns again.") from error


def mappings_to_json(mappings: Mappings | None) -> dict | None:
    """What `mappings_from_json` reads back."""
    return {"sheets": [asdict(mapping) for mapping in mappings]} if mappings else None


def _parse_xlsx(
    book: XlsxBook, mappings: Mappings | None, grids: list | None = None, detection=None
) -> ParsedQuestionnaire:
    if mappings is None:
        if sheet := caiq.detect_v4(book):
            return caiq.parse_v4(book, sheet)
        if found := hecvat.detect(book):
            return hecvat.parse(book, *found)
        if marks := caiq.detect_v3(book):
            return caiq.parse_v3(book, *marks)
    if grids is None:
        grids = generic.xlsx_grids(book)
    return _parse_generic(grids, mappings, detection, format_name="spreadsheet", label="Spreadsheet")


def _parse_generic(grids: list, mappings: Mappings | None, detection, *, format_name: str, label: str):
    """Through the mappings a person confirmed, as they are; else through detection, with its confidence."""
    if mappings:
        return generic.parse(grids, mappings, format_name=format_name, label=label)
    detection = detection or detecting.detect(grids)
    parsed = generic.parse(grids, detection.mappings, format_name=format_name, label=label)
    parsed.confidence, parsed.doubts = detection.confidence, list(detection.doubts)
    read = {summary.sheet: summary for summary in parsed.sheets}
    parsed.sheets = [read.get(summary.sheet, summary) for summary in detection.sheets]
    return parsed


def _non_empty(parsed: ParsedQuestionnaire) -> ParsedQuestionnaire:
    """A confident reading must have found questions; an unsure one goes to a person as it is."""
    if not parsed.questions and parsed.confident:
        raise QuestionnaireFileError(f"No questions were found in this {parsed.format_label} file.")
    if len(parsed.questions) > MAX_QUESTIONS:
        raise QuestionnaireFileError(
            f"This file has {len(parsed.questions):,} questions; Trustpack imports at most {MAX_QUESTIONS:,} per "
            f"questionnaire. Split it into files of at most {MAX_QUESTIONS:,} questions (for example one per tab or "
            "section) and import each one."
        )
    if not parsed.questions:
        parsed.confidence = 0.0
    if not parsed.sheets:  # the fixed formats: a count per tab the questions came from
        for question in parsed.questions:
            sheet = question.answer_slot.sheet if question.answer_slot else ""
            if not parsed.sheets or parsed.sheets[-1].sheet != sheet:
                parsed.sheets.append(next((s for s in parsed.sheets if s.sheet == sheet), None) or SheetSummary(sheet))
            parsed.sheets[-1].questions += 1
    return parsed
