"""The one redirect rule: only this site is followed; anything else falls back to the default."""

import time

import pytest
from django.urls import reverse

from accounts.adapter import AccountAdapter
from accounts.redirects import safe_next_url, safe_redirect_url

DEFAULT = "/fallback/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/library/", "/library/"),
        ("/questionnaires/4/?status=flagged#q12", "/questionnaires/4/?status=flagged#q12"),
        ("/library/?q=a%20b", "/library/?q=a%20b"),
        ("", DEFAULT),
        (None, DEFAULT),
        ("library", DEFAULT),  # a bare word: redirect() would take it for a URL name
        ("workspace:dashboard", DEFAULT),
        ("//evil.example", DEFAULT),
        ("///evil.example", DEFAULT),
        ("https://evil.example/", DEFAULT),
        ("http://testserver/library/", "http://testserver/library/"),  # a browser's Referer names the host
        ("HTTP://evil.example/", DEFAULT),
        ("http:/evil.example", DEFAULT),
        ("javascript:alert(1)", DEFAULT),
        ("/\\evil.example", DEFAULT),
        ("\\\\evil.example", DEFAULT),
        ("/\\/evil.example", DEFAULT),
        ("\t//evil.example", DEFAULT),
        ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),  # encoded, it is only a path
        ("/library/\r\nSet-Cookie: x=1", DEFAULT),
        ("/library/\nLocation: https://evil.example", DEFAULT),
        ("/library/\x00", DEFAULT),
        ("/" + "x" * 3000, DEFAULT),
    ],
)
def test_safe_redirect_url_follows_only_paths_on_this_site(rf, url, expected):
    assert safe_redirect_url(rf.get("/"), url, DEFAULT) == expected


def test_an_https_page_is_never_sent_back_to_plain_http(rf):
    request = rf.get("/", secure=True)
    assert safe_redirect_url(request, "http://testserver/library/", DEFAULT) == DEFAULT
    assert safe_redirect_url(request, "https://testserver/library/", DEFAULT) == "https://testserver/library/"


def test_safe_next_url_prefers_the_form_field_to_the_query(rf):
    request = rf.post("/?next=/from-query/", {"next": "/from-form/"})
    assert safe_next_url(request, DEFAULT) == "/from-form/"
    assert safe_next_url(rf.get("/?next=/from-query/"), DEFAULT) == "/from-query/"
    assert safe_next_url(rf.get("/?next=https://evil.example/"), DEFAULT) == DEFAULT
    assert safe_next_url(rf.get("/"), DEFAULT) == DEFAULT


def test_sign_in_uses_the_same_rule(rf):
    from allauth.core import context

    with context.request_context(rf.get("/")):
        adapter = AccountAdapter()
        assert adapter.is_safe_url("/library/")
        assert not adapter.is_safe_url("//evil.example")
        assert not adapter.is_safe_url("/library/\r\nSet-Cookie: x=1")
        assert not adapter.is_safe_url("")


@pytest.mark.django_db
def test_sign_in_ignores_a_next_off_the_site(client, manager):
    from tests.factories import PASSWORD

    response = client.post(
        f"{reverse('account_login')}?next=//evil.example/",
        {"login": manager.email, "password": PASSWORD},
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["/\\evil.example", "abc", "https://evil.example/"])
def test_library_actions_return_to_the_entry_when_next_is_unsafe(mfa_client, manager, next_url):
    from tests.factories import library_entry

    entry = library_entry(author=manager)
    client = mfa_client(manager)
    response = client.post(reverse("library:version-submit", args=[entry.key, 1]), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("library:entry-detail", args=[entry.key])


@pytest.mark.django_db
def test_second_factor_page_sends_an_unsafe_next_to_the_dashboard(mfa_client, manager):
    response = mfa_client(manager).get(f"{reverse('accounts:mfa-verify')}?next=abc")
    assert response.status_code == 302 and response["Location"] == reverse("workspace:dashboard")


@pytest.mark.django_db
def test_step_up_ignores_a_referrer_off_the_site(mfa_client, manager, lead):
    from tests.factories import library_entry

    entry = library_entry(author=manager)
    client = mfa_client(lead)
    session = client.session
    session["mfa_verified_at"] = time.time() - 600
    session.save()
    response = client.post(
        reverse("library:version-approve", args=[entry.key, 1]), HTTP_REFERER="https://evil.example/library/"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:dashboard")


@pytest.mark.django_db
def test_step_up_returns_to_the_page_the_form_was_on(mfa_client, manager, lead):
    from tests.factories import library_entry

    entry = library_entry(author=manager)
    client = mfa_client(lead)
    session = client.session
    session["mfa_verified_at"] = time.time() - 600
    session.save()
    page = f"http://testserver{reverse('library:review-queue')}"
    response = client.post(reverse("library:version-approve", args=[entry.key, 1]), HTTP_REFERER=page)
    assert response["Location"] == page  # back to the form, which now asks for the code itself
