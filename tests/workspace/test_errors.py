"""Styled error pages: the 429 page serves every rate limit (django-ratelimit's and django-allauth's); an outage of a
backing service answers 503, not 500."""

import pytest
from allauth.core.internal.ratelimit import respond_429
from botocore.exceptions import EndpointConnectionError
from django.db import OperationalError as DatabaseDown
from kombu.exceptions import OperationalError as BrokerDown
from redis.exceptions import ConnectionError as RedisDown

from workspace.errors import server_error, too_many_requests


def test_too_many_requests_page_is_styled_and_says_what_to_do(rf):
    response = too_many_requests(rf.get("/verify/"))
    assert response.status_code == 429
    assert b"Too many requests" in response.content and b"Wait a while" in response.content


def test_sign_in_rate_limits_answer_with_the_same_page(rf):
    response = respond_429(rf.get("/accounts/password/reset/"))
    assert response.status_code == 429 and b"Wait a while" in response.content


@pytest.mark.parametrize(
    "outage",
    [
        DatabaseDown("server closed the connection unexpectedly"),
        RedisDown("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        BrokerDown("[Errno 111] Connection refused"),
        EndpointConnectionError(endpoint_url="http://files.internal:8333/trustpack"),
    ],
    ids=["database", "cache", "broker", "file-store"],
)
def test_a_backing_service_outage_answers_503_with_retry_after(rf, outage):
    try:
        raise outage
    except Exception:
        response = server_error(rf.get("/"))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert b"Temporarily unavailable" in response.content
    assert b"6379" not in response.content and b"internal" not in response.content  # nothing of the error shown


def test_any_other_unhandled_error_stays_a_500(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500 and not response.has_header("Retry-After")


def test_a_form_address_opened_with_get_answers_a_styled_405_keeping_allow(mfa_client, manager):
    from django.urls import reverse

    reply = mfa_client(manager).get(reverse("questionnaires:learning-item-confirm", args=[1, 1]))
    assert reply.status_code == 405 and reply["Allow"] == "POST"
    html = reply.content.decode()
    assert "Not available this way" in html and "use its button" in html and "Sign out" in html
