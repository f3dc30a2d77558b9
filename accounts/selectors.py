"""Shared reads for accounts."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import policies
from .models import CustomerOrganisation, Invitation, Role, User


def pending_only() -> Q:
    """Invitations that can still be accepted."""
    return Q(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


def organisation_list(*, user) -> QuerySet[CustomerOrganisation]:
    """Organisations the user may see, with member and pending-invitation counts."""
    pending = Q(invitations__accepted_at__isnull=True, invitations__revoked_at__isnull=True) & Q(
        invitations__expires_at__gt=timezone.now()
    )
    return (
        policies.organisations_for(user)
        .annotate(
            user_count=Count("users", distinct=True),
            pending_invitations=Count("invitations", filter=pending, distinct=True),
        )
        .order_by("name")
    )


def invitation_list(*, user) -> QuerySet[Invitation]:
    """Invitations the user may see, newest first, with sender and organisation."""
    return policies.invitations_for(user).select_related("organisation", "invited_by")


def user_list(*, actor) -> QuerySet[User]:
    """Accounts the actor may manage, with organisation and whether a second factor is enrolled."""
    return (
        policies.users_for(actor)
        .select_related("organisation")
        .annotate(has_mfa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
    )


def colleague_list() -> QuerySet[User]:
    """Active staff who write answers (account managers and security leads), for owner and assignee menus."""
    return User.objects.filter(role__in=[Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD], is_active=True).order_by("email")
