"""Every URL pattern, walked with a session that has passed only the password step."""

import re
from collections.abc import Mapping

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.middleware import MFA_EXEMPT_URL_NAMES

pytestmark = pytest.mark.django_db


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield prefix + str(entry.pattern), name


def _concrete(route: str, fill: Mapping[str, str] | None = None) -> str:
    """A request path for a route: each converter filled with `fill[its name]`, else a plausible value."""
    fill = fill or {}
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\/", "/")
    route = re.sub(r"\(\?P<([^>]+)>[^)]*\)", lambda m: fill.get(m[1], "1"), route)
    route = re.sub(r"<int:([^>]+)>", lambda m: fill.get(m[1], "1"), route)
    route = re.sub(r"<(?:\w+:)?([^>]+)>", lambda m: fill.get(m[1], "x"), route)
    route = re.sub(r"[()?*+\[\]^$]", "", route)
    return "/" + route


def test_every_pattern_redirects_a_password_only_session_to_mfa(client, manager, password_only_client):
    password_only_client(manager)
    enrol = reverse("accounts:mfa-enrol")
    checked = 0
    for route, name in _patterns():
        if name in MFA_EXEMPT_URL_NAMES:
            continue
        path = _concrete(route)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            checked += 1
            location = response.get("Location", "")
            assert response.status_code in (403, 404, 405) or (
                response.status_code == 302 and location.startswith(enrol)
            ), f"{method.upper()} {path} ({name or 'unnamed'}) answered {response.status_code} {location}"
            assert response.status_code != 200, f"{path} served a page before the second factor"
    assert checked > 80  # the admin site and allauth are in the walk


def test_exempt_list_is_short_and_explicit():
    assert {
        "accounts:mfa-enrol",
        "accounts:mfa-verify",
        "account_logout",
        "health",
        "reports:verify",
        "reports:ca-certificate",
        "trust:trust-page",
        "trust:document-download",
        "trust:request-access",
        "trust:request-sent",
    } == MFA_EXEMPT_URL_NAMES


def test_exempt_pages_answer_a_password_only_session(client, manager, password_only_client):
    password_only_client(manager)
    assert client.get(reverse("accounts:mfa-enrol")).status_code == 200
    assert client.get(reverse("health")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
