"""CSV files as people save them: one decoder, one delimiter detector, one reader and one writer, so a file
we write back has the delimiter, line ends and byte-order mark of the file we read."""

import codecs
import csv
import io
from dataclasses import dataclass

from . import FileRejected

DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class CsvText:
    text: str
    delimiter: str
    line_end: str
    has_bom: bool


def csv_decode(data: bytes) -> CsvText:
    """The file as text with its dialect; refuses non-UTF-8 text, binary data and workbooks."""
    if data.startswith(b"PK\x03\x04"):
        raise FileRejected("This looks like an Excel workbook, not a CSV file. Upload it as .xlsx.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(
            "This CSV file is not UTF-8 text. In Excel choose Save As > 'CSV UTF-8 (Comma delimited)' and upload again."
        ) from error
    if "\x00" in text:
        raise FileRejected("This CSV file contains binary data; is it really a CSV file?")
    line_end = "\n" if "\n" in text and "\r\n" not in text else "\r\n"
    return CsvText(text, delimiter_detect(text), line_end, data.startswith(codecs.BOM_UTF8))


def delimiter_detect(text: str) -> str:
    """The delimiter of the first lines: the candidate that splits the header row most, comma on a tie."""
    try:
        return csv.Sniffer().sniff(text[:65_536], delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = text.split("\n", 1)[0]
        best = max(DELIMITERS, key=first_line.count)
        return best if first_line.count(best) else ","


def csv_rows(source: CsvText, *, max_rows: int, max_cells: int) -> list[list[str]]:
    """Every row as a list of cells; refuses malformed files and files over the caps."""
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=source.delimiter, strict=True)
    rows: list[list[str]] = []
    cells = 0
    try:
        for row in reader:
            cells += len(row)
            if len(rows) >= max_rows or cells > max_cells:
                raise FileRejected(f"This CSV file is too large (limit {max_rows:,} rows and {max_cells:,} cells).")
            rows.append(row)
    except csv.Error as error:
        raise FileRejected(f"This CSV file is malformed (line {reader.line_num}: {error}).") from error
    return rows


def csv_encode(rows: list[list[str]], *, like: CsvText | None = None) -> bytes:
    """Rows as CSV bytes in the dialect of `like` (plain UTF-8 CSV otherwise). Cells are written as given:
    callers neutralise the values they put in, and leave the customer's own cells alone."""
    buffer = io.StringIO(newline="")
    delimiter = like.delimiter if like else ","
    line_end = like.line_end if like else "\r\n"
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    result = buffer.getvalue()
    if like is not None and like.text and not like.text.endswith(("\n", "\r")):
        result = result.removesuffix(line_end)
    return (codecs.BOM_UTF8 if like is not None and like.has_bom else b"") + result.encode("utf-8")
