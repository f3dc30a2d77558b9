"""Reading a checked .xlsx: cached cell values, which cells hold formulas, dropdown lists and merged ranges.

Values come from openpyxl in read-only, data-only mode (cached results, never evaluated), one sheet at a
time and only for sheets a parser asks for, under a cell budget. Read-only mode exposes neither data
validations nor merged cells nor formulas, and openpyxl drops Excel's x14 extension lists anyway, so
those are read here from the sheet XML with defusedxml, streaming, keeping only what is needed.
"""

import datetime as dt
import io
import posixpath
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from openpyxl.utils.cell import get_column_letter, range_boundaries

from fileformats.safety import open_xlsx_archive

from .parsed import QuestionnaireFileError

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
XM = "{http://schemas.microsoft.com/office/excel/2006/main}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_RANGES_PER_SHEET = 50_000
MAX_LIST_CELLS = 1_000
BLANK_CELLS_PER_CELL = 10  # blank cells read cost far less than filled ones; they have a budget of their own
MAX_HIDDEN_SPAN = 1_000  # hidden column ranges wider than this (e.g. "everything right of the form") are ignored
_REFERENCE = re.compile(
    r"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?(?P<range>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)$"
)
_NAME = re.compile(r"^[A-Za-z_\\][\w.]*$")
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")


def cell_ref(row: int, col: int) -> str:
    """The A1-style reference of a 1-based (row, column)."""
    return f"{get_column_letter(col)}{row}"


def column_index(letter: str) -> int:
    """The 1-based index of a column letter ("A" is 1); raises QuestionnaireFileError for a bad letter."""
    try:
        return range_boundaries(f"{letter.strip().upper()}1")[0]
    except (ValueError, TypeError) as exc:
        raise QuestionnaireFileError(f"{letter!r} is not a column letter.") from exc


