"""One rule for the client's address, behind any number of trusted proxies, used by every consumer."""

import pytest
from allauth.account.adapter import get_adapter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from audit.services import audit_record, client_ip

PROXY = "10.0.0.2"


def _request(remote_addr=PROXY, xff=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_never_read(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(xff="203.0.113.5")) == PROXY


@pytest.mark.parametrize(
    ("count", "xff", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.66, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's own claim
        (2, "198.51.100.66, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_address_the_outermost_trusted_proxy_saw_is_the_client(settings, count, xff, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(xff=xff)) == expected


@pytest.mark.parametrize("xff", [None, "", "203.0.113.5", "not-an-address, 10.0.0.1", "<script>, 10.0.0.1"])
def test_a_missing_short_or_garbage_header_falls_back_to_the_peer(settings, xff):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(xff=xff)) == PROXY


def test_no_request_has_no_address():
    assert client_ip(None) is None


def test_allauth_uses_the_same_rule(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert get_adapter().get_client_ip(_request(xff="203.0.113.5")) == "203.0.113.5"


@pytest.mark.django_db
def test_the_audit_trail_records_the_forwarded_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    event = audit_record(action="test.recorded", request=_request(xff="203.0.113.5"))
    assert event.ip == "203.0.113.5"


@pytest.mark.django_db
def test_verify_page_limits_each_client_behind_the_proxy_separately(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.VERIFY_RATE_LIMIT = "1/h"

    def check(address):
        upload = SimpleUploadedFile("x.pdf", b"x")
        return client.post(reverse("reports:verify"), {"file": upload}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)

    assert [check("203.0.113.5").status_code, check("203.0.113.5").status_code] == [200, 429]
    assert check("198.51.100.20").status_code == 200
