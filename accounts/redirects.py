"""Where a page may send the browser next: the one rule for every `next`, referrer and sign-in redirect."""

import re

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# Browsers drop or reinterpret control characters (a leading tab, a newline before a host), and a
# newline in a Location header would be header injection: a URL holding any of them is not followed.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_LENGTH = 2048


def safe_redirect_url(request: HttpRequest, url: str | None, default: str) -> str:
    """`url` when it leads to this site (a path, or an http(s) URL naming this host, over HTTPS when the
    request came over HTTPS), else `default`. A bare word is refused: `redirect()` would take it for a URL name."""
    if (
        url
        and len(url) <= _MAX_LENGTH
        and not _CONTROL.search(url)
        and "\\" not in url
        and url.startswith(("/", "http://", "https://"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return url
    return default


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The request's `next` (the form field, else the query parameter) when it is safe, else `default`."""
    return safe_redirect_url(request, request.POST.get("next") or request.GET.get("next"), default)
