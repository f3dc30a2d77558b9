"""Checks a customer's file must pass before any parser reads it.

An upload is hostile until proven otherwise: an 800 KiB .xlsx can inflate to hundreds of MiB of XML, a
part can declare entities that expand exponentially (billion laughs) or fetch files (XXE), and a workbook
or Word document can carry macros or links to other files. Everything here works on the raw bytes and the
zip directory, so nothing is inflated before the caps have been checked. Python's zipfile never returns more
than a member's declared size (and checks its CRC), so the declared sizes checked here bound what is read
later.

Both Office Open XML packages (.xlsx, .docx) share the zip checks (`_open_package`); each adds what is
dangerous in its own kind of package.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from . import FileRejected

MAX_ZIP_MEMBERS = 2_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_BODY_BYTES = 32 * 1024 * 1024
MAX_RELATIONSHIPS_BYTES = 4 * 1024 * 1024
# openpyxl scans a whole sheet's XML on opening when the sheet lacks a <dimension> (some generators omit it),
# before any cell budget applies: ~0.1-0.2 s a MB. Real questionnaires have at most ~5 MB of sheet XML.
MAX_WORKSHEET_BYTES = 32 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
MAX_PROLOG_BYTES = 64 * 1024


MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "macrosheet", "activex")
BINARY_PART_SUFFIXES = (".bin", ".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".emf", ".wmf", ".wdp")
# The only relationship a Word document may point outside itself with: a link a reader clicks. Anything else
# (attached template, linked image or object, frame, subdocument) is fetched by Word when the file opens.
HYPERLINK_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!ELEMENT", b"<!ATTLIST")
_CONTENT_TYPE = re.compile(rb'ContentType="([^"]*)"', re.IGNORECASE)


@dataclass(frozen=True)
class _Package:
    """How messages name one kind of Office package."""

    what: str  # "an Excel workbook"
    noun: str  # "workbook", "document"
    extension: str  # ".xlsx"
    program: str  # "Excel"
    save_as: str  # the "Save As" choice that gives an acceptable file
    old_format: str  # what an OLE compound file of this kind may also be
    text_part: str  # the part that holds the text, capped on its own, lower-case
    text_part_label: str  # what a person calls it
    text_part_limit: int
    text_part_advice: str


_XLSX = _Package(
    "an Excel workbook",
    "workbook",
    ".xlsx",
    "Excel",
    "an Excel Workbook (.xlsx)",
    "the old .xls format",
    "xl/sharedstrings.xml",
    "text table",
    MAX_SHARED_STRINGS_BYTES,
    "It cannot be imported.",
)
_DOCX = _Package(
    "a Word document",
    "document",
    ".docx",
    "Word",
    "a Word Document (.docx)",
    "the old .doc format",
    "word/document.xml",
    "text",
    MAX_DOCUMENT_BODY_BYTES,
    "Split it into smaller documents and upload those.",
)


def open_xlsx_archive(data: bytes) -> zipfile.ZipFile:
    """Returns the workbook's zip only if it is a real zip within every cap, without macros, external links
    or document type declarations in any XML part."""
    archive, members = _open_package(data, _XLSX)
    for info in members:
        name = info.filename.lower()
        if name.endswith("vbaproject.bin") or name.startswith(("xl/macrosheets/", "xl/activex/")):
            raise FileRejected(
                "This workbook contains macros or ActiveX controls. Save a copy as an Excel Workbook (.xlsx) "
                "without macros and upload that."
            )
        if name.startswith("xl/externallinks/"):
            raise FileRejected(
                "This workbook links to other files (external links). Break the links "
                "(Data > Edit Links > Break Link), save, and upload it again."
            )
    for content_type in _content_types(archive, _XLSX):
        if "externallink" in content_type:
            raise FileRejected(
                "This workbook links to other files (external links). Break the links "
                "(Data > Edit Links > Break Link), save, and upload it again."
            )
    _check_prologs(archive, members, _XLSX)
    return archive


def open_docx_archive(data: bytes) -> zipfile.ZipFile:
    """Returns the Word document's zip only if it is a real zip within every cap, without macros, ActiveX,
    relationships that make Word fetch something when the file opens (an attached template, linked images or
    objects; hyperlinks are fine), or document type declarations in any XML part."""
    archive, members = _open_package(data, _DOCX)
    for info in members:
        name = info.filename.lower()
        if name.endswith("vbaproject.bin") or name.startswith("word/activex/"):
            raise FileRejected(
                "This document contains macros or ActiveX controls. Save a copy as a Word Document (.docx) "
                "without macros and upload that."
            )
        if name.startswith("word/embeddings/") and name.endswith((".docm", ".xlsm", ".pptm", ".dotm")):
            raise FileRejected(
                "This document embeds a macro-enabled file. Remove the embedded object, save, and upload it again."
            )
    if "word/document.xml" not in {info.filename.lower() for info in members}:
        raise FileRejected("This is not a Word document (the .docx has no word/document.xml).")
    _content_types(archive, _DOCX)
    # Relationship parts are XML too: refuse declarations before parsing them for their targets.
    _check_prologs(archive, members, _DOCX)
    for info in members:
        if info.filename.lower().endswith(".rels"):
            _check_docx_relationships(archive, info)
    return archive


def _open_package(data: bytes, kind: _Package) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip and its members, once the bytes are a readable zip whose directory is within every cap and
    whose content types declare no macros."""
    if data.startswith(_OLE_MAGIC):
        raise FileRejected(
            f"This file is password-protected (encrypted) or in {kind.old_format}. "
            f"Remove the password, save it as {kind.save_as} and upload it again."
        )
    if not data.startswith(b"PK"):
        raise FileRejected(
            f"This is not a valid {kind.extension} file (it is not a zip archive). Is it the right file?"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise FileRejected(f"This {kind.extension} file is damaged and cannot be opened as a {kind.noun}.") from exc
    _check_directory(members, kind)
    return archive, members


def _check_directory(members: list[zipfile.ZipInfo], kind: _Package) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileRejected(
            f"This {kind.noun} has {len(members)} internal parts; the limit is {MAX_ZIP_MEMBERS}. "
            "It cannot be imported."
        )
    names = [info.filename for info in members]
    if len(set(names)) != len(names):
        raise FileRejected(f"This {kind.extension} file is malformed (it repeats an internal part).")
    total = sheets = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise FileRejected(f"This {kind.noun} is encrypted. Remove the password and upload it again.")
        if info.filename.lower() == kind.text_part and info.file_size > kind.text_part_limit:
            raise FileRejected(
                f"This {kind.noun}'s {kind.text_part_label} is {info.file_size // 1024 // 1024} MB when unpacked; "
                f"the limit is {kind.text_part_limit // 1024 // 1024} MB. {kind.text_part_advice}"
            )
        if (
            info.file_size > RATIO_CHECKED_ABOVE_BYTES
            and info.file_size / max(info.compress_size, 1) > MAX_COMPRESSION_RATIO
        ):
            raise FileRejected(
                f"This {kind.noun} unpacks to far more data than its size suggests (a possible zip bomb), "
                f"so it was refused. Re-save it in {kind.program} and try again."
            )
        total += info.file_size
        if info.filename.lower().startswith("xl/worksheets/") and info.filename.lower().endswith(".xml"):
            sheets += info.file_size
    if sheets > MAX_WORKSHEET_BYTES:
        raise FileRejected(
            f"This workbook's sheets are {sheets // 1024 // 1024} MB when unpacked; the limit is "
            f"{MAX_WORKSHEET_BYTES // 1024 // 1024} MB. Delete unused tabs, rows or columns, or split it, and "
            "upload it again."
        )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(
            f"This {kind.noun} unpacks to {total // 1024 // 1024} MB; the limit is "
            f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB. It cannot be imported."
        )


def _content_types(archive: zipfile.ZipFile, kind: _Package) -> list[str]:
    """The package's declared content types, lower-case, once none of them is macro-enabled."""
    try:
        content_types = archive.read("[Content_Types].xml")
    except KeyError as exc:
        raise FileRejected(f"This is not {kind.what} (the zip has no [Content_Types].xml).") from exc
    declared = [match.group(1).decode("ascii", "replace").lower() for match in _CONTENT_TYPE.finditer(content_types)]
    if any(marker in content_type for content_type in declared for marker in MACRO_CONTENT_TYPES):
        raise FileRejected(
            f"This {kind.noun} is macro-enabled. Save a copy as {kind.save_as} without macros and upload that."
        )
    return declared


def _check_prologs(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], kind: _Package) -> None:
    for info in members:
        # Any part may be XML whatever its name (relationships decide what a part is), so only known
        # binary formats are exempt from the prolog check.
        if not info.filename.lower().endswith(BINARY_PART_SUFFIXES) and _declares_dtd(archive, info, kind):
            raise FileRejected(
                f"This {kind.noun} contains XML with a document type declaration (DOCTYPE/ENTITY), which "
                f"{kind.program} never writes and which can be used to attack the server. It was refused."
            )