def cell_text(value: Any) -> str:
    """A cell's cached value as the text a person sees (dates as ISO dates, whole numbers without ".0")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class ListValidation:
    ranges: list[tuple[int, int, int, int]]
    formula: str


@dataclass
class SheetExtras:
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    validations: list[ListValidation] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    truncated: bool = False


class XlsxBook:
    """A checked workbook: cached values per sheet (under a cell budget) plus formulas, dropdowns and merges."""

    def __init__(self, data: bytes, *, max_cells: int):
        self.archive: zipfile.ZipFile = open_xlsx_archive(data)
        self.max_cells = max_cells
        self.cells_read = 0  # cells holding a value: what the budget is about
        self.blank_cells_read = 0  # blank cells (a Google Sheets export pads every tab to 1,000 x 26)
        self._rows: dict[str, list[tuple]] = {}
        self._extras: dict[str, SheetExtras] = {}
        self._choices: dict[tuple[str, str], list[str]] = {}
        self.warnings: list[str] = []
        self.sheet_paths, self.hidden, self.defined_names = self._read_workbook_part()
        try:
            with _quiet_openpyxl():
                self.workbook = openpyxl.load_workbook(
                    io.BytesIO(data), read_only=True, data_only=True, keep_links=False
                )
        except Exception as exc:
            self.archive.close()
            raise QuestionnaireFileError("This workbook is malformed and cannot be read. Re-save it in Excel.") from exc
        self.sheet_names: list[str] = list(self.workbook.sheetnames)

    def close(self) -> None:
        """Releases the workbook's open archive."""
        self.workbook.close()
        self.archive.close()

    def __enter__(self) -> "XlsxBook":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def rows(self, sheet: str) -> list[tuple]:
        """The sheet's cached values, row 1 first, trailing empty rows dropped; counts against the cell budget."""
        if sheet not in self._rows:
            rows: list[tuple] = []
            try:
                with _quiet_openpyxl():
                    worksheet = self.workbook[sheet]
                    worksheet.reset_dimensions()
                    for row in worksheet.iter_rows(values_only=True):
                        filled = sum(1 for value in row if value is not None and value != "")
                        self._spend(filled=filled, blank=len(row) - filled)
                        rows.append(row)
            except QuestionnaireFileError:
                raise
            except Exception as exc:
                raise QuestionnaireFileError(f"The sheet {sheet!r} is malformed and cannot be read.") from exc
            while rows and not any(value not in (None, "") for value in rows[-1]):
                rows.pop()
            self._rows[sheet] = rows
        return self._rows[sheet]

    def head(self, sheet: str, count: int = 5) -> list[tuple]:
        """The sheet's first `count` rows, read without loading the rest of the sheet."""
        if sheet in self._rows:
            return self._rows[sheet][:count]
        try:
            with _quiet_openpyxl():
                worksheet = self.workbook[sheet]
                worksheet.reset_dimensions()
                rows = list(worksheet.iter_rows(max_row=count, values_only=True))
        except Exception as exc:
            raise QuestionnaireFileError(f"The sheet {sheet!r} is malformed and cannot be read.") from exc
        self.cells_read += sum(len(row) for row in rows)
        return rows

    def value(self, sheet: str, row: int, col: int) -> Any:
        """The cached value at 1-based (row, col), None outside the data."""
        rows = self.rows(sheet)
        if row < 1 or row > len(rows) or col < 1 or col > len(rows[row - 1]):
            return None
        return rows[row - 1][col - 1]

    def text(self, sheet: str, row: int, col: int) -> str:
        """The cached value at (row, col) as display text."""
        return cell_text(self.value(sheet, row, col))

    def extras(self, sheet: str) -> SheetExtras:
        """Formula cells, list validations (plain and x14) and merged ranges read from the sheet's XML."""
        if sheet not in self._extras:
            path = self.sheet_paths.get(sheet)
            self._extras[sheet] = _read_extras(self.archive, path) if path else SheetExtras()
            if self._extras[sheet].truncated:
                self.warnings.append(f"The sheet {sheet!r} has too many merged or dropdown ranges; some were ignored.")
        return self._extras[sheet]

    def is_formula(self, sheet: str, row: int, col: int) -> bool:
        """True when the cell holds a formula (its value is computed from elsewhere)."""
        return (row, col) in self.extras(sheet).formula_cells

    def choices(self, sheet: str, row: int, col: int) -> list[str]:
        """The cell's dropdown values in file order (inline lists, ranges, defined names); [] when it has none."""
        for validation in self.extras(sheet).validations:
            for min_col, min_row, max_col, max_row in validation.ranges:
                if min_row <= row <= max_row and min_col <= col <= max_col:
                    key = (sheet, validation.formula)
                    if key not in self._choices:
                        self._choices[key] = self._resolve_list(sheet, validation.formula, depth=0)
                    return list(self._choices[key])
        return []

    def filled_rows(self, sheet: str) -> list[list]:
        """The sheet's values with each merged range filled with its top-left value (clipped to the data)."""
        grid = [list(row) for row in self.rows(sheet)]
        width = max((len(row) for row in grid), default=0)
        for min_col, min_row, max_col, max_row in self.extras(sheet).merges:
            if min_row > len(grid) or min_col > width:
                continue
            top_left = self.value(sheet, min_row, min_col)
            for row in range(min_row, min(max_row, len(grid)) + 1):
                cells = grid[row - 1]
                last = min(max_col, width)
                if len(cells) < last:
                    cells.extend([None] * (last - len(cells)))
                self._spend(filled=last - min_col + 1)
                for col in range(min_col, last + 1):
                    cells[col - 1] = top_left
        return grid

    def _spend(self, *, filled: int, blank: int = 0) -> None:
        """Count cells read against the budget (blank ones against their own, larger one); refuse past it."""
        self.cells_read += filled
        self.blank_cells_read += blank
        if self.cells_read > self.max_cells or self.blank_cells_read > BLANK_CELLS_PER_CELL * self.max_cells:
            raise QuestionnaireFileError(
                f"This workbook has more than {self.max_cells:,} filled cells (or "
                f"{BLANK_CELLS_PER_CELL * self.max_cells:,} blank ones) to read; it cannot be "
                "imported. Delete unused tabs, rows or columns, or split it."
            )

    def _resolve_list(self, sheet: str, formula: str, *, depth: int) -> list[str]:
        formula = formula.strip().removeprefix("=")
        if formula.startswith('"'):
            inner = formula[1:-1] if formula.endswith('"') and len(formula) > 1 else formula[1:]
            return _unique(part.strip() for part in inner.replace('""', '"').split(","))
        reference = _REFERENCE.match(formula)
        if reference:
            target = reference.group("sheet") or sheet
            if target.startswith("'"):
                target = target[1:-1].replace("''", "'")
            if target not in self.sheet_names:
                return []
            min_col, min_row, max_col, max_row = range_boundaries(reference.group("range").replace("$", ""))
            if (max_col - min_col + 1) * (max_row - min_row + 1) > MAX_LIST_CELLS:
                return []
            return _unique(
                self.text(target, row, col)
                for row in range(min_row, max_row + 1)
                for col in range(min_col, max_col + 1)
            )
        if _NAME.match(formula) and depth < 3 and formula.lower() in self.defined_names:
            return self._resolve_list(sheet, self.defined_names[formula.lower()], depth=depth + 1)
        return []

    def _read_workbook_part(self) -> tuple[dict[str, str], set[str], dict[str, str]]:
        try:
            workbook = fromstring(self.archive.read("xl/workbook.xml"), forbid_dtd=True)
            rels = fromstring(self.archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
        except (KeyError, ParseError, DefusedXmlException) as exc:
            raise QuestionnaireFileError("This is not an Excel workbook (its workbook part is missing).") from exc
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{PKG_REL}Relationship")}
        paths: dict[str, str] = {}
        hidden: set[str] = set()
        for sheet in workbook.iter(f"{MAIN}sheet"):
            name, target = sheet.get("name", ""), targets.get(sheet.get(f"{DOC_REL}id"), "")
            if target:
                paths[name] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            if sheet.get("state") in ("hidden", "veryHidden"):
                hidden.add(name)
        names = {
            (defined.get("name") or "").lower(): (defined.text or "").strip()
            for defined in workbook.iter(f"{MAIN}definedName")
            if defined.get("localSheetId") is None
        }
        return paths, hidden, names


class _quiet_openpyxl(warnings.catch_warnings):
    """openpyxl warns about every Excel extension it drops; they are expected here and read separately."""

    def __enter__(self):
        result = super().__enter__()
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        return result


def _letters_to_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def _unique(values) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def parse_sqref(sqref: str) -> list[tuple[int, int, int, int]]:
    """The (min_col, min_row, max_col, max_row) boxes of a space-separated range list; bad parts are skipped."""
    boxes = []
    for part in sqref.split():
        try:
            min_col, min_row, max_col, max_row = range_boundaries(part.replace("$", ""))
        except (ValueError, TypeError):
            continue
        if None not in (min_col, min_row, max_col, max_row):
            boxes.append((min_col, min_row, max_col, max_row))
    return boxes


def _read_extras(archive: zipfile.ZipFile, path: str) -> SheetExtras:
    extras = SheetExtras()
    ranges = 0
    row_number, col_number = 0, 0
    sheet_data: Element | None = None
    try:
        with archive.open(path) as stream:
            for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
                tag = element.tag
                if event == "start":
                    if tag == f"{MAIN}sheetData":
                        sheet_data = element
                    elif tag == f"{MAIN}row":
                        row_number = int(element.get("r") or row_number + 1)
                        col_number = 0
                        if element.get("hidden") in ("1", "true"):
                            extras.hidden_rows.add(row_number)
                    elif tag == f"{MAIN}col" and element.get("hidden") in ("1", "true"):
                        first, last = int(element.get("min") or 0), int(element.get("max") or 0)
                        if 0 < first <= last and last - first < MAX_HIDDEN_SPAN:
                            extras.hidden_columns.update(range(first, last + 1))
                    continue
                if tag == f"{MAIN}c":
                    match = _CELL.match(element.get("r") or "")
                    col_number = _letters_to_index(match.group(1)) if match else col_number + 1
                    if element.find(f"{MAIN}f") is not None:
                        extras.formula_cells.add((row_number, col_number))
                elif tag == f"{MAIN}row" and sheet_data is not None:
                    sheet_data.remove(element)
                elif tag == f"{MAIN}mergeCell":
                    boxes = parse_sqref(element.get("ref") or "")
                    ranges += len(boxes)
                    extras.merges.extend(boxes)
                elif tag in (f"{MAIN}dataValidation", f"{X14}dataValidation") and element.get("type") == "list":
                    if tag == f"{MAIN}dataValidation":
                        formula, sqref = element.findtext(f"{MAIN}formula1"), element.get("sqref")
                    else:
                        formula, sqref = element.findtext(f"{X14}formula1/{XM}f"), element.findtext(f"{XM}sqref")
                    boxes = parse_sqref(sqref or "")
                    ranges += len(boxes)
                    if formula and boxes:
                        extras.validations.append(ListValidation(boxes, formula))
                if ranges > MAX_RANGES_PER_SHEET:
                    extras.truncated = True
                    break
    except (ParseError, DefusedXmlException, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise QuestionnaireFileError(f"The sheet part {path} is malformed and cannot be read.") from exc
    return extras
