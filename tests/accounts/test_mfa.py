"""The second factor: enrolment, verification, replay, throttling, recovery codes, step-up, resets."""

import time
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from audit.models import AuditEvent
from tests.conftest import enrol_totp, totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def password_login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def test_login_without_device_goes_to_enrolment_and_enrolment_reaches_dashboard(client, manager):
    response = password_login(client, manager.email)
    assert response.status_code == 302
    response = client.get("/", follow=False)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa-enrol"))

    page = client.get(reverse("accounts:mfa-enrol"))
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    secret_group = page.context["secret_groups"][0]
    assert secret_group.encode() in page.content  # the key in text, for typing by hand

    response = client.post(reverse("accounts:mfa-enrol"), {"code": totp_code(device)})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa-recovery-codes"))
    codes_page = client.get(response["Location"])
    assert len(codes_page.context["codes"]) == 10
    assert client.get(reverse("accounts:mfa-recovery-codes")).status_code == 302  # shown once only

    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert b"Welcome" in dashboard.content
    assert AuditEvent.objects.filter(action="mfa.enrolled", actor_id=manager.pk).exists()


def test_enrolment_refuses_a_wrong_first_code(client, manager):
    password_login(client, manager.email)
    client.get(reverse("accounts:mfa-enrol"))
    response = client.post(reverse("accounts:mfa-enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    assert client.get("/").status_code == 302


def test_login_with_device_asks_for_code_then_reaches_dashboard(client, manager):
    device = enrol_totp(manager)
    password_login(client, manager.email)
    response = client.get("/")
    assert response["Location"].startswith(reverse("accounts:mfa-verify"))
    response = client.post(reverse("accounts:mfa-verify"), {"code": totp_code(device), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_used_totp_code_is_refused_a_second_time(client, manager):
    device = enrol_totp(manager)
    code = totp_code(device)
    password_login(client, manager.email)
    assert client.post(reverse("accounts:mfa-verify"), {"code": code}).status_code == 302
    client.logout()
    password_login(client, manager.email)
    response = client.post(reverse("accounts:mfa-verify"), {"code": code})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_one_typo_does_not_block_the_right_code(client, manager):
    device = enrol_totp(manager)
    password_login(client, manager.email)
    assert client.post(reverse("accounts:mfa-verify"), {"code": "111111"}).status_code == 400
    assert client.post(reverse("accounts:mfa-verify"), {"code": totp_code(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_repeated_wrong_codes_are_throttled_even_before_a_right_one(client, manager, settings):
    device = enrol_totp(manager)
    password_login(client, manager.email)
    for _ in range(settings.MFA_FREE_ATTEMPTS):
        assert client.post(reverse("accounts:mfa-verify"), {"code": "111111"}).status_code == 400
    refused = client.post(reverse("accounts:mfa-verify"), {"code": totp_code(device)})
    assert refused.status_code == 429
    assert "Too many wrong codes" in refused.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="mfa.failed", actor_id=manager.pk).count() == settings.MFA_FREE_ATTEMPTS + 1


def test_recovery_code_works_once(client, manager):
    password_login(client, manager.email)
    client.get(reverse("accounts:mfa-enrol"))
    device = TOTPDevice.objects.get(user=manager)
    response = client.post(reverse("accounts:mfa-enrol"), {"code": totp_code(device)})
    codes = client.get(response["Location"]).context["codes"]
    client.logout()

    password_login(client, manager.email)
    assert client.post(reverse("accounts:mfa-verify"), {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=manager).count() == 9
    client.logout()

    password_login(client, manager.email)
    assert client.post(reverse("accounts:mfa-verify"), {"code": codes[0]}).status_code == 400
    assert client.get("/").status_code == 302


def test_password_reset_then_login_still_asks_for_second_factor(client, manager):
    device = enrol_totp(manager)
    client.post(reverse("account_reset_password"), {"email": manager.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/key/" in line).strip()
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new_password = "a-brand-new-passphrase-77"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    # The reset signs nobody in.
    assert client.get("/")["Location"].startswith(reverse("account_login"))
    password_login(client, manager.email, new_password)
    assert client.get("/")["Location"].startswith(reverse("accounts:mfa-verify"))
    client.post(reverse("accounts:mfa-verify"), {"code": totp_code(device)})
    assert client.get("/").status_code == 200


def test_session_key_changes_at_login_and_at_mfa_verification(client, manager):
    device = enrol_totp(manager)
    client.get(LOGIN)
    client.session.save()
    anonymous_key = client.session.session_key
    password_login(client, manager.email)
    password_key = client.session.session_key
    client.post(reverse("accounts:mfa-verify"), {"code": totp_code(device)})
    verified_key = client.session.session_key
    assert len({anonymous_key, password_key, verified_key}) == 3


def test_admin_site_needs_a_verified_second_factor(client, admin_user, password_only_client, mfa_client):
    anonymous = client.get("/admin/", follow=True)
    assert anonymous.request["PATH_INFO"] == reverse("account_login")
    password_only_client(admin_user)
    assert client.get("/admin/")["Location"].startswith(reverse("accounts:mfa-enrol"))
    client.logout()
    mfa_client(admin_user)
    assert client.get("/admin/").status_code == 200


def test_admin_site_refuses_verified_non_admins(mfa_client, lead):
    assert mfa_client(lead).get("/admin/", follow=True).status_code == 403


def test_step_up_asks_for_a_fresh_code_before_a_sensitive_action(client, mfa_client, admin_user, manager):
    mfa_client(admin_user)
    session = client.session
    session["mfa_verified_at"] = time.time() - 301
    session.save()
    reset_url = reverse("accounts:user-mfa-reset", args=[manager.pk])
    enrol_totp(manager)
    page = reverse("accounts:user-detail", args=[manager.pk])
    response = client.post(reset_url, HTTP_REFERER=page)
    assert response.status_code == 302 and response["Location"] == page
    assert TOTPDevice.objects.filter(user=manager).exists()
    assert 'name="otp_code"' in client.get(page).content.decode()  # the form now asks for the code itself

    device = TOTPDevice.objects.get(user=admin_user)
    response = client.post(reset_url, {"otp_code": totp_code(device)}, HTTP_REFERER=page)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()


def test_admin_factor_reset_ends_sessions_and_forces_re_enrolment(client, admin_user, manager, mfa_client):
    from django.test import Client

    victim = Client()
    device = enrol_totp(manager)
    password_login(victim, manager.email)
    victim.post(reverse("accounts:mfa-verify"), {"code": totp_code(device)})
    assert victim.get("/").status_code == 200

    mfa_client(admin_user).post(reverse("accounts:user-mfa-reset", args=[manager.pk]))

    assert victim.get("/")["Location"].startswith(reverse("account_login"))
    password_login(victim, manager.email)
    assert victim.get("/")["Location"].startswith(reverse("accounts:mfa-enrol"))
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.actor_id == admin_user.pk and event.object_id == str(manager.pk)


def test_admins_cannot_reset_their_own_factors(mfa_client, admin_user):
    response = mfa_client(admin_user).post(reverse("accounts:user-mfa-reset", args=[admin_user.pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_absolute_session_lifetime_ends_an_active_session(client, mfa_client, manager, settings):
    mfa_client(manager)
    assert client.get("/").status_code == 200
    with mock.patch(
        "accounts.middleware.time.time", return_value=time.time() + settings.SESSION_ABSOLUTE_LIFETIME_SECONDS + 5
    ):
        response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_customers_need_the_second_factor_too(client, customer):
    password_login(client, customer.email)
    assert client.get("/")["Location"].startswith(reverse("accounts:mfa-enrol"))


def test_every_role_passes_through_the_gate(client):
    for role in Role.values:
        user = UserFactory(role=role)
        client.logout()
        password_login(client, user.email)
        assert client.get("/").status_code == 302
