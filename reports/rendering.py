"""The package PDF: a `Document` rendered to HTML by templates/pdf/package.html, then to PDF by WeasyPrint.

WeasyPrint's default fetcher opens any URL it meets, `file:///etc/passwd` and internal HTTP services
included, so every render goes through `LockedFetcher`: the project's own static files and `data:` URLs,
nothing else. The stylesheet (static/pdf/package.css) is inlined, so the bare-WeasyPrint benchmark baseline
lays out exactly the same document as ours.
"""

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote
from urllib.request import DataHandler, Request

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from library.content import firewall_allowlist

from .document import Document

TEMPLATE = "pdf/package.html"
STYLESHEET = "pdf/package.css"
MARK = "img/mark.svg"
# Static assets are addressed as `trustpack-static:<path under static/>`; an absolute URL needs no base
# URL, so a relative or root-relative reference in the HTML can never resolve against the filesystem.
STATIC_SCHEME = "trustpack-static"


class AssetRefused(ValueError):
    """A URL the PDF renderer may not load. WeasyPrint logs it as a failed resource and renders on."""


def static_dir() -> Path:
    """The project's own static/ directory: the only place assets are served from."""
    return (Path(settings.BASE_DIR) / "static").resolve()


def static_url(path: str) -> str:
    """The URL under which `LockedFetcher` serves static/<path>."""
    return f"{STATIC_SCHEME}:{path}"


def static_file(url: str) -> Path:
    """The file under static/ that a `trustpack-static:` URL names; raises AssetRefused for anything else."""
    prefix = f"{STATIC_SCHEME}:"
    if not url.startswith(prefix):
        raise AssetRefused(f"not a static asset URL: {url[:120]}")
    path = unquote(url.removeprefix(prefix))
    parts = path.split("/")
    # Refuse before any path is built: dot segments, absolute paths, backslashes and NULs never reach a finder.
    if (
        not path
        or path.startswith("/")
        or any(char in path for char in "\\\x00?#")
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise AssetRefused(f"malformed static path: {url[:120]}")
    found = finders.find(path)
    if not found:
        raise AssetRefused(f"no such static asset: {path}")
    resolved = Path(found).resolve()
    # Finders also search installed apps' static folders, and a symlink could point anywhere: only the
    # project's own static/ tree is served.
    if not resolved.is_file() or not resolved.is_relative_to(static_dir()):
        raise AssetRefused(f"outside the project's static files: {path}")
    return resolved


class LockedFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves `trustpack-static:` assets and `data:` URLs and refuses everything else.

    WeasyPrint calls only `fetch`; it never delegates to urllib's file, FTP or HTTP handlers of the parent.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(STATIC_SCHEME, "data"), allow_redirects=False)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Serve a static asset or a data: URL; raise AssetRefused for file:, http(s):, ftp: and the rest."""
        if url.startswith("data:"):
            # urllib's DataHandler only decodes the URL itself; it opens nothing.
            with DataHandler().data_open(Request(url)) as response:  # noqa: S310 - a data: URL, checked above
                return URLFetcherResponse(url, response.read(), {"Content-Type": response.headers["Content-Type"]})
        path = static_file(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def _stylesheet() -> str:
    css = static_file(static_url(STYLESHEET)).read_text(encoding="utf-8")
    # Inlined unescaped into <style> (raw text in HTML): a closing tag would end the element early.
    if "</" in css:
        raise ValueError(f"{STYLESHEET} must not contain '</'")
    return css


def _data_url(path: str) -> str:
    file = static_file(static_url(path))
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{content_type};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


def render_package_html(document: Document) -> str:
    """The package as self-contained HTML: inline stylesheet, figures and logo; answer text escaped."""
    context = {
        "document": document,
        "allowlist_rows": firewall_allowlist(),
        "stylesheet": mark_safe(_stylesheet()),  # noqa: S308 - our own file, checked for '</' above
        "mark_url": _data_url(MARK),
    }
    return render_to_string(TEMPLATE, context)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes for `html`, every resource fetched through `LockedFetcher`."""
    return HTML(string=html, url_fetcher=LockedFetcher()).write_pdf()


def render_package_pdf(document: Document) -> bytes:
    """The unsigned package PDF for `document`."""
    return html_to_pdf(render_package_html(document))


def bare_weasyprint_pdf(html: str) -> bytes:
    """`html` rendered with WeasyPrint's defaults and its default fetcher: the benchmark baseline only."""
    return HTML(string=html).write_pdf()


NDA_ACCEPTANCE_TEMPLATE = "pdf/nda_acceptance.html"


def render_nda_acceptance_html(context: dict) -> str:
    """The NDA acceptance record as self-contained HTML, styled like a package; every value escaped."""
    context = {
        **context,
        "stylesheet": mark_safe(_stylesheet()),  # noqa: S308 - our own file, checked for '</'
        "mark_url": _data_url(MARK),
    }
    return render_to_string(NDA_ACCEPTANCE_TEMPLATE, context)
