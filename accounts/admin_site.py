"""The admin site behind the same gate as the rest: admins only, with a verified second factor."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from .redirects import safe_next_url


class TrustpackAdminSite(OTPAdminSite):
    site_header = "Trustpack administration"
    site_title = "Trustpack admin"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_verified())

    def login(self, request, extra_context=None):
        """One sign-in page for everyone: the admin sends people to it instead of its own."""
        if request.user.is_authenticated:
            raise PermissionDenied("The admin site is for admins only.")
        next_url = safe_next_url(request, reverse("admin:index"))
        return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Browse only: records change through the audited services, never through the admin site."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
