"""In the browser, as a customer: accept the NDA, download the shared package and an evidence document; once
staff revoke the share, the next download is refused at once.

The NDA and portal pages are being built; until the URL names and the revoking service below exist, this journey
skips and names what it still needs. The data is written straight into the models that exist today.
"""

import hashlib
import importlib
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from evidence.models import Document, DocumentVersion, NdaText
from reports.models import Download, DownloadKind, Share
from tests.factories import library_entry

from .conftest import off_the_browser_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ("nda:nda-accept", "reports:portal-share-list", "reports:portal-share-detail")
SERVICES = ("reports.sharing.share_revoke",)


def _evidence_pdf() -> bytes:
    """A real two-page PDF, so the watermark has pages to stamp."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


EVIDENCE_PDF = _evidence_pdf()


def _page_exists(name: str) -> bool:
    for args in ([], [1]):
        try:
            reverse(name, args=args)
            return True
        except NoReverseMatch:
            continue
    return False


def _service_exists(dotted: str) -> bool:
    module, _, name = dotted.rpartition(".")
    return hasattr(importlib.import_module(module), name)


@pytest.fixture
def portal_built():
    """Skips, naming what is missing, until the NDA and portal pages and the revoking service exist."""
    missing = [name for name in PAGES if not _page_exists(name)] + [s for s in SERVICES if not _service_exists(s)]
    if missing:
        pytest.skip(f"needs the NDA and portal pages: {', '.join(missing)} not there yet")


@pytest.fixture
def shared_package(manager, lead, organisation):
    """A released, signed package shared with the customer's organisation with one NDA-class document, and an
    NDA text in force."""
    from reports import services as reports

    entries = [
        library_entry(author=manager, approver=lead, key="mfa-enforced", answer="Every user signs in with a code.")
    ]
    package = reports.package_create(
        actor=manager, organisation=organisation, title="Standard answers", entries=entries
    )
    off_the_browser_thread(reports.package_release, actor=lead, package=package, via_cli=True)
    body = "Each party keeps the other's confidential information confidential."
    NdaText.objects.create(version=1, body=body, sha256=hashlib.sha256(body.encode()).hexdigest(), published_by=lead)
    document = Document.objects.create(title="SOC 2 Type II report", kind="soc2", owner=lead)
    version = DocumentVersion.objects.create(
        document=document,
        number=1,
        file=ContentFile(EVIDENCE_PDF, name="soc2.pdf"),
        original_name="soc2.pdf",
        content_type="application/pdf",
        size=len(EVIDENCE_PDF),
        sha256=hashlib.sha256(EVIDENCE_PDF).hexdigest(),
        uploaded_by=lead,
    )
    Document.objects.filter(pk=document.pk).update(current_version=version)
    share = Share.objects.create(
        package=package, organisation=organisation, created_by=lead, expires_at=timezone.now() + timedelta(days=14)
    )
    share.documents.add(document)
    return share


def test_customer_accepts_the_nda_downloads_and_is_refused_once_the_share_is_revoked(
    portal_built, page, customer, lead, shared_package
):
    from reports.sharing import share_revoke

    sign_in(page, customer)
    page.goto(reverse("nda:nda-accept"))
    page.get_by_label("Full name").fill("Casey Customer")
    page.get_by_label(re.compile("title", re.I)).first.fill("Head of Procurement Security")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=re.compile("accept", re.I)).click()
    page.wait_for_load_state()

    page.goto(reverse("reports:portal-share-list"))
    page.get_by_role("link", name=re.compile("Standard answers")).first.click()
    share_page = page.url
    with page.expect_download() as package_download:
        page.get_by_role("link", name=re.compile("download", re.I)).first.click()
    assert package_download.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as evidence_download:
        page.get_by_role("row", name=re.compile("SOC 2 Type II report")).get_by_role("link", name="Download").click()
    assert evidence_download.value.suggested_filename
    kinds = sorted(Download.objects.filter(share=shared_package, user=customer).values_list("kind", flat=True))
    assert kinds == sorted([DownloadKind.PACKAGE_PDF, DownloadKind.EVIDENCE])

    off_the_browser_thread(share_revoke, actor=lead, share=shared_package)
    response = page.goto(share_page)
    assert response.status in (403, 404)
    assert Download.objects.filter(share=shared_package).count() == 2
