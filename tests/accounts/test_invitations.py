"""Invitations: no open sign-up; links are single-use, expire, carry 256 random bits and are stored hashed."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import invitation_accept, invitation_create
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "long-enough-passphrase-19"


def _link_token(message) -> str:
    return re.search(r"/invite/([A-Za-z0-9_-]+)/", message.body).group(1)


def test_signup_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert b"Accounts are by invitation" in response.content
    client.post(
        reverse("account_signup"), {"email": "x@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert not User.objects.filter(email="x@example.com").exists()


def test_manager_invites_a_customer_who_accepts_once(
    client, mfa_client, manager, organisation, django_capture_on_commit_callbacks
):
    staff = mfa_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("accounts:invitation-create"),
            {"email": "Reviewer@Example.com", "role": Role.CUSTOMER, "organisation": organisation.pk},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    token = _link_token(mail.outbox[0])
    invitation = Invitation.objects.get()
    assert invitation.email == "reviewer@example.com"
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert len(token) >= 43  # 32 random bytes, URL-safe base64

    staff.logout()
    accept_url = reverse("accounts:invitation-accept", args=[token])
    assert client.get(accept_url).status_code == 200
    response = client.post(
        accept_url, {"full_name": "Rita Reviewer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="reviewer@example.com")
    assert user.role == Role.CUSTOMER and user.organisation == organisation
    assert AuditEvent.objects.filter(action="invitation.sent").exists()
    assert AuditEvent.objects.filter(action="invitation.accepted", actor_id=user.pk).exists()

    # Used: the same link now shows the invalid page, and nothing more is created.
    again = client.post(accept_url, {"full_name": "Mallory", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert again.status_code == 404
    assert User.objects.filter(email="reviewer@example.com").count() == 1


def test_expired_invitation_is_refused(client, manager, organisation):
    invitation, token = invitation_create(
        actor=manager, email="late@example.com", role=Role.CUSTOMER, organisation=organisation
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("accounts:invitation-accept", args=[token])).status_code == 404
    with pytest.raises(Exception, match="no longer valid"):
        invitation_accept(token=token, full_name="Late", password=NEW_PASSWORD)
    assert not User.objects.filter(email="late@example.com").exists()


def test_invitation_expires_after_seven_days(manager, organisation):
    invitation, _ = invitation_create(
        actor=manager, email="a@example.com", role=Role.CUSTOMER, organisation=organisation
    )
    assert timedelta(days=7) - timedelta(seconds=5) < invitation.expires_at - invitation.created_at <= timedelta(days=7)


def test_revoked_invitation_is_refused(client, mfa_client, manager, organisation):
    invitation, token = invitation_create(
        actor=manager, email="r@example.com", role=Role.CUSTOMER, organisation=organisation
    )
    mfa_client(manager).post(reverse("accounts:invitation-revoke", args=[invitation.pk]))
    client.logout()
    assert client.get(reverse("accounts:invitation-accept", args=[token])).status_code == 404


def test_wrong_token_is_refused(client):
    assert client.get(reverse("accounts:invitation-accept", args=["not-a-real-token"])).status_code == 404


def test_weak_password_is_refused_and_nothing_is_created(client, manager, organisation):
    _, token = invitation_create(actor=manager, email="w@example.com", role=Role.CUSTOMER, organisation=organisation)
    response = client.post(
        reverse("accounts:invitation-accept", args=[token]),
        {"full_name": "W", "password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="w@example.com").exists()
    assert Invitation.objects.get(email="w@example.com").is_usable


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER])
def test_only_admins_invite_staff(mfa_client, manager, role):
    response = mfa_client(manager).post(reverse("accounts:invitation-create"), {"email": "s@example.com", "role": role})
    assert response.status_code == 200  # the role is not among the manager's choices
    assert not Invitation.objects.exists()


def test_admin_invites_staff(mfa_client, admin_user):
    response = mfa_client(admin_user).post(
        reverse("accounts:invitation-create"), {"email": "new.lead@example.com", "role": Role.SECURITY_LEAD}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.SECURITY_LEAD


def test_customers_cannot_invite(mfa_client, customer):
    assert mfa_client(customer).get(reverse("accounts:invitation-create")).status_code == 403


def test_inviting_an_existing_account_is_refused(mfa_client, manager, customer):
    response = mfa_client(manager).post(
        reverse("accounts:invitation-create"),
        {"email": customer.email, "role": Role.CUSTOMER, "organisation": customer.organisation_id},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_signed_in_user_opening_an_invitation_is_not_switched(mfa_client, manager, organisation):
    _, token = invitation_create(actor=manager, email="z@example.com", role=Role.CUSTOMER, organisation=organisation)
    response = mfa_client(manager).get(reverse("accounts:invitation-accept", args=[token]))
    assert response.status_code == 302
    assert Invitation.objects.get(email="z@example.com").is_usable
