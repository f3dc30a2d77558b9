from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, the admin site included."""

    list_display = ("seq", "at", "actor_email", "action", "object_repr", "ip", "via")
    list_filter = ("action", "via")
    search_fields = ("actor_email", "action", "object_repr")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
