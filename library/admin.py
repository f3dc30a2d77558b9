"""Library in the admin site: read-only, with approval only through the one approval service."""

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied

from accounts.admin_site import ReadOnlyModelAdmin

from .models import LibraryEntry, LibraryEntryVersion
from .services import version_approve


@admin.register(LibraryEntry)
class LibraryEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("key", "category", "classification", "owner", "review_due", "retired_at")
    list_filter = ("category", "classification")
    search_fields = ("key",)


@admin.register(LibraryEntryVersion)
class LibraryEntryVersionAdmin(ReadOnlyModelAdmin):
    list_display = ("entry", "number", "status", "author", "approver", "approved_at")
    list_filter = ("status",)
    search_fields = ("entry__key", "question")
    actions = ["approve_selected"]

    @admin.action(description="Approve selected versions (same rules as everywhere: four eyes, step-up)")
    def approve_selected(self, request, queryset):
        for version in queryset:
            try:
                version_approve(actor=request.user, version=version, request=request)
            except PermissionDenied as error:
                self.message_user(request, f"{version}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{version} approved.", messages.SUCCESS)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Actions normally need change permission; this one is guarded by the approval service instead.
        actions = super().get_actions(request, action_location)
        action = self.get_action("approve_selected")
        if action:
            actions["approve_selected"] = action
        return actions
