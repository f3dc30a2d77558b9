"""Who may do what with users, organisations and invitations; and the one door to those objects."""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import STAFF_ROLES, CustomerOrganisation, Invitation, Role, User


def is_verified(user) -> bool:
    """Signed in and past the second factor in this session (django-otp's verified state)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


class Intent(StrEnum):
    """What the caller of an access function is about to do with the object it fetches."""

    VIEW = "view"
    EDIT = "edit"
    APPROVE = "approve"
    RELEASE = "release"


def access_check(allowed: bool) -> None:
    """The second half of every access function: the object is the user's to see; may they do this?
    A refusal is a 403 (the object exists for them), unlike the 404 for missing or not theirs."""
    if not allowed:
        raise PermissionDenied


def organisation_link_refusal(organisation_id: int | None, other_organisation_id: int | None, what: str) -> str | None:
    """Objects of two customers are never linked: why `what` may not be attached to this organisation."""
    if other_organisation_id is None:
        return f"{what} is not linked to a customer yet: set its customer first."
    if other_organisation_id != organisation_id:
        return f"{what} belongs to another customer; choose one of this customer's."
    return None


def has_role(user, *roles: str) -> bool:
    """Signed in, active, and holding one of `roles`."""
    return bool(user.is_authenticated and user.is_active and user.role in roles)


def is_vendor_staff(user) -> bool:
    """Signed-in vendor staff of any staff role (account manager, security lead, admin)."""
    return bool(user.is_authenticated and user.is_active and user.role in STAFF_ROLES)


def is_admin(user) -> bool:
    """Signed-in operator with the admin role."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def four_eyes_refusal(
    user, *, contributions: dict[int | None, str], subject: str, action: str = "approve"
) -> str | None:
    """The four-eyes rule, the one place it is written: nobody approves work they contributed to.
    `contributions` maps each contributor's id to what they did ("wrote", "edited", "assembled"); the
    answer is why `user` may not approve `subject`, or None when they contributed nothing to it."""
    done = contributions.get(user.pk)
    if user.pk is None or done is None:
        return None
    return f"You {done} this {subject}, so someone else must {action} it."


def can_manage_users(user) -> bool:
    """Only admins change roles, reset second factors and deactivate accounts."""
    return is_admin(user)


def can_view_system_status(user) -> bool:
    """Only admins see the operations page (health checks and worker heartbeats)."""
    return is_admin(user)


def can_manage_user(actor, target: User) -> bool:
    """Admins manage other accounts, never their own (so nobody removes the last way back in alone)."""
    return can_manage_users(actor) and actor.pk != target.pk


def can_manage_organisations(user) -> bool:
    """Vendor staff create customer organisations."""
    return is_vendor_staff(user)


def invitable_roles(user) -> list[str]:
    """Admins invite staff (and customers); account managers and security leads invite customers."""
    if is_admin(user):
        return [Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD, Role.ADMIN, Role.CUSTOMER]
    if is_vendor_staff(user):
        return [Role.CUSTOMER]
    return []


def can_invite(user, role: str) -> bool:
    """True when `user` may send an invitation for `role`."""
    return role in invitable_roles(user)


def organisations_for(user) -> QuerySet[CustomerOrganisation]:
    """Staff see every customer organisation; a customer sees only their own."""
    if is_vendor_staff(user):
        return CustomerOrganisation.objects.all()
    if user.is_authenticated and user.is_active and user.role == Role.CUSTOMER:
        return CustomerOrganisation.objects.filter(pk=user.organisation_id)
    return CustomerOrganisation.objects.none()


def organisation_get_for(user, pk, *, for_: Intent = Intent.VIEW) -> CustomerOrganisation:
    """The organisation, or 404 when it is missing or not the user's to see; 403 when they may see it but
    not edit it (customers see their own)."""
    organisation = get_object_or_404(organisations_for(user), pk=pk)
    access_check(for_ == Intent.VIEW or can_manage_organisations(user))
    return organisation


def invitations_for(user) -> QuerySet[Invitation]:
    """Admins see every invitation; other staff see customer invitations; customers see none."""
    if is_admin(user):
        return Invitation.objects.all()
    if is_vendor_staff(user):
        return Invitation.objects.filter(role=Role.CUSTOMER)
    return Invitation.objects.none()


def invitation_get_for(user, pk) -> Invitation:
    """The invitation, or 404 when it is missing or not the user's to see."""
    return get_object_or_404(invitations_for(user), pk=pk)


def users_for(user) -> QuerySet[User]:
    """Admins see every account; nobody else lists accounts."""
    if is_admin(user):
        return User.objects.all()
    return User.objects.none()


def user_get_for(actor, pk) -> User:
    """The account, or 404 when it is missing or the actor may not manage accounts."""
    return get_object_or_404(users_for(actor), pk=pk)
