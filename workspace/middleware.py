"""Request guards that answer with the styled error pages."""

from django.conf import settings

from .errors import request_too_large


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
