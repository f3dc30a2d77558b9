"""Shared reads of the evidence vault and the NDA."""

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from library.models import LibraryEntryVersion

from . import policies
from .models import Document, DocumentClassification, DocumentVersion, NdaAcceptance, NdaText


def current_nda() -> NdaText | None:
    """The NDA text in force (the newest published version), or None before any is published."""
    return NdaText.objects.order_by("-version").first()


def has_accepted_current_nda(user) -> bool:
    """True when this user accepted the NDA text in force (a newer version asks again)."""
    nda = current_nda()
    return bool(
        nda is not None
        and user.is_authenticated
        and NdaAcceptance.objects.filter(user_id=user.pk, nda_text=nda, nda_sha256=nda.sha256).exists()
    )


def document_list(*, user, kind: str = "", classification: str = "", today=None) -> list[Document]:
    """Documents the user may see, filtered, each with `expiry_days` (days until its current version
    expires; negative once expired; None when it never does)."""
    today = today or timezone.localdate()
    documents = policies.documents_for(user).select_related("owner", "current_version", "current_version__uploaded_by")
    if kind:
        documents = documents.filter(kind=kind)
    if classification:
        documents = documents.filter(classification=classification)
    rows = list(documents.order_by("title", "pk"))
    for document in rows:
        expires_on = document.current_version.expires_on if document.current_version else None
        document.expiry_days = (expires_on - today).days if expires_on else None
    return rows


def version_history(*, document: Document) -> QuerySet[DocumentVersion]:
    """Every version of the document, newest first, with who uploaded it and what library wording cites it."""
    return (
        document.versions.select_related("uploaded_by")
        .prefetch_related(Prefetch("cited_by", queryset=LibraryEntryVersion.objects.select_related("entry")))
        .order_by("-number")
    )


def shareable_documents(*, today=None) -> QuerySet[DocumentVersion]:
    """Current versions of documents that may enter a new share: never internal-class, never expired."""
    today = today or timezone.localdate()
    return (
        DocumentVersion.objects.filter(superseded_at__isnull=True, document__current_version=F("pk"))
        .exclude(document__classification=DocumentClassification.INTERNAL)
        .exclude(expires_on__lt=today)
        .select_related("document")
        .order_by("document__title")
    )
