"""Package PDF speed: a synthetic 300-answer package rendered with our locked fetcher, against bare WeasyPrint
(default settings, default fetcher) on the same HTML in the same run; plus signing when reports.signing exists.

Answers are the shipped Particle library's (about 420 characters on average, up to 1,000), cycled with
varied short answers, so the layout work matches a real package; two answers carry the library's figures.
"""

import csv
import hashlib
import importlib.util
import io
import logging
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader

from library.content import PARTICLE_LIBRARY
from reports.document import Document, Item, Section
from reports.rendering import bare_weasyprint_pdf, html_to_pdf, render_package_html

ANSWERS = 300
TARGET_RATIO = 1.2
TARGET_SECONDS = 5.0
FIGURES = {"particle-publish-data-path": "publish_data_path", "particle-firewall-rules": "firewall_allowlist"}
SECTION_TITLES = {
    "access": "Identity and access",
    "appsec": "Application security",
    "cloud": "Cloud and hosting",
    "crypto": "Cryptography",
    "data": "Data flows",
    "device": "Device security",
    "devsecops": "Secure development",
    "hr": "People security",
    "incident": "Incident response",
    "network": "Network and firewall",
    "physical": "Physical security",
    "vendor": "Suppliers and subprocessors",
}
COVER_NOTE = (
    "This package answers your supplier security questionnaire for our connected sensors and the web application"
    " that collects their readings. Every answer was approved by our security team; where an answer comes from"
    " our standard library, the entry and its version are shown beside it.\n\nQuestions about any answer can go"
    " to your account manager, who will put you in touch with the security lead who approved it."
)


def synthetic_document(count: int = ANSWERS) -> Document:
    """A package of `count` answers drawn from the shipped library, grouped by category as packages are."""
    with PARTICLE_LIBRARY.open(newline="", encoding="utf-8") as handle:
        entries = list(csv.DictReader(handle))
    approved = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    sections: dict[str, list[Item]] = {}
    for number in range(count):
        entry = entries[number % len(entries)]
        first_round = number < len(entries)
        written_new = number % 5 == 4
        title = SECTION_TITLES.get(entry["category"], entry["category"].title())
        sections.setdefault(title, []).append(
            Item(
                ref=f"Q-{number + 1:03d}",
                question=entry["question"],
                short_answer=entry["short_answer"] or ("Yes", "No", "NA", "")[number % 4],
                answer=entry["answer"] if number % 3 else entry["answer"].replace(". ", ".\n\n", 2),
                provenance="Written new" if written_new else ("Library, verbatim", "Library, edited")[number % 2],
                library_key="" if written_new else entry["key"],
                version_id=None if written_new else 1000 + number,
                version_number=None if written_new else 1 + number % 4,
                approver="Dana Whitfield",
                approved_at=approved - timedelta(days=number % 90),
                text_sha256=hashlib.sha256(entry["answer"].encode()).hexdigest(),
                figure=FIGURES.get(entry["key"], "") if first_round else "",
            )
        )
    return Document(
        reference="TP-2026-0300",
        revision=1,
        title="Supplier security questionnaire — responses",
        vendor="Kestrel Industrial Sensors",
        customer="Acme Manufacturing",
        issued_on=date(2026, 3, 9),
        cover_note=COVER_NOTE,
        classification_banner="Confidential — prepared for Acme Manufacturing",
        manifest_sha256=hashlib.sha256(b"bench manifest").hexdigest(),
        sections=[Section(title, items) for title, items in sections.items()],
    )


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def run() -> None:
    """Print HTML build, render (ours and bare) and, when signing exists, sign times for a 300-answer package."""
    # WeasyPrint logs a progress line per page at INFO; that would bury the bench output (and costs both sides alike).
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    document = synthetic_document()
    html, build = _timed(render_package_html, document)
    # A warm-up render so font loading and imports are billed to neither side; then the best of two each,
    # interleaved, so a burst of other work on the machine does not decide the ratio.
    html_to_pdf(html)
    ours = bare = float("inf")
    for _ in range(2):
        pdf, seconds = _timed(html_to_pdf, html)
        ours = min(ours, seconds)
        bare = min(bare, _timed(bare_weasyprint_pdf, html)[1])
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"package PDF ({document.item_count} answers, {pages} pages, {len(pdf) / 1024:.0f} KiB): HTML build"
        f" {build:.3f} s; render with locked fetcher {ours:.3f} s; bare WeasyPrint {bare:.3f} s;"
        f" ratio {ours / bare:.2f}"
    )
    if importlib.util.find_spec("reports.signing") is None:
        print("package PDF signing: skipped, reports.signing is not there yet")
        return
    from django.test import override_settings

    from reports.document import manifest_for
    from reports.signing import sign_pdf, signing_identity

    manifest = manifest_for(
        reference=document.reference,
        revision=document.revision,
        customer=document.customer,
        issued_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
        released_by="Dana Whitfield",
        sections=document.sections,
    )
    # A throwaway signing CA, so the bench leaves nothing in var/; making it is a one-off, not signing time.
    with (
        tempfile.TemporaryDirectory(prefix="trustpack-bench-signing-") as signing_dir,
        override_settings(SIGNING_DIR=signing_dir),
    ):
        signing_identity()
        _, sign = _timed(lambda: sign_pdf(pdf, manifest=manifest))
    total = ours + sign
    verdict = "meets" if total / bare <= TARGET_RATIO and total < TARGET_SECONDS else "misses"
    print(
        f"package PDF render + sign: sign {sign:.3f} s; render + sign {total:.3f} s ({build + total:.3f} s with the"
        f" HTML build); ratio to bare {total / bare:.2f} ({verdict} the target: ratio <= {TARGET_RATIO} and under"
        f" {TARGET_SECONDS:.0f} s)"
    )
