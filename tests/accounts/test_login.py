"""Sign-in: audited; failures slow the address that makes them, never lock the owner out; the same answer for
unknown and known accounts."""

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


def _fail(client, email, address, times=1):
    for _ in range(times):
        client.post(LOGIN, {"login": email, "password": "wrong-password-1"}, REMOTE_ADDR=address)


def _signs_in(client, email, address) -> bool:
    client.post(LOGIN, {"login": email, "password": PASSWORD}, REMOTE_ADDR=address)
    return not client.get("/", REMOTE_ADDR=address)["Location"].startswith(reverse("account_login"))


def test_five_failures_from_one_address_stop_that_address_even_with_the_right_password(client, manager):
    _fail(client, manager.email, "203.0.113.5", times=5)
    refused = client.post(LOGIN, {"login": manager.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.5")
    assert refused.status_code in (200, 429)
    assert b"Too many failed login attempts" in refused.content
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_the_owner_signs_in_from_another_address_while_a_spraying_address_is_throttled(client, manager):
    _fail(client, manager.email, "203.0.113.5", times=6)
    assert _signs_in(client, manager.email, "198.51.100.20")


def test_the_throttled_address_is_the_forwarded_client_behind_trusted_proxies(client, manager, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            LOGIN,
            {"login": manager.email, "password": "wrong-password-1"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    # Same proxy, another client: not the sprayer's bucket.
    client.post(
        LOGIN,
        {"login": manager.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert not client.get("/")["Location"].startswith(reverse("account_login"))
    failed = AuditEvent.objects.filter(action="auth.login_failed", data__email=manager.email)
    assert set(failed.values_list("ip", flat=True)) == {"203.0.113.5"}


def test_failures_for_an_unknown_account_are_throttled_with_the_same_message(client, manager):
    _fail(client, "nobody@example.com", "203.0.113.5", times=5)
    _fail(client, manager.email, "203.0.113.6", times=5)
    unknown = client.post(LOGIN, {"login": "nobody@example.com", "password": "x"}, REMOTE_ADDR="203.0.113.5")
    known = client.post(LOGIN, {"login": manager.email, "password": "x"}, REMOTE_ADDR="203.0.113.6")
    assert unknown.status_code == known.status_code
    assert unknown.context["form"].non_field_errors() == known.context["form"].non_field_errors()


def test_many_addresses_trip_the_account_wide_limit_which_is_audited_and_spares_clean_addresses(
    client, manager, settings
):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 6
    for n in range(6):
        _fail(client, manager.email, f"203.0.113.{n + 10}")
    throttled = AuditEvent.objects.filter(action="auth.account_throttled", data__email=manager.email)
    assert throttled.count() == 1
    # An address that failed once before is now refused even with the right password ...
    assert not _signs_in(client, manager.email, "203.0.113.10")
    client.post(reverse("account_logout"))
    # ... while the owner's own address, with no failures, still gets in.
    assert _signs_in(client, manager.email, "198.51.100.20")


def test_logout_is_audited(mfa_client, manager):
    client = mfa_client(manager)
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=manager.pk).exists()
