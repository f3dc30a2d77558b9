"""Evidence pages over HTTP: staff work, customers and other roles are refused and nothing changes,
downloads are inert attachments, spoofed uploads are refused with a message."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from evidence.models import Document, DocumentVersion
from tests.factories import library_entry

from . import pdfs
from .factories import document, new_version

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(Document.objects.values_list("pk", "title", "classification", "current_version_id")),
        list(DocumentVersion.objects.values_list("pk", "expires_on", "superseded_at")),
        list(DocumentVersion.cited_by.through.objects.values_list("documentversion_id", "libraryentryversion_id")),
    )


def _create_data(**overrides):
    data = {
        "title": "SOC 2 Type II report 2026",
        "kind": "soc2",
        "classification": "nda",
        "description": "",
        "expires_on": (timezone.localdate() + timedelta(days=300)).isoformat(),
        "file": SimpleUploadedFile("soc2.pdf", pdfs.clean_pdf(), content_type="application/pdf"),
    }
    data.update(overrides)
    return data


def test_a_manager_adds_a_document_and_sees_it_listed_with_its_expiry(mfa_client, manager, lead):
    client = mfa_client(manager)
    reply = client.post(reverse("evidence:document-create"), _create_data(owner=lead.pk))
    doc = Document.objects.get()
    assert reply.status_code == 302 and reply.url == reverse("evidence:document-detail", args=[doc.pk])
    listing = client.get(reverse("evidence:document-list"))
    assert b"SOC 2 Type II report 2026" in listing.content and b"Expires in 300 days" in listing.content
    detail = client.get(reverse("evidence:document-detail", args=[doc.pk]))
    assert detail.status_code == 200 and doc.current_version.sha256.encode() in detail.content


def test_the_list_filters_by_kind_and_classification_in_few_queries(
    mfa_client, manager, lead, django_assert_max_num_queries
):
    document(actor=manager, title="Assurance summary")
    document(actor=lead, title="Overview", kind="diagram", classification="public")
    document(actor=manager, title="Old ISO", kind="iso", expires_on=timezone.localdate() - timedelta(days=2))
    client = mfa_client(manager)
    with django_assert_max_num_queries(12):
        reply = client.get(reverse("evidence:document-list"), {"kind": "diagram"})
    assert b"Overview" in reply.content and b"Assurance summary" not in reply.content
    reply = client.get(reverse("evidence:document-list"), {"classification": "nda"})
    assert b"Assurance summary" in reply.content and b"Expired" in reply.content and b"Overview" not in reply.content


def test_a_spoofed_content_type_is_refused_with_a_message(mfa_client, manager):
    html = SimpleUploadedFile("soc2.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    reply = mfa_client(manager).post(reverse("evidence:document-create"), _create_data(owner=manager.pk, file=html))
    assert reply.status_code == 400 and b"HTML page" in reply.content
    assert Document.objects.count() == 0


def test_a_pdf_with_javascript_is_refused_over_http(mfa_client, manager):
    upload = SimpleUploadedFile("soc2.pdf", pdfs.javascript_pdf(), content_type="application/pdf")
    reply = mfa_client(manager).post(reverse("evidence:document-create"), _create_data(owner=manager.pk, file=upload))
    assert reply.status_code == 400 and b"JavaScript" in reply.content and Document.objects.count() == 0


def test_uploading_a_new_version_supersedes_the_old_one(mfa_client, manager):
    doc = document(actor=manager)
    upload = SimpleUploadedFile("soc2-2027.pdf", pdfs.clean_pdf(), content_type="application/pdf")
    reply = mfa_client(manager).post(reverse("evidence:version-create", args=[doc.pk]), {"file": upload})
    assert reply.status_code == 302
    doc.refresh_from_db()
    assert doc.current_version.number == 2 and doc.versions.get(number=1).superseded_at is not None


def test_downloads_are_inert_attachments_under_the_sanitised_name(mfa_client, manager):
    doc = document(actor=manager, filename="../../etc/passwd.pdf")
    reply = mfa_client(manager).get(reverse("evidence:version-download", args=[doc.pk, 1]))
    assert reply.status_code == 200
    assert reply["Content-Disposition"].startswith("attachment") and "passwd.pdf" in reply["Content-Disposition"]
    assert ".." not in reply["Content-Disposition"]
    assert reply["Content-Type"] == "application/pdf"
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in reply["Cache-Control"]
    assert reply["Content-Security-Policy"] == "sandbox"
    assert b"".join(reply.streaming_content) == pdfs.clean_pdf()


def test_old_versions_stay_downloadable_for_staff(mfa_client, manager, lead):
    doc = document(actor=manager)
    new_version(actor=manager, doc=doc)
    assert mfa_client(lead).get(reverse("evidence:version-download", args=[doc.pk, 1])).status_code == 200


def test_citing_and_removing_from_the_document_page(mfa_client, manager, lead):
    entry = library_entry(author=manager, approver=lead, key="our-soc2-report")
    doc = document(actor=manager, expires_on=timezone.localdate() + timedelta(days=30))
    client = mfa_client(manager)
    client.post(reverse("evidence:citation-add", args=[doc.pk]), {"keys": "our-soc2-report"})
    assert list(doc.current_version.cited_by.all()) == [entry.approved_version]
    page = client.get(reverse("library:entry-detail", args=[entry.key]))
    assert b"Evidence cited" in page.content and b"Stale evidence" not in page.content
    reply = client.post(reverse("evidence:citation-add", args=[doc.pk]), {"keys": "nope"}, follow=True)
    assert b"No library entry has the key nope" in reply.content
    client.post(reverse("evidence:citation-remove", args=[doc.pk]), {"library_version": entry.approved_version_id})
    assert doc.current_version.cited_by.count() == 0


def test_the_library_page_shows_stale_evidence(mfa_client, manager, lead):
    entry = library_entry(author=manager, approver=lead, key="our-soc2-report")
    doc = document(actor=manager)
    mfa_client(manager).post(reverse("evidence:citation-add", args=[doc.pk]), {"keys": entry.key})
    new_version(actor=manager, doc=doc)
    page = mfa_client(manager).get(reverse("library:entry-detail", args=[entry.key]))
    assert b"Stale evidence" in page.content and b"Superseded" in page.content


def test_a_security_lead_changes_classification_a_manager_cannot(mfa_client, manager, lead):
    doc = document(actor=manager)
    url = reverse("evidence:document-classify", args=[doc.pk])
    before = _state()
    assert mfa_client(manager).post(url, {"classification": "public"}).status_code == 403
    assert _state() == before
    assert mfa_client(lead).post(url, {"classification": "public"}).status_code == 302
    doc.refresh_from_db()
    assert doc.classification == "public"


def test_a_manager_changes_the_expiry_date(mfa_client, manager):
    doc = document(actor=manager)
    new_date = timezone.localdate() + timedelta(days=10)
    mfa_client(manager).post(reverse("evidence:version-expiry", args=[doc.pk, 1]), {"expires_on": new_date.isoformat()})
    assert DocumentVersion.objects.get(pk=doc.current_version_id).expires_on == new_date


def _every_url(doc):
    return [
        ("get", reverse("evidence:document-list"), {}),
        ("get", reverse("evidence:document-create"), {}),
        ("post", reverse("evidence:document-create"), {}),
        ("get", reverse("evidence:document-detail", args=[doc.pk]), {}),
        ("get", reverse("evidence:version-create", args=[doc.pk]), {}),
        ("post", reverse("evidence:version-create", args=[doc.pk]), {}),
        ("get", reverse("evidence:version-download", args=[doc.pk, 1]), {}),
        ("post", reverse("evidence:version-expiry", args=[doc.pk, 1]), {"expires_on": ""}),
        ("post", reverse("evidence:document-classify", args=[doc.pk]), {"classification": "public"}),
        ("post", reverse("evidence:citation-add", args=[doc.pk]), {"keys": "mfa"}),
        ("post", reverse("evidence:citation-remove", args=[doc.pk]), {"library_version": 1}),
    ]


def test_customers_reach_no_evidence_page_and_change_nothing(mfa_client, manager, lead, customer, other_customer):
    library_entry(author=manager, approver=lead, key="mfa")
    doc = document(actor=manager, expires_on=timezone.localdate() + timedelta(days=5))
    before = _state()
    for person in (customer, other_customer):
        client = mfa_client(person)
        for method, url, data in _every_url(doc):
            status = getattr(client, method)(url, data).status_code
            assert status in (403, 404), f"{person.email} {method} {url} answered {status}"
    assert _state() == before


def test_a_missing_document_is_404_for_staff(mfa_client, manager):
    client = mfa_client(manager)
    assert client.get(reverse("evidence:document-detail", args=[999])).status_code == 404
    assert client.get(reverse("evidence:version-download", args=[999, 1])).status_code == 404
