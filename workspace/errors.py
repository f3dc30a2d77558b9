"""Styled error pages that reveal nothing about the request beyond its status."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

_PAGES = {
    400: ("Bad request", "The request could not be understood. Check what you entered and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing here, or it is not shared with you."),
    413: ("File too large", "The upload is larger than Trustpack accepts (25 MB). Send a smaller file."),
    429: (
        "Too many requests",
        "Too many requests came from your address in a short time. Wait a while (up to an hour), then try again.",
    ),
    500: ("Something went wrong", "The error has been logged. Try again in a moment."),
}


def _render(request: HttpRequest, status: int) -> HttpResponse:
    title, message = _PAGES[status]
    context = {"status": status, "title": title, "message": message}
    if status == 500:
        # The 500 page renders without context processors or database access: they may be what failed.
        return HttpResponse(render_to_string("errors/error.html", context), status=500)
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
    return _render(request, 500)


def request_too_large(request):
    return _render(request, 413)


def too_many_requests(request, exception=None):
    """For django-ratelimit (RATELIMIT_VIEW) and django-allauth (handler429)."""
    return _render(request, 429)
