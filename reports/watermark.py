"""Per-download watermarks for evidence PDFs: every page stamped with who received the copy, and a fingerprint.

The overlay is built directly as a PDF content stream (Helvetica, WinAnsi encoding, a translucent graphics
state) once per download and merged onto each page with pypdf, so no page is laid out twice and the cost stays
a few milliseconds per page. The fingerprint also goes into the document metadata, where the leak lookup reads
it back from a copy whose pages were cropped or re-rendered.
"""

import io
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
)

FINGERPRINT_KEY = "/TrustpackFingerprint"
KEYWORD_PREFIX = "trustpack-fingerprint:"
NOTICE = "Confidential — provided under NDA"
FONT_SIZE = 8
OPACITY = 0.45


class WatermarkError(ValueError):
    """The file could not be stamped (not a readable PDF); nothing is delivered."""


@dataclass(frozen=True)
class Stamp:
    recipient_name: str
    recipient_email: str
    organisation: str
    at: str  # UTC, as printed
    fingerprint: str

    def lines(self) -> list[str]:
        return [
            NOTICE,
            f"Provided to {self.recipient_name} <{self.recipient_email}>, {self.organisation}",
            f"Downloaded {self.at} · Fingerprint {self.fingerprint}",
        ]


def _pdf_string(text: str) -> bytes:
    """`text` as a literal PDF string in WinAnsi (cp1252); characters it lacks become '?' rather than garbage."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _overlay(stamp: Stamp, width: float, height: float) -> PageObject:
    """One page of the given size carrying the stamp: a footer band on the page and a diagonal notice."""
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    state = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/ExtGState"),
            NameObject("/ca"): FloatObject(OPACITY),
            NameObject("/CA"): FloatObject(OPACITY),
        }
    )
    lines = stamp.lines()
    ops = [b"q /TPWmGS gs 0.75 0.05 0.05 rg BT", f"/TPWmF {FONT_SIZE} Tf".encode()]
    y = 10 + FONT_SIZE * 1.25 * (len(lines) - 1)
    for line in lines:
        ops.append(f"1 0 0 1 18 {y:.2f} Tm".encode() + b" " + _pdf_string(line) + b" Tj")
        y -= FONT_SIZE * 1.25
    # The diagonal repeats the notice and fingerprint across the middle, where cropping cannot remove it.
    diagonal = f"{NOTICE} · {stamp.fingerprint}"
    ops.append(
        f"/TPWmF {FONT_SIZE * 2} Tf 0.7071 0.7071 -0.7071 0.7071 {width * 0.18:.2f} {height * 0.3:.2f} Tm".encode()
    )
    ops.append(_pdf_string(diagonal) + b" Tj")
    ops.append(b"ET Q")
    page = PageObject.create_blank_page(width=width, height=height)
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject({NameObject("/TPWmF"): font}),
            NameObject("/ExtGState"): DictionaryObject({NameObject("/TPWmGS"): state}),
            NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/Text")]),
        }
    )
    content = DecodedStreamObject()
    content.set_data(b"\n".join(ops))
    page.replace_contents(ContentStream(content, None))
    return page


def watermark_pdf(data: bytes, stamp: Stamp) -> bytes:
    """`data` with the stamp on every page and the fingerprint in the metadata; raises WatermarkError when the
    file is not a PDF pypdf can read (an encrypted one included)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise WatermarkError("The document is encrypted and cannot be watermarked.")
        writer = PdfWriter(clone_from=reader)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise WatermarkError(f"The document could not be read as a PDF: {error}") from error
    overlays: dict[tuple[float, float], PageObject] = {}
    for page in writer.pages:
        if page.get("/Rotate", 0):
            # Draw the stamp upright as the reader sees the page: fold the page's rotation into its content first.
            page.transfer_rotation_to_content()
        box = page.mediabox
        size = (float(box.width), float(box.height))
        overlay = overlays.get(size)
        if overlay is None:
            overlay = overlays[size] = _overlay(stamp, *size)
        page.merge_transformed_page(overlay, (1, 0, 0, 1, float(box.left), float(box.bottom)))
    metadata = dict(reader.metadata or {})
    metadata.update(
        {
            FINGERPRINT_KEY: stamp.fingerprint,
            "/Subject": f"{NOTICE}. Fingerprint {stamp.fingerprint}",
            "/Keywords": f"{KEYWORD_PREFIX}{stamp.fingerprint}",
        }
    )
    writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fingerprint_in(data: bytes) -> str | None:
    """The fingerprint a watermarked copy carries in its metadata, or None (not a PDF, or none there)."""
    try:
        metadata = PdfReader(io.BytesIO(data)).metadata or {}
    except Exception:  # any unreadable upload simply has no fingerprint; the caller hashes it
        return None
    value = metadata.get(FINGERPRINT_KEY)
    if not value:
        keywords = str(metadata.get("/Keywords") or "")
        if KEYWORD_PREFIX in keywords:
            value = keywords.split(KEYWORD_PREFIX, 1)[1].split()[0]
    return str(value or "").strip().upper()[:32] or None
