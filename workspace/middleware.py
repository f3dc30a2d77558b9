"""Request guards that answer with the styled error pages."""

import re

from django.conf import settings

from .errors import bad_request, method_not_allowed, request_too_large

# A path never holds a control character. Values may hold tab, line feed and carriage return (a textarea
# sends them); the rest of C0 is refused: PostgreSQL rejects NUL in text, and XML (the XLSX write-back)
# rejects every other one of them, so such a value could be stored but never exported.
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_VALUE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class RequestSizeLimitMiddleware:
    """Refuses request bodies over MAX_REQUEST_BYTES before Django reads them (uploads included), so an
    oversized upload never fills the disk with temporary files."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return request_too_large(request)
        return self.get_response(request)


class ControlCharacterMiddleware:
    """Answers 400 to a request whose path, query parameters or form fields hold a NUL byte or another
    control character, so that no view, form or database ever sees one. Uploaded files are not text
    and are not inspected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _PATH_CONTROL.search(request.path) or _has_control(request.GET) or _has_control(request.POST):
            return bad_request(request)
        return self.get_response(request)


def _has_control(data) -> bool:
    return any(
        _VALUE_CONTROL.search(key) or any(_VALUE_CONTROL.search(value) for value in values)
        for key, values in data.lists()
    )


class MethodNotAllowedPageMiddleware:
    """Gives Django's bare 405 (require_POST, require_http_methods) the styled error page, keeping its Allow."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not getattr(response, "streaming", False) and not response.content:
            return method_not_allowed(request, response.get("Allow", ""))
        return response
