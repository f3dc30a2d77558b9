"""Small PDFs written byte by byte for the upload tests: clean ones, and ones carrying active content."""

import struct
import zlib

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>"


def _content(text: bytes = b"Evidence") -> bytes:
    stream = b"BT /F1 12 Tf 20 100 Td (" + text + b") Tj ET"
    return b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"


def pdf(*, catalog: bytes = CATALOG, extra: tuple[bytes, ...] = (), trailer_extra: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table; `extra` objects are numbered from 5."""
    objects = [catalog, PAGES, PAGE, _content(), *extra]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def clean_pdf() -> bytes:
    return pdf()


def javascript_pdf() -> bytes:
    return pdf(
        catalog=b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 5 0 R >> >>",
        extra=(b"<< /Names [(x) 6 0 R] >>", b"<< /S /JavaScript /JS (app.alert(1)) >>"),
    )


def obfuscated_javascript_pdf() -> bytes:
    """`/J#61vaScript` is `/JavaScript` to every reader."""
    return pdf(catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>")


def open_action_launch_pdf() -> bytes:
    return pdf(
        catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", extra=(b"<< /S /Launch /F (calc.exe) >>",)
    )


def embedded_file_pdf() -> bytes:
    data = b"MZ not really a program"
    return pdf(
        catalog=b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 5 0 R >> >>",
        extra=(
            b"<< /Names [(a.exe) 6 0 R] >>",
            b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
        ),
    )


def encrypted_pdf() -> bytes:
    return pdf(
        extra=(b"<< /Filter /Standard /V 1 /R 2 /O (%s) /U (%s) /P -4 >>" % (b"x" * 32, b"x" * 32),),
        trailer_extra=b"/Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ",
    )


def javascript_in_object_stream_pdf() -> bytes:
    """The catalog's /OpenAction JavaScript sits in a compressed object stream, invisible in the raw bytes."""
    inner = [(1, CATALOG[:-2] + b"/OpenAction 6 0 R >>"), (6, b"<< /S /JavaScript /JS (app.alert(1)) >>")]
    header, body = b"", b""
    for number, text in inner:
        header += b"%d %d " % (number, len(body))
        body += text + b"\n"
    packed = zlib.compress(header + body)
    objstm = (
        b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(inner), len(header), len(packed))
        + packed
        + b"\nendstream"
    )
    plain = {2: PAGES, 3: PAGE, 4: _content(), 5: objstm}
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, text in plain.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + text + b"\nendobj\n"
    xref_number = 7
    offsets[xref_number] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, xref_number + 1):
        if number in (1, 6):
            rows.append(struct.pack(">BIH", 2, 5, [1, 6].index(number)))
        else:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    table = zlib.compress(b"".join(rows))
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
        % (xref_number, xref_number + 1, len(table))
        + table
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x81\x1c\x00\x00\x00\x00IEND\xaeB`\x82"
)
