"""The styled 429 page serves every rate limit: django-ratelimit's and django-allauth's."""

from allauth.core.internal.ratelimit import respond_429

from workspace.errors import too_many_requests


def test_too_many_requests_page_is_styled_and_says_what_to_do(rf):
    response = too_many_requests(rf.get("/verify/"))
    assert response.status_code == 429
    assert b"Too many requests" in response.content and b"Wait a while" in response.content


def test_sign_in_rate_limits_answer_with_the_same_page(rf):
    response = respond_429(rf.get("/accounts/password/reset/"))
    assert response.status_code == 429 and b"Wait a while" in response.content
