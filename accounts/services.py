"""Writes for accounts: organisations, invitations, roles, second factors."""

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record

from . import policies
from .models import CustomerOrganisation, Invitation, Role, User, hash_invitation_token

SESSION_MFA_VERIFIED_AT = "mfa_verified_at"
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


# --- Organisations --------------------------------------------------------------------------------


def organisation_create(*, actor: User, name: str, request: HttpRequest | None = None) -> CustomerOrganisation:
    """Create a customer organisation (staff only), audited."""
    if not policies.can_manage_organisations(actor):
        raise PermissionDenied("Only vendor staff create customer organisations.")
    name = name.strip()
    if CustomerOrganisation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "An organisation with this name already exists."})
    with transaction.atomic():
        organisation = CustomerOrganisation.objects.create(name=name)
        audit_record(action="organisation.created", actor=actor, obj=organisation, request=request)
    return organisation


# --- Invitations ----------------------------------------------------------------------------------


def invitation_create(
    *,
    actor: User,
    email: str,
    role: str,
    organisation: CustomerOrganisation | None,
    request: HttpRequest | None = None,
) -> tuple[Invitation, str]:
    """Create a single-use invitation and mail its link after commit. Returns it with the raw token,
    which is never stored (only its hash is)."""
    email = User.objects.normalize_email(email).lower()
    if not policies.can_invite(actor, role):
        raise PermissionDenied("You may not invite users with this role.")
    if role == Role.CUSTOMER and organisation is None:
        raise ValidationError({"organisation": "Customer users belong to a customer organisation."})
    if role != Role.CUSTOMER:
        organisation = None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this email address already exists."})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # A newer invitation replaces any still-open one for the same address.
        Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            organisation=organisation,
            token_hash=hash_invitation_token(token),
            invited_by=actor,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        audit_record(
            action="invitation.sent",
            actor=actor,
            obj=invitation,
            data={"email": email, "role": role, "organisation": organisation.name if organisation else None},
            request=request,
        )
        link = reverse("accounts:invitation-accept", args=[token])
        if request is not None:
            link = request.build_absolute_uri(link)
        body = render_to_string(
            "accounts/email/invitation.txt", {"invitation": invitation, "link": link, "actor": actor}
        )
        transaction.on_commit(
            lambda: send_mail("[Trustpack] You are invited to Trustpack", body, None, [email], fail_silently=False)
        )
    return invitation, token


def invitation_usable_by_token(token: str) -> Invitation | None:
    """The pending invitation for this raw token, or None (wrong, used, revoked or expired alike)."""
    invitation = Invitation.objects.filter(token_hash=hash_invitation_token(token)).first()
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def invitation_accept(*, token: str, full_name: str, password: str, request: HttpRequest | None = None) -> User:
    """Turn a usable invitation into an account, once. Raises ValidationError when the link is no
    longer valid or the password is too weak."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(token_hash=hash_invitation_token(token)).first()
        if invitation is None or not invitation.is_usable:
            raise ValidationError("This invitation link is no longer valid. Ask for a new one.")
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError("An account with this email address already exists.")
        candidate = User(email=invitation.email, full_name=full_name.strip())
        validate_password(password, user=candidate)
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            full_name=full_name.strip(),
            role=invitation.role,
            organisation=invitation.organisation,
        )
        # The link arrived by email, so following it proves the address.
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        audit_record(
            action="invitation.accepted",
            actor=user,
            obj=invitation,
            data={"role": user.role, "invited_by": invitation.invited_by.email},
            request=request,
        )
    return user


def invitation_revoke(*, actor: User, invitation: Invitation, request: HttpRequest | None = None) -> None:
    """Revoke a pending invitation so its link stops working."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise ValidationError("Only pending invitations can be revoked.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(action="invitation.revoked", actor=actor, obj=invitation, request=request)


# --- Roles and account state ----------------------------------------------------------------------


