"""Writing answers into a Word questionnaire: only word/document.xml changes, and in it only the answer cells and
paragraphs (see `docx_write`)."""

import codecs
import html
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from ..formats.docx import answer_label, is_placeholder
from .package import MARKUP, MAX_UNCOMPRESSED_BYTES, NON_UTF8_DECLARATION, XML_FORBIDDEN, WriteBackError, zip_with

DOCX_MAX_ANSWER_CHARS = 100_000
_DOCX_LOCATOR = re.compile(r"^(?:T([1-9]\d{0,5})\.R([1-9]\d{0,5})\.C([1-9]\d{0,3})|P([1-9]\d{0,6})(\+?))$")
_DOCX_ROOT = re.compile(rb"^(?:([A-Za-z_][\w.-]*):)?document$")
_DOCX_TEXT_SKIPPED = (b"del", b"txbxContent", b"tbl")  # as the reader: deleted text, text boxes, nested tables


def docx_write(data: bytes, writes: list[tuple[str, str]]) -> bytes:
    """Return the Word document with each (locator, text) written where `questionnaires.formats.docx` says: into
    a table cell or a paragraph, or as a new paragraph after one. Only word/document.xml changes, and in it only
    the targets; every other zip member is copied byte for byte."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise WriteBackError("The file is not a Word document.") from error
    with archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
            raise WriteBackError("The document is too large to process.")
        part = next((info.filename for info in infos if info.filename.lower() == "word/document.xml"), None)
        if part is None:
            raise WriteBackError("The file has no word/document.xml; it is not a Word document.")
        try:
            patched = _patch_document(archive.read(part), writes)
            return zip_with(archive, infos, {part: patched})
        except (zipfile.BadZipFile, KeyError, EOFError, RuntimeError, NotImplementedError, zlib.error) as error:
            raise WriteBackError(f"The document cannot be read: {error}.") from error


@dataclass(slots=True)
class _Node:
    name: bytes
    start: int
    tag_end: int
    end: int = -1
    close_start: int = -1  # stays -1 for an empty-element tag like <w:p/>
    children: list["_Node"] = field(default_factory=list)


def _scan_tree(part: bytes, what: str) -> _Node:
    """Every element of the part by offset, without building a parsed tree or resolving anything."""
    if part.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or NON_UTF8_DECLARATION.match(part):
        raise WriteBackError(f"The {what} is not UTF-8 XML.")
    stack: list[_Node] = []
    root = None
    position = part.find(b"<")
    while position != -1:
        match = MARKUP.match(part, position)
        if match is None:
            raise WriteBackError(f"The {what} is not well-formed XML near byte {position}.")
        position = part.find(b"<", match.end())
        name = match["name"]
        if name is None:  # comment, CDATA, processing instruction or DOCTYPE
            continue
        if match["close"]:
            if not stack or stack[-1].name != name:
                raise WriteBackError(f"The {what} is not well-formed XML near byte {match.start()}.")
            node = stack.pop()
            node.close_start, node.end = match.start(), match.end()
            continue
        node = _Node(name, match.start(), match.end())
        if stack:
            stack[-1].children.append(node)
        elif root is None:
            root = node
        else:
            raise WriteBackError(f"The {what} has more than one root element.")
        if match["empty"]:
            node.end = match.end()
        else:
            stack.append(node)
    if stack or root is None:
        raise WriteBackError(f"The {what} is not complete XML.")
    return root


def _patch_document(part: bytes, writes: list[tuple[str, str]]) -> bytes:
    root = _scan_tree(part, "document text (word/document.xml)")
    match = _DOCX_ROOT.match(root.name)
    if match is None:
        raise WriteBackError("word/document.xml is not a Word document body.")
    w = match[1] + b":" if match[1] else b""
    body = next((child for child in root.children if child.name == w + b"body"), None)
    if body is None:
        raise WriteBackError("The document has no body.")
    paragraphs = [child for child in body.children if child.name == w + b"p"]
    tables = [child for child in body.children if child.name == w + b"tbl"]

    def child(node: _Node | None, name: bytes) -> _Node | None:
        return next((item for item in node.children if item.name == w + name), None) if node else None

    def text_of(node: _Node) -> str:
        pieces, pending = [], [node]
        while pending:
            current = pending.pop()
            if current.name == w + b"t" and current.close_start != -1:
                pieces.append((current.start, part[current.tag_end : current.close_start]))
            elif not any(current.name == w + skipped for skipped in _DOCX_TEXT_SKIPPED) or current is node:
                pending.extend(current.children)
        return html.unescape(b"".join(text for _, text in sorted(pieces)).decode("utf-8", "replace"))

    def run_properties(paragraph: _Node | None, placeholder: bool) -> bytes:
        # A placeholder's look (grey, italic) is not the answer's; otherwise the answer looks like what it replaces.
        run = next((item for item in paragraph.children if item.name == w + b"r"), None) if paragraph else None
        properties = child(run, b"rPr")
        return b"" if placeholder or properties is None else part[properties.start : properties.end]

    def run(lines: list[bytes], properties: bytes) -> bytes:
        text = (b"<%sbr/>" % w).join(_docx_run_text(line, w) for line in lines)
        return b"<%sr>%s%s</%sr>" % (w, properties, text, w)

    def inner(node: _Node, keep: _Node | None, content: bytes) -> tuple[int, int, bytes]:
        """Replace everything in `node` after its `keep` child (its properties) with `content`."""
        if node.close_start == -1:
            opening = part[node.start : node.tag_end - 2].rstrip() + b">"
            return node.start, node.end, opening + content + b"</%s>" % node.name
        return (keep.end if keep is not None else node.tag_end), node.close_start, content

    edits: list[tuple[int, int, bytes]] = []
    seen: set[str] = set()
    for locator, value in writes:
        found = _DOCX_LOCATOR.match(locator)
        if found is None:
            raise WriteBackError(f"{locator!r} is not a place in a Word document (like 'T1.R2.C3' or 'P12').")
        if locator in seen:
            raise WriteBackError(f"{locator} is written twice.")
        seen.add(locator)
        lines = _docx_lines(value, locator)
        if found[1]:
            cell = _docx_cell(tables, w, [int(found[index]) for index in (1, 2, 3)])
            if child(cell, b"tbl") is not None:
                raise WriteBackError(f"Cell {locator} holds a table of its own; answer it in the document itself.")
            first = child(cell, b"p")
            paragraph_properties = child(first, b"pPr")
            kept = b"" if paragraph_properties is None else part[paragraph_properties.start : paragraph_properties.end]
            properties = run_properties(first, is_placeholder(text_of(cell)))
            content = b"".join(b"<%sp>%s%s</%sp>" % (w, kept, run([line], properties), w) for line in lines)
            edits.append(inner(cell, child(cell, b"tcPr"), content))
            continue
        number = int(found[4])
        if number > len(paragraphs):
            raise WriteBackError(f"The document has no paragraph {number} (it has {len(paragraphs)}).")
        paragraph = paragraphs[number - 1]
        if found[5]:
            edits.append((paragraph.end, paragraph.end, b"<%sp>%s</%sp>" % (w, run(lines, b""), w)))
            continue
        label, rest = answer_label(text_of(paragraph).strip())
        if label:
            lines[0] = _docx_lines(f"{label} ", locator)[0] + lines[0]
        properties = run_properties(paragraph, is_placeholder(rest))
        edits.append(inner(paragraph, child(paragraph, b"pPr"), run(lines, properties)))

    edits.sort(key=lambda edit: (edit[0], edit[1]))
    pieces, cursor = [], 0
    for start, end, content in edits:
        if start < cursor:
            raise WriteBackError("Two answers would be written into the same place of the document.")
        pieces += [part[cursor:start], content]
        cursor = end
    pieces.append(part[cursor:])
    return b"".join(pieces)


def _docx_cell(tables: list[_Node], w: bytes, numbers: list[int]) -> _Node:
    table_number, row_number, cell_number = numbers
    if table_number > len(tables):
        raise WriteBackError(f"The document has no table {table_number} (it has {len(tables)}).")
    rows = [item for item in tables[table_number - 1].children if item.name == w + b"tr"]
    if row_number > len(rows):
        raise WriteBackError(f"Table {table_number} has no row {row_number} (it has {len(rows)}).")
    cells = [item for item in rows[row_number - 1].children if item.name == w + b"tc"]
    if cell_number > len(cells):
        raise WriteBackError(f"Row {row_number} of table {table_number} has no cell {cell_number}.")
    return cells[cell_number - 1]


def _docx_lines(value: str, where: str) -> list[bytes]:
    """The escaped text of each line of `value`, with characters XML cannot hold removed."""
    text = XML_FORBIDDEN.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > DOCX_MAX_ANSWER_CHARS:
        raise WriteBackError(f"The text for {where} is longer than {DOCX_MAX_ANSWER_CHARS:,} characters.")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return [line.encode("utf-8") for line in escaped.split("\n")]


def _docx_run_text(line: bytes, w: bytes) -> bytes:
    """A line as run content: text in <w:t> (spaces kept), tabs as <w:tab/>."""
    pieces = line.split(b"\t")
    return (b"<%stab/>" % w).join(b'<%st xml:space="preserve">%s</%st>' % (w, piece, w) for piece in pieces)
