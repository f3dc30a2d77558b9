"""What a package PDF says, as plain data: built from the database by the package services, rendered by
`rendering`, described by the manifest that `signing` embeds. No Django models here."""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Item:
    ref: str  # the customer's question ID, or the library key for standard answers
    question: str
    short_answer: str  # "Yes", "No", "NA" or "" (the value shown beside the answer)
    answer: str
    provenance: str  # "Library, verbatim" / "Library, edited" / "Written new"
    library_key: str  # "" when written new
    version_id: int | None  # LibraryEntryVersion primary key, None when written new
    version_number: int | None
    approver: str  # name of the security lead who approved it
    approved_at: datetime
    text_sha256: str  # SHA-256 of the answer text as printed (hex)
    figure: str = ""  # "publish_data_path" / "firewall_allowlist" / ""


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Item]


@dataclass(frozen=True)
class Document:
    reference: str  # package ID printed everywhere, e.g. "TP-2026-0007"
    revision: int
    title: str
    vendor: str
    customer: str
    issued_on: date
    cover_note: str
    classification_banner: str  # e.g. "Confidential — prepared for Acme Manufacturing"
    manifest_sha256: str  # printed on the cover
    sections: list[Section]
    documents: list[dict] = field(default_factory=list)  # evidence listed later: name, version, valid_until, sha256

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)


def manifest_for(
    *,
    reference: str,
    revision: int,
    customer: str,
    issued_at: datetime,
    released_by: str,
    sections: list[Section],
    documents: list[dict] | None = None,
) -> dict:
    """The JSON manifest embedded in the PDF: what was issued, to whom, and each answer's provenance."""
    return {
        "format": "trustpack-package-manifest/1",
        "package": reference,
        "revision": revision,
        "customer": customer,
        "issued_at": issued_at.isoformat(),
        "released_by": released_by,
        "answers": [
            {
                "ref": item.ref,
                "library_key": item.library_key,
                "version_id": item.version_id,
                "text_sha256": item.text_sha256,
                "approver": item.approver,
                "approved_at": item.approved_at.isoformat(),
            }
            for section in sections
            for item in section.items
        ],
        "documents": list(documents or []),
    }
