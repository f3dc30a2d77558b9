"""Watermarked evidence: the stamp on every page, the fingerprint in the metadata, and the leak lookup."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import HTML

from reports.models import Download
from reports.watermark import NOTICE, Stamp, WatermarkError, fingerprint_in, watermark_pdf
from tests.reports.conftest import make_document, make_share

pytestmark = pytest.mark.django_db


def text_pdf(pages: int) -> bytes:
    html = "".join(
        f"<section style='break-after: page'><h1>Page {n}</h1><p>Evidence text.</p></section>" for n in range(pages)
    )
    return HTML(string=html).write_pdf()


def stamp(**overrides) -> Stamp:
    values = {
        "recipient_name": "Casey Customer",
        "recipient_email": "customer@example.com",
        "organisation": "Acme Manufacturing",
        "at": "2026-03-09 10:00:00 UTC",
        "fingerprint": "0123456789ABCDEF",
    }
    return Stamp(**{**values, **overrides})


def test_every_page_carries_the_stamp_and_the_metadata_the_fingerprint():
    out = watermark_pdf(text_pdf(5), stamp())
    reader = PdfReader(io.BytesIO(out))
    assert len(reader.pages) == 5
    for number, page in enumerate(reader.pages):
        text = page.extract_text()
        assert f"Page {number}" in text  # the original content is still there
        for expected in (
            NOTICE,
            "Casey Customer",
            "customer@example.com",
            "Acme Manufacturing",
            "2026-03-09 10:00:00 UTC",
            "0123456789ABCDEF",
        ):
            assert expected in text, (number, expected)
    assert reader.metadata["/TrustpackFingerprint"] == "0123456789ABCDEF"
    assert "0123456789ABCDEF" in reader.metadata["/Keywords"]
    assert fingerprint_in(out) == "0123456789ABCDEF"


def test_rotated_and_odd_sized_pages_are_stamped_too():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=300, height=200)
    writer.add_blank_page(width=595, height=842).rotate(90)
    buffer = io.BytesIO()
    writer.write(buffer)
    reader = PdfReader(io.BytesIO(watermark_pdf(buffer.getvalue(), stamp())))
    assert all("0123456789ABCDEF" in page.extract_text() for page in reader.pages)


def test_names_outside_latin_1_do_not_break_the_stamp():
    out = watermark_pdf(text_pdf(1), stamp(recipient_name="Zoë 山田"))
    assert "Zoë" in PdfReader(io.BytesIO(out)).pages[0].extract_text()


def test_a_file_that_is_not_a_pdf_is_refused():
    with pytest.raises(WatermarkError):
        watermark_pdf(b"not a pdf at all", stamp())
    assert fingerprint_in(b"not a pdf") is None


@pytest.fixture
def delivered(mfa_client, customer, package, manager, lead):
    """An evidence PDF as one customer downloaded it through the portal."""
    document = make_document(lead, title="Pen test summary", classification="public", data=text_pdf(3))
    share = make_share(package, created_by=manager, documents=[document])
    reply = mfa_client(customer).get(reverse("reports:portal-document-download", args=[share.pk, document.pk]))
    assert reply.status_code == 200
    return reply.content, Download.objects.get()


def test_a_delivered_pdf_is_stamped_for_its_recipient_and_logged(delivered, customer):
    data, download = delivered
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        text = page.extract_text()
        assert download.fingerprint in text and customer.email in text and "Acme Manufacturing" in text
        assert NOTICE in text
    assert reader.metadata["/TrustpackFingerprint"] == download.fingerprint
    assert download.file_sha256 == hashlib.sha256(data).hexdigest() and download.size == len(data)
    assert download.document_version.document.title == "Pen test summary"


def test_two_downloads_of_one_document_differ(mfa_client, customer, delivered):
    data, first = delivered
    share, version = first.share, first.document_version
    again = (
        mfa_client(customer)
        .get(reverse("reports:portal-document-download", args=[share.pk, version.document_id]))
        .content
    )
    second = Download.objects.exclude(pk=first.pk).get()
    assert second.fingerprint != first.fingerprint and again != data


@pytest.mark.parametrize("how", ["fingerprint", "lower-case fingerprint", "sha256", "upload", "upload stripped"])
def test_lookup_finds_the_download(mfa_client, lead, delivered, customer, how):
    data, download = delivered
    client = mfa_client(lead)
    if how == "fingerprint":
        form = {"query": download.fingerprint}
    elif how == "lower-case fingerprint":
        form = {"query": download.fingerprint.lower()}
    elif how == "sha256":
        form = {"query": download.file_sha256}
    elif how == "upload":
        form = {"file": SimpleUploadedFile("leak.pdf", data, content_type="application/pdf")}
    else:
        # A re-saved copy stripped of our metadata has another hash and no embedded fingerprint: no match,
        # but its pages still show the fingerprint for a person to paste.
        from pypdf import PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.add_metadata({"/TrustpackFingerprint": "", "/Keywords": ""})
        buffer = io.BytesIO()
        writer.write(buffer)
        reply = client.post(reverse("reports:leak-lookup"), {"file": SimpleUploadedFile("x.pdf", buffer.getvalue())})
        assert reply.status_code == 200 and reply.context["matches"] == []
        assert b"No match" in reply.content
        assert download.fingerprint in PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text()
        return
    reply = client.post(reverse("reports:leak-lookup"), form)
    assert reply.status_code == 200
    assert reply.context["matches"] == [download]
    assert customer.email.encode() in reply.content and b"Acme Manufacturing" in reply.content


def test_lookup_says_no_match_clearly(mfa_client, lead):
    reply = mfa_client(lead).post(reverse("reports:leak-lookup"), {"query": "FFFFFFFFFFFFFFFF"})
    assert reply.status_code == 200 and b"No match" in reply.content


@pytest.mark.parametrize("query", ["nonsense", "12345", "g" * 64])
def test_lookup_refuses_malformed_input_with_400(mfa_client, lead, query):
    reply = mfa_client(lead).post(reverse("reports:leak-lookup"), {"query": query})
    assert reply.status_code == 400 and b"16-character fingerprint" in reply.content


def test_lookup_refuses_an_unaccepted_file_type(mfa_client, lead):
    reply = mfa_client(lead).post(reverse("reports:leak-lookup"), {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert reply.status_code == 400


def test_the_signed_package_pdf_is_found_by_its_hash(mfa_client, lead, customer, share, package):
    mfa_client(customer).get(reverse("reports:portal-package-download", args=[share.pk]))
    reply = mfa_client(lead).post(reverse("reports:leak-lookup"), {"query": package.latest_pdf.sha256})
    assert [match.user for match in reply.context["matches"]] == [customer]


def test_customers_cannot_look_up(mfa_client, customer):
    assert mfa_client(customer).get(reverse("reports:leak-lookup")).status_code == 403