def _check_docx_relationships(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_RELATIONSHIPS_BYTES:
        raise FileRejected(f"This document's part {info.filename} is too large to be a list of relationships.")
    try:
        root = fromstring(archive.read(info))
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise FileRejected(f"This .docx file is damaged (part {info.filename} cannot be read).") from exc
    for element in root.iter():
        if not element.tag.endswith("Relationship") or element.get("TargetMode", "").lower() != "external":
            continue
        kind = element.get("Type", "")
        if kind == HYPERLINK_RELATIONSHIP:
            continue
        if kind.endswith("/attachedTemplate"):
            raise FileRejected(
                "This document is attached to a template stored elsewhere, which Word would fetch when it opens. "
                "Detach the template (Developer > Document Template, clear the field), save, and upload it again."
            )
        what = kind.rsplit("/", 1)[-1] or "an item"
        raise FileRejected(
            f"This document links to content outside itself ({what}), which Word would fetch when it opens. "
            "Embed or remove the linked item, save, and upload it again."
        )


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: _Package) -> bool:
    """True when the part's prolog (everything before the root element) holds markup declarations.

    A DOCTYPE may only appear before the root element, so reading the prolog is enough; a prolog longer
    than MAX_PROLOG_BYTES is itself refused rather than read on.
    """
    try:
        with archive.open(info) as stream:
            head = stream.read(MAX_PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise FileRejected(f"This {kind.extension} file is damaged (part {info.filename} cannot be read).") from exc
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    position = 0
    while True:
        while position < len(head) and head[position : position + 1].isspace():
            position += 1
        rest = head[position:]
        if rest.startswith(b"<?"):
            closer = b"?>"
        elif rest.startswith(b"<!--"):
            closer = b"-->"
        elif rest.upper().startswith(_DTD_MARKERS) or rest.startswith(b"<!"):
            return True
        elif rest.startswith(b"<") or not rest:
            return False
        else:
            return any(marker in head.upper() for marker in _DTD_MARKERS)
        end = rest.find(closer)
        if end < 0:
            return len(head) >= MAX_PROLOG_BYTES
        position += end + len(closer)
