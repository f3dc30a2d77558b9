"""Reading WordprocessingML for the Word questionnaire reader: the checked package's document, styles (which
paragraphs are headings or list items) and numbering (what number a list item shows), and the text of a
paragraph or a table cell as a person reads it (deleted text, text boxes and nested tables left out)."""

import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from fileformats.safety import open_docx_archive

from .parsed import QuestionnaireFileError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STRICT_W = "{http://purl.oclc.org/ooxml/wordprocessingml/main}"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"))
_ROMAN += ((9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_SKIPPED_SUBTREES = {
    W + "del",
    W + "txbxContent",
    W + "tbl",
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent",
}


@dataclass
class Cell:
    index: int  # 1-based among the row's <w:tc>
    start: int  # first grid column, 0-based
    span: int
    text: str
    continued: bool  # a vertically merged cell below the first: shows the cell above it

    def covers(self, column: int) -> bool:
        return self.start <= column < self.start + self.span


class Document:
    """The body's top-level paragraphs and tables, with what styles and numbering say about them."""

    def __init__(self, data: bytes):
        with open_docx_archive(data) as archive:
            names = {info.filename.lower(): info.filename for info in archive.infolist()}
            root = _xml(archive, names["word/document.xml"])
            styles = _xml(archive, names["word/styles.xml"]) if "word/styles.xml" in names else None
            numbering = _xml(archive, names["word/numbering.xml"]) if "word/numbering.xml" in names else None
        if root.tag == STRICT_W + "document":
            raise QuestionnaireFileError(
                "This document is saved as Strict Open XML. Save it as a Word Document (.docx) and upload it again."
            )
        body = root.find(W + "body")
        if root.tag != W + "document" or body is None:
            raise QuestionnaireFileError("This .docx file has no document body; it is not a Word document.")
        self.blocks = [child for child in body if child.tag in (W + "p", W + "tbl")]
        self.tables = [table_cells(block) for block in self.blocks if block.tag == W + "tbl"]
        self.headings, self.listed = _styles(styles)
        self.numbering = _Numbering(numbering)

    def is_heading(self, paragraph: Element) -> bool:
        properties = paragraph.find(W + "pPr")
        if properties is None:
            return False
        level = properties.find(W + "outlineLvl")
        if level is not None and level.get(W + "val", "9").isdigit() and int(level.get(W + "val", "9")) < 9:
            return True
        style = properties.find(W + "pStyle")
        return style is not None and style.get(W + "val") in self.headings

    def list_level(self, paragraph: Element) -> tuple[str, int] | None:
        """(numbering id, level) of a list item, from the paragraph or its style; None when it is not one."""
        properties = paragraph.find(W + "pPr")
        if properties is None:
            return None
        number = properties.find(W + "numPr")
        style = properties.find(W + "pStyle")
        num_id = level = None
        if number is not None:
            num_id = _val(number.find(W + "numId"))
            level = _val(number.find(W + "ilvl"))
        if num_id is None and style is not None:
            num_id = self.listed.get(style.get(W + "val", ""))
        if num_id is None or num_id == "0":
            return None
        return num_id, int(level) if level and level.isdigit() else 0


def _xml(archive: zipfile.ZipFile, name: str) -> Element:
    try:
        return fromstring(archive.read(name), forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise QuestionnaireFileError(f"This .docx file is damaged ({name} is not readable XML).") from exc


def _val(element: Element | None) -> str | None:
    return None if element is None else element.get(W + "val")


def _styles(root: Element | None) -> tuple[set[str], dict[str, str]]:
    """Heading style ids, and style id → numbering id for list styles (following basedOn)."""
    if root is None:
        return set(), {}
    names, based_on, numbered, outline = {}, {}, {}, set()
    for style in root.iter(W + "style"):
        style_id = style.get(W + "styleId", "")
        names[style_id] = (_val(style.find(W + "name")) or "").lower()
        based_on[style_id] = _val(style.find(W + "basedOn"))
        num_id = _val(style.find(f"{W}pPr/{W}numPr/{W}numId"))
        if num_id:
            numbered[style_id] = num_id
        level = _val(style.find(f"{W}pPr/{W}outlineLvl"))
        if level and level.isdigit() and int(level) < 9:
            outline.add(style_id)

    def chain(style_id: str) -> list[str]:
        seen: list[str] = []
        while style_id and style_id not in seen and len(seen) < 20:
            seen.append(style_id)
            style_id = based_on.get(style_id) or ""
        return seen

    headings, listed = set(), {}
    for style_id in names:
        ancestry = chain(style_id)
        if any(re.match(r"heading \d", names.get(item, "")) or item in outline for item in ancestry):
            headings.add(style_id)
        num_id = next((numbered[item] for item in ancestry if item in numbered), None)
        if num_id:
            listed[style_id] = num_id
    return headings, listed


class _Numbering:
    """Counts list items as Word shows them ("2", "2.1", "b"), per list (abstract numbering), honouring start
    values; close enough to name a question when the document has no number of its own in the text."""

    _FORMATS = {"decimal", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman", "decimalZero"}

    def __init__(self, root: Element | None):
        self.abstract_of: dict[str, str] = {}
        self.levels: dict[str, dict[int, tuple[int, str]]] = {}
        self.counters: dict[str, list[int]] = {}
        if root is None:
            return
        for abstract in root.iter(W + "abstractNum"):
            levels = {}
            for level in abstract.iter(W + "lvl"):
                start = _val(level.find(W + "start")) or "1"
                levels[int(level.get(W + "ilvl", "0") or 0)] = (
                    int(start) if start.isdigit() else 1,
                    _val(level.find(W + "numFmt")) or "decimal",
                )
            self.levels[abstract.get(W + "abstractNumId", "")] = levels
        for num in root.iter(W + "num"):
            self.abstract_of[num.get(W + "numId", "")] = _val(num.find(W + "abstractNumId")) or ""

    def label(self, num_id: str, level: int) -> str:
        """The next item's number at this level; "" for bullets and formats with no number."""
        level = min(level, 8)
        abstract = self.abstract_of.get(num_id, num_id)
        levels = self.levels.get(abstract, {})
        counters = self.counters.setdefault(abstract, [0] * 9)
        counters[level] += 1
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        parts = []
        for depth in range(level + 1):
            start, kind = levels.get(depth, (1, "decimal"))
            if kind not in self._FORMATS:
                return ""
            parts.append(_format_number(max(counters[depth], 1) - 1 + start, kind))
        return ".".join(parts)


def _format_number(value: int, kind: str) -> str:
    if kind in ("lowerLetter", "upperLetter"):
        letters = ""
        while value > 0:
            value, remainder = divmod(value - 1, 26)
            letters = chr(97 + remainder) + letters
        return letters.upper() if kind == "upperLetter" else letters
    if kind in ("lowerRoman", "upperRoman"):
        numerals = ""
        for amount, numeral in _ROMAN:
            count, value = divmod(value, amount)
            numerals += numeral * count
        return numerals.upper() if kind == "upperRoman" else numerals
    return str(value)


def text_of(element: Element) -> str:
    """The text a reader sees in a paragraph or cell: tabs and line breaks kept, deleted text and text boxes left
    out, a cell's paragraphs on their own lines (nested tables left out)."""
    parts: list[str] = []

    def walk(node: Element) -> None:
        for child in node:
            tag = child.tag
            if tag in _SKIPPED_SUBTREES:
                continue
            if tag == W + "t":
                parts.append(child.text or "")
            elif tag == W + "tab":
                parts.append("\t")
            elif tag in (W + "br", W + "cr"):
                parts.append("\n")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            elif tag == W + "p":
                if parts and parts[-1] != "\n":
                    parts.append("\n")
                walk(child)
                parts.append("\n")
            else:
                walk(child)

    walk(element)
    return "".join(parts).strip()


def table_cells(table: Element) -> list[list[Cell]]:
    rows = []
    for row in table.findall(W + "tr"):
        before = _val(row.find(f"{W}trPr/{W}gridBefore"))
        column = int(before) if before and before.isdigit() else 0
        cells = []
        for index, cell in enumerate(row.findall(W + "tc"), start=1):
            span = _val(cell.find(f"{W}tcPr/{W}gridSpan"))
            span_count = max(int(span), 1) if span and span.isdigit() else 1
            merge = cell.find(f"{W}tcPr/{W}vMerge")
            continued = merge is not None and merge.get(W + "val", "continue") == "continue"
            cells.append(Cell(index, column, span_count, "" if continued else text_of(cell), continued))
            column += span_count
        rows.append(cells)
    return rows
