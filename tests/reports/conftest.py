"""Fixtures for shares and the customer portal: a released package with a signed-looking PDF, evidence
documents and NDA rows created directly (the vault and NDA flows are tested on their own)."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfWriter

from accounts.models import Role
from evidence.models import Document, DocumentVersion, NdaAcceptance, NdaText
from reports.models import Package, PackageStatus, RenderedPdf, RenderStatus, Share
from tests.factories import UserFactory


def small_pdf(pages: int = 3) -> bytes:
    """A PDF of `pages` blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_document(
    owner,
    *,
    title="SOC 2 Type II report",
    classification="nda",
    data=None,
    content_type="application/pdf",
    expires_on=None,
):
    data = data if data is not None else small_pdf()
    document = Document.objects.create(title=title, classification=classification, owner=owner)
    version = DocumentVersion(
        document=document,
        number=1,
        original_name="report.pdf",
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=owner,
        expires_on=expires_on,
    )
    version.file.save("x.bin", ContentFile(data), save=False)
    version.save()
    document.current_version = version
    document.save(update_fields=["current_version"])
    return document


def publish_nda(publisher, version: int = 1) -> NdaText:
    body = f"Mutual NDA, version {version}."
    return NdaText.objects.create(
        version=version, body=body, sha256=hashlib.sha256(body.encode()).hexdigest(), published_by=publisher
    )


def accept_nda(user, nda: NdaText) -> NdaAcceptance:
    organisation = user.organisation
    organisation.is_nda_covered = True
    organisation.save(update_fields=["is_nda_covered"])
    return NdaAcceptance.objects.create(
        user=user, organisation=organisation, nda_text=nda, nda_sha256=nda.sha256, full_name="Casey", title="CISO"
    )


def released_package(organisation, *, assembler, releaser, pdf_data: bytes | None = None) -> Package:
    """A released package whose latest PDF is ready (bytes stand in for the signed file)."""
    package = Package.objects.create(
        title="Security answers",
        organisation=organisation,
        assembled_by=assembler,
        status=PackageStatus.RELEASED,
        released_by=releaser,
        released_at=timezone.now(),
    )
    data = pdf_data or small_pdf(2)
    pdf = RenderedPdf(
        package=package,
        revision=1,
        status=RenderStatus.READY,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        signed_at=timezone.now(),
    )
    pdf.file.save("p.pdf", ContentFile(data), save=False)
    pdf.save()
    return package


def make_share(package, *, created_by, documents=(), days=30, **fields) -> Share:
    share = Share.objects.create(
        package=package,
        organisation=package.organisation,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=days),
        **fields,
    )
    share.documents.set(documents)
    return share


@pytest.fixture
def package(organisation, manager, lead):
    return released_package(organisation, assembler=manager, releaser=lead)


@pytest.fixture
def other_package(other_organisation, manager, lead):
    return released_package(other_organisation, assembler=manager, releaser=lead)


@pytest.fixture
def nda_document(lead):
    return make_document(lead)


@pytest.fixture
def public_document(lead):
    return make_document(lead, title="Architecture diagram", classification="public")


@pytest.fixture
def share(package, manager, nda_document, public_document):
    return make_share(package, created_by=manager, documents=[nda_document, public_document])


@pytest.fixture
def other_share(other_package, manager, public_document):
    return make_share(other_package, created_by=manager, documents=[public_document])


@pytest.fixture
def second_customer(organisation):
    return UserFactory(role=Role.CUSTOMER, organisation=organisation, email="second@example.com")
