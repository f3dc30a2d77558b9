"""Account pages: dashboard, second factor, organisations, invitations, users."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.selectors import recent_events

from . import policies, selectors, services
from .forms import AcceptInvitationForm, CodeForm, EnrolForm, InvitationForm, OrganisationForm, RoleForm
from .ids import id_from
from .models import Role
from .redirects import safe_next_url
from .step_up import require_step_up
from .view_errors import error_message, errors_into_form, require

SESSION_NEW_RECOVERY_CODES = "new_recovery_codes"


# --- Second factor --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if services.mfa_has_confirmed_device(user):
        return redirect(reverse("accounts:mfa-verify"))
    device = services.mfa_enrolment_device(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.mfa_enrol_confirm(request=request, code=form.cleaned_data["code"])
        if codes is not None:
            request.session[SESSION_NEW_RECOVERY_CODES] = codes
            messages.success(request, "Your authenticator is set up. Keep your recovery codes somewhere safe.")
            query = urlencode({"next": safe_next_url(request, "")})
            return redirect(f"{reverse('accounts:mfa-recovery-codes')}?{query}")
        form.add_error("code", "That code did not match. Check the time on your phone and try the newest code.")
    secret = b32encode(device.bin_key).decode().rstrip("=")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#0f172a", light="#ffffff")
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "qr_svg": qr_svg,
            "next": safe_next_url(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not services.mfa_has_confirmed_device(user):
        return redirect(reverse("accounts:mfa-enrol"))
    step_up = request.GET.get("step_up") == "1" or request.POST.get("step_up") == "1"
    if user.is_verified() and not step_up:
        return redirect(safe_next_url(request, reverse("workspace:dashboard")))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = services.mfa_verify(request=request, code=form.cleaned_data["code"])
        if result.ok:
            return redirect(safe_next_url(request, reverse("workspace:dashboard")))
        if result.retry_after_seconds:
            form.add_error(
                "code", f"Too many wrong codes. Wait {result.retry_after_seconds} seconds before trying again."
            )
            status = 429
        else:
            form.add_error("code", "That code is not valid (codes work once, and only while they are shown).")
            status = 400
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "step_up": step_up, "next": safe_next_url(request, "")},
        status=status,
    )


@login_required
@require_GET
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(SESSION_NEW_RECOVERY_CODES, None)
    if not codes:
        return redirect(reverse("accounts:mfa-settings"))
    return render(
        request,
        "accounts/mfa_recovery_codes.html",
        {"codes": codes, "next": safe_next_url(request, reverse("workspace:dashboard"))},
    )


@login_required
@require_GET
def mfa_settings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/mfa_settings.html",
        {"recovery_codes_left": services.mfa_remaining_recovery_codes(request.user)},
    )


@login_required
@require_POST
@require_step_up
def mfa_recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    request.session[SESSION_NEW_RECOVERY_CODES] = services.mfa_recovery_codes_regenerate(request=request)
    messages.success(request, "New recovery codes issued. The old ones no longer work.")
    return redirect(reverse("accounts:mfa-recovery-codes"))


# --- Organisations --------------------------------------------------------------------------------


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    require(policies.is_vendor_staff(request.user))
    page = Paginator(selectors.organisation_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/organisation_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    require(policies.can_manage_organisations(request.user))
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                actor=request.user, name=form.cleaned_data["name"], request=request
            )
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            messages.success(request, f"{organisation.name} created. Invite its first user next.")
            return redirect(reverse("workspace:organisation-detail", args=[organisation.pk]))
    return render(request, "accounts/organisation_create.html", {"form": form})


# --- Invitations ----------------------------------------------------------------------------------


@login_required
@require_GET
def invitation_list(request: HttpRequest) -> HttpResponse:
    require(policies.is_vendor_staff(request.user))
    page = Paginator(selectors.invitation_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/invitation_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_create(request: HttpRequest) -> HttpResponse:
    roles = policies.invitable_roles(request.user)
    require(bool(roles))
    initial = {}
    if organisation_id := id_from(request.GET.get("organisation")):
        initial["organisation"] = policies.organisations_for(request.user).filter(pk=organisation_id).first()
    form = InvitationForm(
        request.POST or None,
        initial=initial,
        roles=roles,
        organisations=policies.organisations_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
                request=request,
            )
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works once, for 7 days.")
            return redirect(reverse("accounts:invitation-list"))
    return render(request, "accounts/invitation_create.html", {"form": form})


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = policies.invitation_get_for(request.user, pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation, request=request)
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect(safe_next_url(request, reverse("accounts:invitation-list")))


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    if request.user.is_authenticated:
        messages.info(request, "Sign out first to accept an invitation for another account.")
        return redirect(reverse("workspace:dashboard"))
    invitation = services.invitation_usable_by_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error("password1" if "password" in " ".join(error.messages).lower() else None, error.messages)
        else:
            messages.success(request, "Your account is ready. Sign in, then set up your authenticator app.")
            return redirect(reverse("account_login"))
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


# --- Users (admins) -------------------------------------------------------------------------------


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    require(policies.can_manage_users(request.user))
    users = selectors.user_list(actor=request.user)
    if role := request.GET.get("role"):
        users = users.filter(role=role)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "roles": Role.choices, "role": role or ""})


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = policies.user_get_for(request.user, pk)
    form = RoleForm(request.POST or None, initial={"role": target.role, "organisation": target.organisation})
    if request.method == "POST":
        require(policies.can_manage_user(request.user, target))
        if form.is_valid():
            try:
                services.user_change_role(
                    actor=request.user,
                    user=target,
                    role=form.cleaned_data["role"],
                    organisation=form.cleaned_data["organisation"],
                    request=request,
                )
            except ValidationError as error:
                errors_into_form(form, error)
            else:
                messages.success(request, f"Role of {target.email} updated.")
                return redirect(reverse("accounts:user-detail", args=[target.pk]))
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "form": form,
            "can_manage": policies.can_manage_user(request.user, target),
            "has_mfa": services.mfa_has_confirmed_device(target),
            "recovery_codes_left": services.mfa_remaining_recovery_codes(target),
            "events": recent_events(limit=10, actor_id=target.pk),
        },
    )


@login_required
@require_POST
@require_step_up
def user_mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = policies.user_get_for(request.user, pk)
    services.mfa_reset(actor=request.user, user=target, request=request)
    messages.success(request, f"Second factors of {target.email} removed; their sessions are ended.")
    return redirect(reverse("accounts:user-detail", args=[target.pk]))


@login_required
@require_POST
@require_step_up
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    target = policies.user_get_for(request.user, pk)
    is_active = request.POST.get("is_active") == "1"
    services.user_set_active(actor=request.user, user=target, is_active=is_active, request=request)
    messages.success(request, f"{target.email} {'reactivated' if is_active else 'deactivated'}.")
    return redirect(reverse("accounts:user-detail", args=[target.pk]))
