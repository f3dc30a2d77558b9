"""Evidence in the admin site: read-only; documents change only through the audited services."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyModelAdmin

from .models import Document, DocumentVersion


@admin.register(Document)
class DocumentAdmin(ReadOnlyModelAdmin):
    list_display = ("title", "kind", "classification", "owner", "current_version")
    list_filter = ("kind", "classification")
    search_fields = ("title",)


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyModelAdmin):
    list_display = ("document", "number", "content_type", "size", "expires_on", "uploaded_by", "superseded_at")
    search_fields = ("document__title", "sha256")
    exclude = ("file",)  # downloads go through the checked view, never a storage URL
