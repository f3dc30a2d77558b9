"""Checks a customer's file must pass before any parser reads it.

An upload is hostile until proven otherwise: an 800 KiB .xlsx can inflate to hundreds of MiB of XML, a
part can declare entities that expand exponentially (billion laughs) or fetch files (XXE), and a workbook
can carry macros or links to other files. Everything here works on the raw bytes and the zip directory,
so nothing is inflated before the caps have been checked. Python's zipfile never returns more than a
member's declared size (and checks its CRC), so the declared sizes checked here bound what is read later.
"""

import io
import re
import zipfile

from . import FileRejected

MAX_ZIP_MEMBERS = 2_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
# openpyxl scans a whole sheet's XML on opening when the sheet lacks a <dimension> (some generators omit it),
# before any cell budget applies: ~0.1-0.2 s a MB. Real questionnaires have at most ~5 MB of sheet XML.
MAX_WORKSHEET_BYTES = 32 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
MAX_PROLOG_BYTES = 64 * 1024


MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "macrosheet", "activex")
BINARY_PART_SUFFIXES = (".bin", ".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".emf", ".wmf", ".wdp")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!ELEMENT", b"<!ATTLIST")
_CONTENT_TYPE = re.compile(rb'ContentType="([^"]*)"', re.IGNORECASE)


def open_xlsx_archive(data: bytes) -> zipfile.ZipFile:
    """Returns the workbook's zip only if it is a real zip within every cap, without macros, external links
    or document type declarations in any XML part."""
    if data.startswith(_OLE_MAGIC):
        raise FileRejected(
            "This file is password-protected (encrypted) or in the old .xls format. "
            "Remove the password, save it as an Excel Workbook (.xlsx) and upload it again."
        )
    if not data.startswith(b"PK"):
        raise FileRejected("This is not a valid .xlsx file (it is not a zip archive). Is it the right file?")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise FileRejected("This .xlsx file is damaged and cannot be opened as a workbook.") from exc
    _check_directory(members)
    _check_content(archive, members)
    return archive


def _check_directory(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileRejected(
            f"This workbook has {len(members)} internal parts; the limit is {MAX_ZIP_MEMBERS}. It cannot be imported."
        )
    names = [info.filename for info in members]
    if len(set(names)) != len(names):
        raise FileRejected("This .xlsx file is malformed (it repeats an internal part).")
    total = sheets = 0
    for info in members:
        name = info.filename.lower()
        if info.flag_bits & 0x1:
            raise FileRejected("This workbook is encrypted. Remove the password and upload it again.")
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
        if name == "xl/sharedstrings.xml" and info.file_size > MAX_SHARED_STRINGS_BYTES:
            raise FileRejected(
                f"This workbook's text table is {info.file_size // 1024 // 1024} MB when unpacked; the limit is "
                f"{MAX_SHARED_STRINGS_BYTES // 1024 // 1024} MB. It cannot be imported."
            )
        if (
            info.file_size > RATIO_CHECKED_ABOVE_BYTES
            and info.file_size / max(info.compress_size, 1) > MAX_COMPRESSION_RATIO
        ):
            raise FileRejected(
                "This workbook unpacks to far more data than its size suggests (a possible zip bomb), "
                "so it was refused. Re-save it in Excel and try again."
            )
        total += info.file_size
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            sheets += info.file_size
    if sheets > MAX_WORKSHEET_BYTES:
        raise FileRejected(
            f"This workbook's sheets are {sheets // 1024 // 1024} MB when unpacked; the limit is "
            f"{MAX_WORKSHEET_BYTES // 1024 // 1024} MB. Delete unused tabs, rows or columns, or split it, and "
            "upload it again."
        )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(
            f"This workbook unpacks to {total // 1024 // 1024} MB; the limit is "
            f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB. It cannot be imported."
        )


def _check_content(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    try:
        content_types = archive.read("[Content_Types].xml")
    except KeyError as exc:
        raise FileRejected("This is not an Excel workbook (the zip has no [Content_Types].xml).") from exc
    for match in _CONTENT_TYPE.finditer(content_types):
        content_type = match.group(1).decode("ascii", "replace").lower()
        if any(marker in content_type for marker in MACRO_CONTENT_TYPES):
            raise FileRejected(
                "This workbook is macro-enabled. "
                "Save a copy as an Excel Workbook (.xlsx) without macros and upload that."
            )
        if "externallink" in content_type:
            raise FileRejected(
                "This workbook links to other files (external links). Break the links "
                "(Data > Edit Links > Break Link), save, and upload it again."
            )
    for info in members:
        # Any part may be XML whatever its name (relationships decide what a part is), so only known
        # binary formats are exempt from the prolog check.
        if not info.filename.lower().endswith(BINARY_PART_SUFFIXES) and _declares_dtd(archive, info):
            raise FileRejected(
                "This workbook contains XML with a document type declaration (DOCTYPE/ENTITY), which Excel never "
                "writes and which can be used to attack the server. It was refused."
            )


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True when the part's prolog (everything before the root element) holds markup declarations.

    A DOCTYPE may only appear before the root element, so reading the prolog is enough; a prolog longer
    than MAX_PROLOG_BYTES is itself refused rather than read on.
    """
    try:
        with archive.open(info) as stream:
            head = stream.read(MAX_PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise FileRejected(f"This .xlsx file is damaged (part {info.filename} cannot be read).") from exc
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
