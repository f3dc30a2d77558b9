"""Styled error pages that reveal nothing about the request beyond its status."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

_PAGES = {
    400: ("Bad request", "The request could not be understood. Check what you entered and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing here, or it is not shared with you."),
    405: (
        "Not available this way",
        "This address only takes a form's submission. Go back to the page and use its button.",
    ),
    413: ("File too large", "The upload is larger than Trustpack accepts (25 MB). Send a smaller file."),
    429: (
        "Too many requests",
        "Too many requests came from your address in a short time. Wait a while (up to an hour), then try again.",
    ),
    500: ("Something went wrong", "The error has been logged. Try again in a moment."),
    503: (
        "Temporarily unavailable",
        "A service Trustpack relies on (database, cache, task queue or file store) did not answer, so nothing was "
        "changed. Try again in a minute; if it keeps happening, tell your administrator.",
    ),
}
RETRY_AFTER_SECONDS = 60


def _outage_types() -> tuple[type[BaseException], ...]:
    """Errors that mean a backing service is down, not that the request or the code is wrong."""
    types: list[type[BaseException]] = [OperationalError, InterfaceError]
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    types += [BrokerError, RedisConnectionError, RedisTimeoutError]
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:  # only installed with the S3 file store's requirements
        pass
    else:
        types.append(BotoCoreError)
    return tuple(types)


def _render(request: HttpRequest, status: int) -> HttpResponse:
    title, message = _PAGES[status]
    context = {"status": status, "title": title, "message": message}
    if status >= 500:
        # The 500 and 503 pages render without context processors or database access: they may be what failed.
        response = HttpResponse(render_to_string("errors/error.html", context), status=status)
        if status == 503:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(render_to_string("errors/error.html", context, request=request), status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _render(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _render(request, 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _render(request, 404)


@requires_csrf_token
def server_error(request):
    """500, or 503 with Retry-After when the unhandled error is a backing service being down (Django calls this
    while handling the exception, so it is still the current one)."""
    error = sys.exc_info()[1]
    return _render(request, 503 if isinstance(error, _outage_types()) else 500)


def request_too_large(request):
    return _render(request, 413)


def too_many_requests(request, exception=None):
    """For django-ratelimit (RATELIMIT_VIEW) and django-allauth (handler429)."""
    return _render(request, 429)


def method_not_allowed(request, allowed: str):
    """The styled page for a request with a method the view does not take (a bookmarked form address)."""
    response = _render(request, 405)
    response["Allow"] = allowed
    return response
