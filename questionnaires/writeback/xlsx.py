"""Writing answers into the customer's own .xlsx or .csv file, changing nothing else.

openpyxl's load + save drops x14 dropdowns, extended conditional formatting and cached formula values,
so .xlsx files are patched at the byte level instead: each target <c> element in the sheet XML is
replaced (or inserted, with its <row> if needed) and every other byte of the part, and every other zip
member, is carried over as it was (same order, compression type, timestamps and attributes; the
compressed bytes may differ, the uncompressed bytes do not). <dimension>, calcChain and sharedStrings
are left as they were.

Values are always stored as inline strings, which no spreadsheet evaluates, so text starting with
= + - @ tab or CR lands as that text, not as a formula. CSV has no such cell type, so written CSV values
that a spreadsheet would evaluate get a leading apostrophe instead.

Refused with WriteBackError, before anything is written: a cell holding a formula (the caller writes the
cell the formula reads from), a cell covered by a merged range or an array formula other than its
top-left cell, an unknown sheet, a malformed or repeated reference, text over Excel's 32,767 characters,
and files that are not readable UTF-8 .xlsx workbooks.
"""

import codecs
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass

from defusedxml import ElementTree as SafeElementTree

from fileformats import FileRejected
from fileformats.cells import neutralise
from fileformats.csvtext import csv_decode, csv_encode, csv_rows

from .package import MARKUP, MAX_UNCOMPRESSED_BYTES, NON_UTF8_DECLARATION, XML_FORBIDDEN, WriteBackError, zip_with

MAX_CELL_CHARS = 32_767  # Excel's limit, counted in UTF-16 code units as Excel counts them
MAX_COLUMN = 16_384
MAX_ROW = 1_048_576
_CELL_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_RANGE_REF = re.compile(rb"^\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?$")
# Excel decodes _xHHHH_ in cell text as a character escape; a literal one must have its "_" escaped.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_REPLACED_CELL_ATTRS = {b"t", b"vm", b"cm"}  # they describe the old value, which is gone
_ROOT_NAME = re.compile(rb"(?:([A-Za-z_][\w.-]*):)?worksheet$")


@dataclass(frozen=True)
class CellWrite:
    sheet: str  # sheet name as shown in the workbook
    cell: str  # A1 reference, e.g. "C5"
    value: str  # stored as an inline string, never as a formula


