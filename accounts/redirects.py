"""Where a form may send someone back to: only paths on this site."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request: HttpRequest, url: str, *, default: str) -> str:
    """`url` when it stays on this site (same host, and HTTPS when the request is), else `default`."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default
