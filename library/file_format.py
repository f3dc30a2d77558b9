"""Reading and writing the library's CSV/XLSX exchange format, with row-level validation.

Header: key,question,answer,short_answer,category,classification,aliases[,sources]; aliases are
separated by " | ". Nothing here touches the database: parsing returns rows and errors, and the
import service decides.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field

from fileformats import FileRejected
from fileformats.cells import neutralise, unneutralise
from fileformats.csvtext import csv_decode, csv_encode, csv_rows
from fileformats.safety import open_xlsx_archive
from fileformats.uploads import LIBRARY_FILE, upload_check

from .models import Classification, ShortAnswer

REQUIRED_COLUMNS = ("key", "question", "answer", "short_answer", "category", "classification", "aliases")
OPTIONAL_COLUMNS = ("sources",)
# The import columns plus status and version (the command-line contract), then the internal sources notes.
EXPORT_COLUMNS = (*REQUIRED_COLUMNS, "status", "version", "sources")
ALIAS_SEPARATOR = " | "
MAX_ROWS = 5000
MAX_CELL_CHARS = 20_000
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
CATEGORY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SHORT_ANSWER_SPELLINGS = {
    "": ShortAnswer.NONE,
    "yes": ShortAnswer.YES,
    "y": ShortAnswer.YES,
    "no": ShortAnswer.NO,
    "n": ShortAnswer.NO,
    "na": ShortAnswer.NA,
    "n/a": ShortAnswer.NA,
    "not applicable": ShortAnswer.NA,
}


class LibraryFileError(FileRejected):
    """The file as a whole cannot be read (size, format, header)."""


@dataclass
class LibraryRow:
    line: int
    key: str
    question: str
    answer: str
    short_answer: str
    category: str
    classification: str
    aliases: list[str]
    sources: str


@dataclass
class ParsedLibrary:
    rows: list[LibraryRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _records_from_csv(data: bytes) -> list[list[str]]:
    return csv_rows(csv_decode(data), max_rows=MAX_ROWS + 2, max_cells=(MAX_ROWS + 2) * 50)


def _records_from_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    open_xlsx_archive(data).close()  # the same zip-bomb, macro and XML checks as every other workbook
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise LibraryFileError("The file is not a readable XLSX workbook.") from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        records = []
        for row in sheet.iter_rows(values_only=True, max_col=len(EXPORT_COLUMNS) + 5):
            records.append(["" if cell is None else str(cell) for cell in row])
            if len(records) > MAX_ROWS + 1:
                break
        return records
    finally:
        workbook.close()


def parse_library_file(filename: str, data: bytes) -> ParsedLibrary:
    """Parse and validate every row; errors name the row (as numbered in the spreadsheet)."""
    if upload_check(LIBRARY_FILE, filename, data) == ".csv":
        records = _records_from_csv(data)
    else:
        records = _records_from_xlsx(data)
    if not records:
        raise LibraryFileError("The file is empty.")
    header = [cell.strip().lower() for cell in records[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise LibraryFileError(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"The first row must name: {','.join(REQUIRED_COLUMNS)} (sources optional)."
        )
    if len(records) - 1 > MAX_ROWS:
        raise LibraryFileError(f"The file has more than {MAX_ROWS} rows.")
    index = {column: header.index(column) for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if column in header}
    parsed = ParsedLibrary()
    seen: dict[str, int] = {}
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {
            column: unneutralise(record[position].strip()) if position < len(record) else ""
            for column, position in index.items()
        }
        row_errors = _row_errors(values)
        key = values["key"]
        if key in seen:
            row_errors.append(f"key '{key}' already appears in row {seen[key]}")
        elif key:
            seen[key] = line
        if row_errors:
            parsed.errors.extend(f"Row {line}: {message}." for message in row_errors)
            continue
        parsed.rows.append(
            LibraryRow(
                line=line,
                key=key,
                question=values["question"],
                answer=values["answer"],
                short_answer=SHORT_ANSWER_SPELLINGS[values["short_answer"].lower()],
                category=values["category"].lower(),
                classification=values["classification"].lower(),
                aliases=[a.strip() for a in values["aliases"].split("|") if a.strip()],
                sources=values.get("sources", ""),
            )
        )
    if not parsed.rows and not parsed.errors:
        parsed.errors.append("The file has a header but no entries.")
    return parsed


def _row_errors(values: dict[str, str]) -> list[str]:
    errors = []
    if not KEY_PATTERN.match(values["key"]):
        errors.append(
            f"key '{values['key'][:40]}' must be lower-case letters, digits and hyphens (up to 100)"
            if values["key"]
            else "key is empty"
        )
    for column in ("question", "answer"):
        if not values[column]:
            errors.append(f"{column} is empty")
    for column, value in values.items():
        if len(value) > MAX_CELL_CHARS:
            errors.append(f"{column} is longer than {MAX_CELL_CHARS:,} characters")
    if values["short_answer"].lower() not in SHORT_ANSWER_SPELLINGS:
        errors.append(f"short_answer '{values['short_answer'][:20]}' must be Yes, No, NA or empty")
    if values["classification"].lower() not in Classification.values:
        errors.append(
            f"classification '{values['classification'][:20]}' must be one of {', '.join(Classification.values)}"
        )
    if not CATEGORY_PATTERN.match(values["category"].lower()):
        errors.append("category must be a short lower-case word (letters, digits, hyphens)")
    return errors


def export_rows(entries) -> list[list[str]]:
    """The export table (header first) for entries whose `export_version` attribute is set."""
    table = [list(EXPORT_COLUMNS)]
    for entry in entries:
        version = entry.export_version
        table.append(
            [
                neutralise(value)
                for value in (
                    entry.key,
                    version.question,
                    version.answer,
                    version.short_answer,
                    entry.category,
                    entry.classification,
                    ALIAS_SEPARATOR.join(version.alias_list),
                    version.status,
                    str(version.number),
                    version.sources,
                )
            ]
        )
    return table


def write_csv(table: list[list[str]]) -> bytes:
    return csv_encode(table)


def write_xlsx(table: list[list[str]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Library")
    for row in table:
        # Cells are written as text: neutralised values never become formulas.
        sheet.append([openpyxl.cell.WriteOnlyCell(sheet, value=value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