def xlsx_write_cells(data: bytes, writes: list[CellWrite]) -> bytes:
    """Return the workbook with exactly these cells set to inline text (= + - @ stay text); all else byte-identical."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise WriteBackError("The file is not an .xlsx workbook.") from error
    with archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
            raise WriteBackError("The workbook is too large to process.")
        try:
            return _rewrite(archive, infos, writes)
        except (zipfile.BadZipFile, KeyError, EOFError, RuntimeError, NotImplementedError, zlib.error) as error:
            raise WriteBackError(f"The workbook cannot be read: {error}.") from error


def csv_write_cells(data: bytes, writes: list[tuple[int, int, str]]) -> bytes:
    """Return the CSV with these 0-based (row, column) cells set, formula-like values neutralised, other cells kept."""
    try:
        source = csv_decode(data)
        rows = csv_rows(source, max_rows=1_000_000, max_cells=50_000_000)
    except FileRejected as error:
        raise WriteBackError(str(error)) from error
    seen: set[tuple[int, int]] = set()
    for row_index, column_index, value in writes:
        if row_index < 0 or column_index < 0:
            raise WriteBackError(f"Row and column must be 0 or more, not ({row_index}, {column_index}).")
        if (row_index, column_index) in seen:
            raise WriteBackError(f"Cell ({row_index}, {column_index}) is written twice.")
        seen.add((row_index, column_index))
        rows.extend([] for _ in range(row_index + 1 - len(rows)))
        row = rows[row_index]
        row.extend("" for _ in range(column_index + 1 - len(row)))
        row[column_index] = neutralise(value)
    return csv_encode(rows, like=source)


def _rewrite(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], writes: list[CellWrite]) -> bytes:
    names = {info.filename.lower(): info.filename for info in infos}
    sheet_parts = _sheet_parts(archive, names)
    by_part: dict[str, dict[tuple[int, int], bytes]] = {}
    for write in writes:
        if write.sheet not in sheet_parts:
            known = ", ".join(repr(name) for name in sheet_parts)
            raise WriteBackError(f"The workbook has no worksheet named {write.sheet!r} (it has {known}).")
        position = _parse_cell_ref(write.cell)
        targets = by_part.setdefault(sheet_parts[write.sheet], {})
        if position in targets:
            raise WriteBackError(f"{write.sheet}!{write.cell} is written twice.")
        targets[position] = _cell_text(write.value, f"{write.sheet}!{write.cell}")

    sheet_of_part = {part: sheet for sheet, part in sheet_parts.items()}
    patched = {
        part: _patch_sheet(archive.read(part), targets, sheet_of_part[part]) for part, targets in by_part.items()
    }
    return zip_with(archive, infos, patched)


def _sheet_parts(archive: zipfile.ZipFile, names: dict[str, str]) -> dict[str, str]:
    """Sheet name → zip member of its worksheet part, resolved through the package relationships."""
    workbook = _related_parts(archive, names, "", "/officeDocument")
    if not workbook:
        raise WriteBackError("The file has no workbook part; it is not an .xlsx workbook.")
    workbook_part = next(iter(workbook.values()))
    worksheets = _related_parts(archive, names, workbook_part, "/worksheet")
    parts = {}
    sheets = [element for element in _parse_xml(archive.read(workbook_part)) if element.tag.endswith("}sheets")]
    for element in sheets[0] if sheets else ():
        relationship_id = next((value for key, value in element.attrib.items() if key.endswith("}id")), None)
        if relationship_id in worksheets:
            parts[element.get("name", "")] = worksheets[relationship_id]
    return parts


def _related_parts(archive: zipfile.ZipFile, names: dict[str, str], source: str, type_suffix: str) -> dict[str, str]:
    """Relationship id → existing zip member, for internal relationships of `source` whose type ends so."""
    directory, filename = posixpath.split(source)
    rels = names.get(posixpath.join(directory, "_rels", f"{filename}.rels").lower())
    if rels is None:
        return {}
    related = {}
    for element in _parse_xml(archive.read(rels)).iter():
        if element.get("TargetMode") == "External" or not element.get("Type", "").endswith(type_suffix):
            continue
        target = element.get("Target", "")
        # OPC part names are case-insensitive and targets are relative to the source's folder unless absolute.
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(directory, target)
        member = names.get(posixpath.normpath(path).lower())
        if member is not None:
            related[element.get("Id")] = member
    return related


def _parse_xml(content: bytes):
    try:
        return SafeElementTree.fromstring(content)
    except (SafeElementTree.ParseError, ValueError) as error:  # ValueError: defusedxml's refusals
        raise WriteBackError(f"The workbook structure cannot be read: {error}.") from error


def _parse_cell_ref(ref: str) -> tuple[int, int]:
    match = _CELL_REF.match(ref.upper())
    if not match:
        raise WriteBackError(f"{ref!r} is not a cell reference like 'C5'.")
    row, column = int(match[2]), _column_number(match[1])
    if row > MAX_ROW or column > MAX_COLUMN:
        raise WriteBackError(f"{ref!r} is outside the sheet.")
    return row, column


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell_text(value: str, where: str) -> bytes:
    """The escaped <t> content for `value`, with characters XML cannot hold removed."""
    text = XML_FORBIDDEN.sub("", value)
    if len(text.encode("utf-16-le")) // 2 > MAX_CELL_CHARS:
        raise WriteBackError(f"The text for {where} is longer than {MAX_CELL_CHARS:,} characters.")
    text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    # XML parsers turn a literal CR into LF, so it travels as a character reference.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return text.encode("utf-8")


@dataclass
class _Element:
    name: bytes
    start: int  # offset of its "<"
    tag_end: int  # offset just after its start tag
    end: int = -1  # offset just after the whole element
    close_start: int = -1  # offset of its end tag; stays -1 for an empty-element tag like <row r="4"/>
    number: int = 0  # row number of a <row>, column number of a <c>
    attrs: bytes = b""
    has_formula: bool = False


@dataclass
class _Sheet:
    prefix: bytes
    sheet_data: _Element
    rows: list[_Element]
    cells: dict[int, list[_Element]]  # row number → its cells in document order
    covered: list[tuple[int, int, int, int, str]]  # areas where only the top-left cell may be written


def _scan_sheet(part: bytes, sheet: str) -> _Sheet:
    """Locate rows, cells, formulas, merged ranges and array formulas by offset, without building a tree."""
    if part.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or NON_UTF8_DECLARATION.match(part):
        raise WriteBackError(f"Sheet {sheet!r} is not UTF-8 XML.")
    malformed = f"Sheet {sheet!r} is not well-formed XML"
    stack: list[bytes] = []
    open_elements: list[_Element | None] = []
    prefix = b""
    sheet_data = row = cell = None
    rows: list[_Element] = []
    cells: dict[int, list[_Element]] = {}
    covered = []
    position = part.find(b"<")
    while position != -1:
        match = MARKUP.match(part, position)
        if match is None:
            raise WriteBackError(f"{malformed} near byte {position}.")
        position = part.find(b"<", match.end())
        name = match["name"]
        if name is None:  # comment, CDATA, processing instruction or DOCTYPE
            continue
        if match["close"]:
            if not stack or stack.pop() != name:
                raise WriteBackError(f"{malformed} near byte {match.start()}.")
            element = open_elements.pop()
            if element is not None:
                element.close_start, element.end = match.start(), match.end()
            continue
        parent = stack[-1] if stack else None
        attrs = match["attrs"]
        element = None
        if parent is None:
            root = _ROOT_NAME.match(name)
            if root is None:
                raise WriteBackError(f"The part for sheet {sheet!r} is not a worksheet.")
            prefix = name[: -len(b"worksheet")]
        elif name == prefix + b"sheetData" and len(stack) == 1:
            element = sheet_data = _Element(name, match.start(), match.end())
        elif name == prefix + b"row" and parent == prefix + b"sheetData":
            number = _attr_int(attrs, b"r") or (rows[-1].number + 1 if rows else 1)
            element = row = _Element(name, match.start(), match.end(), number=number)
            rows.append(row)
            cells.setdefault(number, [])
        elif name == prefix + b"c" and parent == prefix + b"row" and row is not None:
            siblings = cells[row.number]
            column = _ref_column(_attr(attrs, b"r")) or (siblings[-1].number + 1 if siblings else 1)
            element = cell = _Element(name, match.start(), match.end(), number=column, attrs=attrs)
            siblings.append(cell)
        elif name == prefix + b"f" and parent == prefix + b"c" and cell is not None:
            cell.has_formula = True
            area = _parse_range(_attr(attrs, b"ref"))
            if area and _attr(attrs, b"t") in (b"array", b"dataTable"):
                covered.append((*area, "an array formula or data table; it cannot hold an answer"))
        elif name == prefix + b"mergeCell" and parent == prefix + b"mergeCells":
            area = _parse_range(_attr(attrs, b"ref"))
            if area:
                covered.append((*area, "a merged range; write its top-left cell instead"))
        if match["empty"]:
            if element is not None:
                element.end = match.end()
        else:
            stack.append(name)
            open_elements.append(element)
    if stack or sheet_data is None:
        raise WriteBackError(f"Sheet {sheet!r} has no complete <sheetData>.")
    return _Sheet(prefix, sheet_data, rows, cells, covered)


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    for key, value in _ATTR.findall(attrs):
        if key == name:
            return value[1:-1]
    return None


def _attr_int(attrs: bytes, name: bytes) -> int | None:
    value = _attr(attrs, name)
    return int(value) if value and value.isdigit() else None


def _ref_column(ref: bytes | None) -> int | None:
    letters = re.match(rb"[A-Z]+", ref or b"")
    return _column_number(letters[0].decode()) if letters else None


def _parse_range(ref: bytes | None) -> tuple[int, int, int, int] | None:
    match = _RANGE_REF.match(ref or b"")
    if match is None:
        return None
    first_column, first_row = _column_number(match[1].decode()), int(match[2])
    last_column = _column_number(match[3].decode()) if match[3] else first_column
    last_row = int(match[4]) if match[4] else first_row
    return first_row, first_column, last_row, last_column


def _patch_sheet(part: bytes, targets: dict[tuple[int, int], bytes], sheet: str) -> bytes:
    """Return the sheet part with each target cell replaced or inserted and every other byte unchanged."""
    scanned = _scan_sheet(part, sheet)
    p = scanned.prefix
    for row_number, column in targets:
        for first_row, first_column, last_row, last_column, what in scanned.covered:
            inside = first_row <= row_number <= last_row and first_column <= column <= last_column
            if inside and (row_number, column) != (first_row, first_column):
                where = f"{sheet}!{_column_letters(column)}{row_number}"
                raise WriteBackError(f"{where} lies inside {what}.")

    def new_cell(row_number: int, column: int, existing: _Element | None) -> bytes:
        attrs = [] if existing is None else _ATTR.findall(existing.attrs)
        kept = [b" %s=%s" % (key, value) for key, value in attrs if key not in _REPLACED_CELL_ATTRS]
        if not any(key == b"r" for key, _ in attrs):
            kept.insert(0, b' r="%s%d"' % (_column_letters(column).encode(), row_number))
        text = targets[(row_number, column)]
        return b'<%sc%s t="inlineStr"><%sis><%st xml:space="preserve">%s</%st></%sis></%sc>' % (
            p, b"".join(kept), p, p, text, p, p, p
        )  # fmt: skip

    replacements: list[tuple[int, int, bytes]] = []
    insertions: dict[int, list[bytes]] = {}
    appends: dict[int, tuple[_Element, list[bytes]]] = {}  # content added at the end of a container

    def insert(before: _Element | None, container: _Element, content: bytes) -> None:
        if before is not None:
            insertions.setdefault(before.start, []).append(content)
        else:
            appends.setdefault(container.start, (container, []))[1].append(content)

    rows_by_number: dict[int, _Element] = {}
    for row in scanned.rows:
        rows_by_number.setdefault(row.number, row)
    by_row: dict[int, list[int]] = {}
    for row_number, column in sorted(targets):
        by_row.setdefault(row_number, []).append(column)

    for row_number, columns in by_row.items():
        row = rows_by_number.get(row_number)
        if row is None:
            content = b'<%srow r="%d">%s</%srow>' % (
                p, row_number, b"".join(new_cell(row_number, column, None) for column in columns), p
            )  # fmt: skip
            following = next((other for other in scanned.rows if other.number > row_number), None)
            insert(following, scanned.sheet_data, content)
            continue
        cells = scanned.cells[row_number]
        by_column = {}
        for existing in cells:
            by_column.setdefault(existing.number, existing)
        for column in columns:
            existing = by_column.get(column)
            if existing is None:
                following = next((other for other in cells if other.number > column), None)
                insert(following, row, new_cell(row_number, column, None))
            elif existing.has_formula:
                where = f"{sheet}!{_column_letters(column)}{row_number}"
                raise WriteBackError(f"{where} holds a formula; write the cell it reads from instead.")
            else:
                replacements.append((existing.start, existing.end, new_cell(row_number, column, existing)))

    for container, contents in appends.values():
        if container.close_start == -1:
            # <row .../> or <sheetData/> must be opened up to hold its first children.
            opening = part[container.start : container.tag_end - 2] + b">"
            closing = b"</%s>" % container.name
            replacements.append((container.start, container.end, opening + b"".join(contents) + closing))
        else:
            insertions.setdefault(container.close_start, []).extend(contents)
    edits = sorted([*replacements, *((at, at, b"".join(contents)) for at, contents in insertions.items())])

    pieces = []
    cursor = 0
    for start, end, content in edits:
        pieces += [part[cursor:start], content]
        cursor = end
    pieces.append(part[cursor:])
    return b"".join(pieces)
