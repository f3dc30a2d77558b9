"""What a file is, read from its first bytes: never from its name or the type the browser claims.

A file named report.pdf that holds HTML would be rendered by a browser that trusts the name or the stored
type; one that holds a PNG is simply not what the uploader meant. Both are refused, with a message that
says what the content really is.
"""

from . import FileRejected
from .uploads import UploadKind, extension

# (content type, what a person calls it, extensions it goes by, magic bytes at offset 0)
SIGNATURES = (
    ("application/pdf", "PDF document", (".pdf",), b"%PDF-"),
    ("image/png", "PNG image", (".png",), b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", "JPEG image", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
)

# Content that is none of the accepted types, named so the message can say what it is.
_LOOKALIKES = (
    ((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe"), "an HTML page"),
    ((b"<svg", b"<?xml"), "an XML or SVG file"),
    ((b"pk\x03\x04",), "a ZIP archive (or an Office document)"),
    ((b"mz",), "a Windows program"),
    ((b"\x7felf",), "a program"),
    ((b"#!",), "a script"),
    ((b"gif8",), "a GIF image"),
    ((b"\xd0\xcf\x11\xe0",), "an old-format Office document"),
)


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves announce (one of SIGNATURES), or None when they are none."""
    for content_type, _label, _extensions, magic in SIGNATURES:
        if data.startswith(magic):
            return content_type
    return None


def _lookalike(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for prefixes, label in _LOOKALIKES:
        if head.startswith(prefixes):
            return label
    return "something else"


def content_type_check(kind: UploadKind, filename: str, data: bytes) -> str:
    """The file's content type, read from its bytes; refuses content that is not one `kind` takes or that
    differs from what its name says (a .pdf holding a PNG or an HTML page)."""
    ext = extension(filename)
    named = next((label for _type, label, extensions, _magic in SIGNATURES if ext in extensions), None)
    detected = sniff(data)
    if detected is None:
        what = f"a {named}" if named else f"a file {kind.hint} can be"
        raise FileRejected(
            f"This file is named {ext or '(no extension)'} but its content is not {what}: it looks like "
            f"{_lookalike(data)}. Upload the original document ({kind.hint})."
        )
    label, extensions = next((label, exts) for ctype, label, exts, _magic in SIGNATURES if ctype == detected)
    if ext not in extensions or extensions[0] not in kind.extensions:
        raise FileRejected(
            f"This file is named {ext or '(no extension)'} but its content is a {label}. "
            f"Upload the document under its real type ({extensions[0]}), or the file you meant to send."
        )
    return detected
