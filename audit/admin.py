from django.contrib import admin

from accounts.admin_site import ReadOnlyModelAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is append-only, the admin site included."""

    list_display = ("seq", "at", "actor_email", "action", "object_repr", "ip", "via")
    list_filter = ("action", "via")
    search_fields = ("actor_email", "action", "object_repr")