def user_change_role(
    *,
    actor: User,
    user: User,
    role: str,
    organisation: CustomerOrganisation | None,
    request: HttpRequest | None = None,
) -> User:
    """Change a user's role (and organisation for customers), audited with before and after."""
    if not policies.can_manage_user(actor, user):
        raise PermissionDenied("You may not change this account's role.")
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    if role == Role.CUSTOMER and organisation is None:
        raise ValidationError({"organisation": "Customer users belong to a customer organisation."})
    if role != Role.CUSTOMER:
        organisation = None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {"role": user.role, "organisation": str(user.organisation) if user.organisation else None}
        user.role, user.organisation = role, organisation
        user.save(update_fields=["role", "organisation"])
        after = {"role": role, "organisation": organisation.name if organisation else None}
        if before != after:
            audit_record(
                action="user.role_changed", actor=actor, obj=user, data={"from": before, "to": after}, request=request
            )
    return user


def user_set_active(*, actor: User, user: User, is_active: bool, request: HttpRequest | None = None) -> User:
    """Deactivate (ending every session) or reactivate an account, audited."""
    if not policies.can_manage_user(actor, user):
        raise PermissionDenied("You may not change this account.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == is_active:
            return user
        user.is_active = is_active
        fields = ["is_active"]
        if not is_active:
            user.session_generation += 1
            fields.append("session_generation")
        user.save(update_fields=fields)
        audit_record(
            action="user.activated" if is_active else "user.deactivated", actor=actor, obj=user, request=request
        )
    return user


# --- Second factors -------------------------------------------------------------------------------


def mfa_has_confirmed_device(user: User) -> bool:
    """True when the user has enrolled an authenticator (recovery codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_enrolment_device(*, user: User) -> TOTPDevice:
    """The user's authenticator awaiting its first code, created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def _mark_verified(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A new session key once the second factor is passed: a key seen before it is worth nothing.
    request.session.cycle_key()
    request.session[SESSION_MFA_VERIFIED_AT] = time.time()


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(10))
        for _ in range(settings.MFA_RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def mfa_enrol_confirm(*, request: HttpRequest, code: str) -> list[str] | None:
    """Confirm the authenticator with its first code. On success the session counts as verified and
    fresh recovery codes are returned (shown once); on a wrong code returns None."""
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None or not device.verify_token(_normalise_code(code)):
            audit_record(action="mfa.enrolment_failed", actor=user, request=request)
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        audit_record(action="mfa.enrolled", actor=user, obj=device, data={"device": "totp"}, request=request)
    _mark_verified(request, device)
    return codes


@dataclass(frozen=True)
class MfaCheck:
    ok: bool
    retry_after_seconds: int = 0


def _normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def mfa_verify(*, request: HttpRequest, code: str) -> MfaCheck:
    """Check a code from the authenticator or a recovery code. Used codes are refused (TOTP keeps the
    last accepted time step; a recovery code is deleted), wrong codes slow further tries down."""
    user = request.user
    code = _normalise_code(code)
    wanted = TOTPDevice if code.isdigit() else StaticDevice
    retry_after = _mfa_wait_seconds(user)
    matched = None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True) if not retry_after else ():
            if isinstance(device, wanted) and device.verify_token(code):
                matched = device
                break
        if matched is None:
            audit_record(
                action="mfa.failed",
                actor=user,
                data={"kind": "totp" if wanted is TOTPDevice else "recovery_code", "throttled": bool(retry_after)},
                request=request,
            )
        else:
            audit_record(
                action="mfa.verified",
                actor=user,
                data={"kind": "totp" if wanted is TOTPDevice else "recovery_code"},
                request=request,
            )
    if matched is None:
        if not retry_after:
            _mfa_failure_count(user, add=1)
        return MfaCheck(ok=False, retry_after_seconds=retry_after)
    cache.delete(_mfa_failures_key(user))
    _mark_verified(request, matched)
    return MfaCheck(ok=True)


