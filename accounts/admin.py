"""Read-only admin views: accounts change only through the audited pages and services."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent

from .admin_site import ReadOnlyModelAdmin
from .models import CustomerOrganisation, Invitation, User


@admin.register(User)
class UserAdmin(ReadOnlyModelAdmin):
    list_display = ("email", "full_name", "role", "organisation", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("email", "full_name")
    exclude = ("password",)


@admin.register(CustomerOrganisation)
class CustomerOrganisationAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyModelAdmin):
    list_display = ("email", "role", "organisation", "invited_by", "created_at", "expires_at", "accepted_at")
    list_filter = ("role",)
    exclude = ("token_hash",)


# Second factors change only through the audited enrolment and reset services.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is append-only, the admin site included."""

    list_display = ("seq", "at", "actor_email", "action", "object_repr", "ip", "via")
    list_filter = ("action", "via")
    search_fields = ("actor_email", "action", "object_repr")
