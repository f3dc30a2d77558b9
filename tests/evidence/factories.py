"""Evidence documents for tests, made through the service so every upload check runs."""

from datetime import date

from evidence import services
from evidence.models import Document

from .pdfs import clean_pdf


def document(
    *,
    actor,
    owner=None,
    title: str = "SOC 2 Type II report",
    kind: str = "soc2",
    classification: str = "nda",
    expires_on: date | None = None,
    filename: str = "soc2.pdf",
    data: bytes | None = None,
) -> Document:
    return services.document_create(
        actor=actor,
        title=title,
        kind=kind,
        classification=classification,
        owner=owner or actor,
        filename=filename,
        data=data if data is not None else clean_pdf(),
        dates=services.VersionDates(expires_on=expires_on),
    )


def new_version(*, actor, doc: Document, expires_on: date | None = None, data: bytes | None = None):
    return services.version_add(
        actor=actor,
        document=doc,
        filename="next.pdf",
        data=data if data is not None else clean_pdf(),
        dates=services.VersionDates(expires_on=expires_on),
    )