def _mfa_failures_key(user: User) -> str:
    return f"mfa-failures:{user.pk}"


def _mfa_failure_count(user: User, *, add: int = 0) -> tuple[int, float]:
    count, last = cache.get(_mfa_failures_key(user), (0, 0.0))
    if add:
        count, last = count + add, time.time()
        cache.set(_mfa_failures_key(user), (count, last), timeout=settings.MFA_MAX_WAIT_SECONDS)
    return count, last


def _mfa_wait_seconds(user: User) -> int:
    """Seconds before this account may try another code: none for the first few wrong codes (a typo
    costs nothing), then 30 s doubling per further failure, up to MFA_MAX_WAIT_SECONDS."""
    count, last = _mfa_failure_count(user)
    if count < settings.MFA_FREE_ATTEMPTS:
        return 0
    wait = min(30 * 2 ** (count - settings.MFA_FREE_ATTEMPTS), settings.MFA_MAX_WAIT_SECONDS)
    remaining = last + wait - time.time()
    return int(remaining) + 1 if remaining > 0 else 0


def mfa_recovery_codes_regenerate(*, request: HttpRequest) -> list[str]:
    """Replace the signed-in user's recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _recovery_codes_replace(request.user)
        audit_record(action="mfa.recovery_codes_regenerated", actor=request.user, request=request)
    return codes


def mfa_remaining_recovery_codes(user: User) -> int:
    """How many unused recovery codes the user has left."""
    return StaticToken.objects.filter(device__user=user).count()


def mfa_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Remove every second factor of `user` and end all their sessions: they must enrol again."""
    if not policies.can_manage_user(actor, user):
        raise PermissionDenied("You may not reset this account's second factors.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user.session_generation += 1
        user.save(update_fields=["session_generation"])
        audit_record(action="mfa.reset", actor=actor, obj=user, request=request)


class StepUpRequired(PermissionDenied):
    """The action needs a second factor passed within the last few minutes."""


def step_up_ensure(request: HttpRequest | None, *, via_cli: bool, action: str) -> None:
    """Refuse unless this session passed a second factor within MFA_STEP_UP_SECONDS. Command-line runs
    are the operator's (they cannot be asked for a code) and say so in the audit trail instead."""
    if via_cli:
        return
    if request is None or not mfa_verified_recently(request):
        raise StepUpRequired(f"{action} needs a fresh second factor.")


def mfa_verified_recently(request: HttpRequest) -> bool:
    """True when this session passed a second factor within MFA_STEP_UP_SECONDS."""
    verified_at = request.session.get(SESSION_MFA_VERIFIED_AT)
    if not verified_at or not request.user.is_verified():
        return False
    return time.time() - float(verified_at) <= settings.MFA_STEP_UP_SECONDS


# --- Demo data ------------------------------------------------------------------------------------

DEMO_USERS = (
    ("admin@example.com", "Ada Admin", Role.ADMIN),
    ("lead@example.com", "Sam Security-Lead", Role.SECURITY_LEAD),
    ("manager@example.com", "Max Account-Manager", Role.ACCOUNT_MANAGER),
    ("customer@example.com", "Casey Customer", Role.CUSTOMER),
)
DEMO_ORGANISATION = "Acme Manufacturing"


def demo_users_ensure(*, password: str) -> list[User]:
    """Create (or reset the password of) the demo users, idempotently."""
    users = []
    with transaction.atomic():
        organisation, _ = CustomerOrganisation.objects.get_or_create(name=DEMO_ORGANISATION)
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            org = organisation if role == Role.CUSTOMER else None
            if user is None:
                user = User.objects.create_user(
                    email=email, password=password, full_name=name, role=role, organisation=org
                )
                audit_record(action="user.created", actor=None, obj=user, data={"role": role, "source": "seed_demo"})
            elif not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            users.append(user)
    return users
