"""Sign-in: audited, locked after five failures, the same answer for unknown and known addresses."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_successful_and_failed_logins_are_audited(client, manager):
    client.post(LOGIN, {"login": manager.email, "password": "wrong-password-1"})
    client.post(LOGIN, {"login": manager.email, "password": PASSWORD})
    assert AuditEvent.objects.filter(action="auth.login_failed", data__email=manager.email).count() == 1
    assert AuditEvent.objects.filter(action="auth.login_succeeded", actor_id=manager.pk).count() == 1


def test_unknown_and_known_addresses_get_the_same_message(client, manager):
    known = client.post(LOGIN, {"login": manager.email, "password": "wrong-password-1"})
    unknown = client.post(LOGIN, {"login": "nobody@example.com", "password": "wrong-password-1"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_five_failures_lock_the_account_even_for_the_right_password(client, manager):
    for _ in range(5):
        client.post(LOGIN, {"login": manager.email, "password": "wrong-password-1"})
    locked = client.post(LOGIN, {"login": manager.email, "password": PASSWORD})
    assert locked.status_code in (200, 429)
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_logout_is_audited(mfa_client, manager):
    client = mfa_client(manager)
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=manager.pk).exists()
