"""PDFs that can act on the reader's machine are refused before they are stored.

A PDF may carry JavaScript, actions that start programs or run when a page opens, embedded files and
media, or XFA forms. Evidence is for reading, so any of these refuses the file. Names are checked in two
ways that fail differently: the raw bytes outside streams (with `#xx` escapes decoded, so `/J#61vaScript`
is `/JavaScript`) plus every object stream inflated, and every object pypdf parses (including objects
hidden in compressed object streams and dictionaries the raw scan cannot see). Encrypted PDFs are refused
too: their objects cannot be read, so they cannot be checked. Junk is a clear refusal, never a crash.
"""

import io
import re
import zlib

from . import FileRejected

# PDF name → what the message says the file contains.
ACTIVE_NAMES = {
    "JavaScript": "JavaScript",
    "JS": "JavaScript",
    "Launch": "an action that starts a program",
    "EmbeddedFile": "embedded files",
    "EmbeddedFiles": "embedded files",
    "RichMedia": "embedded media",
    "XFA": "an XFA form",
    "AA": "actions that run by themselves when the document or a page is opened",
    "GoToE": "a link into an embedded file",
    "ImportData": "a form action that loads data",
    "SubmitForm": "a form action that sends data",
}
MAX_INFLATED_BYTES = 64 * 1024 * 1024  # all object streams of one file together
MAX_OBJECTS = 200_000
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")
_ENDSTREAM = b"endstream"


def _names(raw: bytes) -> set[str]:
    return {
        _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1)).decode("latin-1")
        for match in _NAME.finditer(raw)
    }


def _refuse_active(names: set[str]) -> None:
    found = sorted(name for name in names if name in ACTIVE_NAMES)
    if found:
        what = ACTIVE_NAMES[found[0]]
        raise FileRejected(
            f"This PDF contains {what} (/{found[0]}), which evidence may not carry. Print it to a new PDF "
            '("Save as PDF" or "Microsoft Print to PDF") and upload that copy.'
        )
    if "Encrypt" in names:
        raise _encrypted()


def _encrypted() -> FileRejected:
    return FileRejected(
        "This PDF is encrypted or password-protected, so it cannot be checked. Save a copy without the "
        "password and upload that."
    )


def _split_streams(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The file outside stream bodies, and each (stream dictionary area, body)."""
    outside, streams, position = [], [], 0
    for match in _STREAM.finditer(data):
        if match.start() < position:
            continue
        end = data.find(_ENDSTREAM, match.end())
        if end < 0:
            break
        head = data[position : match.start()]
        outside.append(head)
        streams.append((head[-4096:], data[match.end() : end]))
        position = end + len(_ENDSTREAM)
    outside.append(data[position:])
    return b"\n".join(outside), streams


def _inflate(body: bytes, budget: int) -> bytes:
    try:
        return zlib.decompressobj().decompress(body, budget)
    except zlib.error:
        return b""


def _raw_scan(data: bytes) -> None:
    outside, streams = _split_streams(data)
    _refuse_active(_names(outside))
    budget = MAX_INFLATED_BYTES
    for head, body in streams:
        # Only object streams hold dictionaries; images and fonts are binary and would match by chance.
        if budget <= 0 or "ObjStm" not in _names(head[head.rfind(b" obj") :] if b" obj" in head else head):
            continue
        inflated = _inflate(body, budget)
        budget -= len(inflated)
        _refuse_active(_names(inflated))


def _walk(value, names: set[str], depth: int = 0) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    if depth > 64:
        raise FileRejected("This PDF nests its objects too deeply to be checked. Print it to a new PDF.")
    if isinstance(value, NameObject):
        names.add(str(value)[1:])
    elif isinstance(value, DictionaryObject | StreamObject):
        for key, item in dict.items(value):
            names.add(str(key)[1:])
            _walk(item, names, depth + 1)
    elif isinstance(value, ArrayObject):
        for item in list.__iter__(value):
            _walk(item, names, depth + 1)


def _parsed_scan(data: bytes) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise _encrypted()
    names: set[str] = set()
    _walk(reader.trailer, names)
    ids = [idnum for entries in reader.xref.values() for idnum in entries]
    ids += list(reader.xref_objStm)
    if len(ids) > MAX_OBJECTS:
        raise FileRejected(f"This PDF has more than {MAX_OBJECTS} objects and cannot be checked.")
    for idnum in ids:
        _walk(reader.get_object(idnum), names)
    if not reader.pages:
        raise FileRejected("This PDF has no pages.")
    _refuse_active(names)


def pdf_active_content_check(data: bytes) -> None:
    """Refuses a PDF that is encrypted, unreadable, or carries JavaScript, launch or automatic actions,
    embedded files or media, or XFA forms (raw bytes and parsed objects both checked)."""
    _raw_scan(data)
    try:
        _parsed_scan(data)
    except FileRejected:
        raise
    except Exception as error:  # pypdf raises many kinds (and RecursionError) on junk: all mean unreadable
        raise FileRejected(
            "This PDF is damaged and cannot be read, so it cannot be checked. Open it, save or print it to a "
            "new PDF, and upload that copy."
        ) from error
