"""Upload checks: the type comes from the bytes, PDFs carrying active content are refused, sizes are capped,
and nothing of the uploader's file name reaches the file system."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from evidence import services
from evidence.models import Document, DocumentVersion
from fileformats import FileRejected
from fileformats.pdfcheck import pdf_active_content_check
from fileformats.sniff import content_type_check, sniff
from fileformats.uploads import EVIDENCE, MB, display_name

from . import pdfs
from .factories import document

pytestmark = pytest.mark.django_db


def _refusal(manager, *, filename="report.pdf", data=None) -> str:
    with pytest.raises(ValidationError) as caught:
        document(actor=manager, filename=filename, data=data)
    assert Document.objects.count() == 0 and DocumentVersion.objects.count() == 0
    return " ".join(caught.value.message_dict["file"])


def test_a_clean_pdf_png_and_jpeg_are_accepted_with_the_type_read_from_their_bytes(manager):
    assert document(actor=manager).current_version.content_type == "application/pdf"
    png = document(actor=manager, title="Diagram", filename="diagram.png", data=pdfs.PNG_1PX)
    assert png.current_version.content_type == "image/png"
    jpeg = document(actor=manager, title="Photo", filename="rack.jpeg", data=b"\xff\xd8\xff\xe0" + b"\0" * 100)
    assert jpeg.current_version.content_type == "image/jpeg"


def test_a_png_named_pdf_is_refused_as_a_spoofed_type(manager):
    message = _refusal(manager, filename="soc2.pdf", data=pdfs.PNG_1PX)
    assert "named .pdf but its content is a PNG image" in message


def test_html_named_pdf_is_refused(manager):
    message = _refusal(manager, data=b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    assert "not a PDF document" in message and "HTML page" in message


def test_a_pdf_named_png_is_refused(manager):
    assert "content is a PDF document" in _refusal(manager, filename="diagram.png", data=pdfs.clean_pdf())


def test_types_other_than_pdf_png_and_jpeg_are_refused_by_name(manager):
    assert "not accepted here" in _refusal(manager, filename="report.html", data=b"<html></html>")
    assert "not accepted here" in _refusal(manager, filename="report.svg", data=b"<svg/>")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (pdfs.javascript_pdf, "JavaScript"),
        (pdfs.obfuscated_javascript_pdf, "JavaScript"),
        (pdfs.javascript_in_object_stream_pdf, "JavaScript"),
        (pdfs.open_action_launch_pdf, "starts a program"),
        (pdfs.embedded_file_pdf, "embedded files"),
        (pdfs.encrypted_pdf, "encrypted"),
    ],
    ids=["javascript", "obfuscated-name", "in-object-stream", "open-action-launch", "embedded-file", "encrypted"],
)
def test_pdfs_with_active_content_or_encryption_are_refused(manager, make, says):
    assert says in _refusal(manager, data=make())


@pytest.mark.parametrize(
    "extra",
    [
        b"<< /Type /Annot /Subtype /Widget /AA << /O << /S /Named /N /Print >> >> >>",
        b"<< /Type /Annot /Subtype /RichMedia >>",
        b"<< /XFA [(template) 1 0 R] >>",
    ],
    ids=["additional-actions", "rich-media", "xfa"],
)
def test_automatic_actions_rich_media_and_xfa_are_refused(extra):
    with pytest.raises(FileRejected, match="evidence may not carry"):
        pdf_active_content_check(pdfs.pdf(extra=(extra,)))


def test_the_parsed_check_alone_finds_javascript_hidden_in_an_object_stream():
    from fileformats.pdfcheck import _parsed_scan

    with pytest.raises(FileRejected, match="JavaScript"):
        _parsed_scan(pdfs.javascript_in_object_stream_pdf())


@pytest.mark.parametrize(
    "junk",
    [b"%PDF-", b"%PDF-1.7\n" + bytes(range(256)) * 40, b"%PDF-1.7\n1 0 obj\n<<" * 500, b"%PDF-1.4\nstream\n\x78\x9c"],
    ids=["header-only", "binary", "unclosed-dicts", "broken-stream"],
)
def test_junk_after_a_pdf_header_is_refused_with_a_message_never_a_crash(junk):
    with pytest.raises(FileRejected):
        pdf_active_content_check(junk)


def test_oversized_files_are_refused_before_any_content_check(manager):
    data = b"%PDF-1.7\n" + b"0" * EVIDENCE.max_bytes
    message = _refusal(manager, data=data)
    assert f"larger than the {EVIDENCE.max_mb} MB" in message


def test_an_oversized_request_is_refused_before_the_view_reads_it(manager, mfa_client, settings):
    from django.urls import reverse

    settings.MAX_REQUEST_BYTES = 1 * MB
    client = mfa_client(manager)
    reply = client.post(
        reverse("evidence:document-create"), data=b"x" * (2 * MB), content_type="application/octet-stream"
    )
    assert reply.status_code == 413
    assert Document.objects.count() == 0


def test_empty_files_are_refused(manager):
    assert "empty" in _refusal(manager, data=b"")


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\x.pdf", "x.pdf"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ('/abs/"quoted"\x00\r\nname.pdf', "quotedname.pdf"),
    ],
)
def test_path_traversal_names_are_stored_under_server_names_and_shown_sanitised(manager, settings, uploaded, shown):
    doc = services.document_create(
        actor=manager,
        title="Report",
        kind="other",
        classification="nda",
        owner=manager,
        filename=uploaded,
        data=pdfs.clean_pdf(),
        dates=services.VersionDates(),
    )
    version = doc.current_version
    assert version.original_name == shown
    stored = Path(version.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "evidence")
    assert stored.name.endswith(".bin") and "passwd" not in stored.name and ".." not in version.file.name
    assert not (Path(settings.MEDIA_ROOT).parent / "etc").exists()


def test_display_names_keep_the_last_path_part_and_drop_unsafe_characters():
    assert display_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert display_name("..\\x.pdf") == "x.pdf"
    assert display_name("..") == "document"
    assert len(display_name("a" * 500 + ".pdf")) == 200 and display_name("a" * 500 + ".pdf").endswith(".pdf")


def test_sniffing_ignores_the_name_entirely():
    assert sniff(pdfs.PNG_1PX) == "image/png"
    assert sniff(b"GIF89a") is None
    with pytest.raises(FileRejected, match="GIF image"):
        content_type_check(EVIDENCE, "x.png", b"GIF89a....")
