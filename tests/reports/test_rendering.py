"""The package PDF: what a reader finds in it, and what the renderer refuses to load."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from reports.document import Document, Item, Section
from reports.rendering import (
    AssetRefused,
    LockedFetcher,
    html_to_pdf,
    render_package_html,
    render_package_pdf,
    static_dir,
    static_url,
)

PACKAGE_ID = "TP-2026-0007"
SNEAKY_ANSWER = 'See <img src="file:///etc/passwd"> and <img src="http://example.com/x.png"> for details.'


def item(ref: str = "NET-01", **overrides) -> Item:
    values = {
        "ref": ref,
        "question": f"Question {ref}: do devices need inbound firewall ports?",
        "short_answer": "No",
        "answer": f"Answer {ref}: devices only open outbound connections.\n\nReplies use the same session.",
        "provenance": "Library, verbatim",
        "library_key": "particle-no-inbound",
        "version_id": 12,
        "version_number": 3,
        "approver": "Dana Whitfield",
        "approved_at": datetime(2026, 3, 2, 14, 30, tzinfo=UTC),
        "text_sha256": "ab" * 32,
    }
    return Item(**(values | overrides))


def document(sections: list[Section], **overrides) -> Document:
    values = {
        "reference": PACKAGE_ID,
        "revision": 2,
        "title": "Supplier security questionnaire",
        "vendor": "Kestrel Industrial Sensors",
        "customer": "Acme Manufacturing",
        "issued_on": date(2026, 3, 9),
        "cover_note": "Our approved answers.",
        "classification_banner": "Confidential — prepared for Acme Manufacturing",
        "manifest_sha256": "0123456789abcdef" * 4,
        "sections": sections,
    }
    return Document(**(values | overrides))


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks the locked fetcher for, with "served" or "refused"."""
    calls: list[tuple[str, str]] = []
    original = LockedFetcher.fetch

    def recording(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except AssetRefused:
            calls.append((url, "refused"))
            raise
        calls.append((url, "served"))
        return response

    monkeypatch.setattr(LockedFetcher, "fetch", recording)
    return calls


def test_pdf_has_cover_answers_running_header_and_page_x_of_y():
    pdf = render_package_pdf(document([Section("Network", [item("NET-01"), item("NET-02", short_answer="Yes")])]))

    pages = pages_text(pdf)
    total = len(pages)
    everything = flat(" ".join(pages))
    assert "Question NET-01: do devices need inbound firewall ports?" in everything
    assert "Answer NET-02: devices only open outbound connections." in everything
    assert "CONFIDENTIAL — PREPARED FOR ACME MANUFACTURING" in flat(pages[0])  # the cover banner
    assert "0123456789abcdef" * 4 in flat(pages[0])
    assert "verify_pdf" in pages[0]
    # The cover carries no running header or footer; every later page does.
    assert "Page 1 of" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in text
        assert f"Kestrel Industrial Sensors · {PACKAGE_ID}" in flat(text)
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata.title == f"Supplier security questionnaire — {PACKAGE_ID}"
    assert metadata.author == "Kestrel Industrial Sensors"


def test_table_of_contents_gives_each_section_its_page_number():
    long_section = Section("Network", [item(f"NET-{n:02d}", answer="Outbound only. " * 60) for n in range(12)])
    pdf = render_package_pdf(document([long_section, Section("Cryptography", [item("CRY-01")])]))

    pages = pages_text(pdf)
    contents = flat(pages[1])
    assert "Contents" in contents
    for title in ("Network", "Cryptography"):
        starts_on = next(n for n, text in enumerate(pages[2:], start=3) if re.search(rf"\d\s*{title}\n", text))
        assert re.search(rf"{title} \d+ answers? {starts_on}\b", contents), (title, starts_on, contents)
    assert starts_on > 3  # the second section really starts on a later page


def test_data_path_diagram_and_allowlist_render_where_items_carry_them():
    items = [
        item("DATA-01", figure="publish_data_path"),
        item("NET-05", figure="firewall_allowlist"),
    ]
    text = flat(" ".join(pages_text(render_package_pdf(document([Section("Data flows", items)])))))

    assert "Particle.publish() data path" in text  # the SVG's own heading, drawn as text
    assert "CUSTOMER SITE" in text
    assert "Destinations to allow through the customer's firewall" in text
    assert "udp.particle.io" in text


def test_no_figure_without_the_item_asking_for_it():
    text = flat(" ".join(pages_text(render_package_pdf(document([Section("Network", [item()])])))))

    assert "Particle.publish() data path" not in text
    assert "Destinations to allow" not in text


def test_html_in_answer_text_stays_text_and_is_never_fetched(fetched):
    doc = document([Section("Network", [item(answer=SNEAKY_ANSWER, question="Is <b>this</b> bold?")])])

    html = render_package_html(doc)
    pdf = render_package_pdf(doc)

    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    text = flat(" ".join(pages_text(pdf)))
    assert '<img src="file:///etc/passwd">' in text
    assert '<img src="http://example.com/x.png">' in text
    assert "Is <b>this</b> bold?" in text
    asked = [url for url, _ in fetched]
    assert not any(url.startswith(("file:", "http:", "https:")) for url in asked), asked


def test_fetcher_refuses_file_and_network_urls_placed_in_the_html(fetched, caplog):
    html = (
        "<html><head>"
        '<link rel="stylesheet" href="https://example.com/x.css">'
        "<style>body { background: url(ftp://example.com/bg.png) }</style>"
        "</head><body><p>Hello</p>"
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        f'<img src="{static_url("img/mark.svg")}">'
        "</body></html>"
    )

    pdf = html_to_pdf(html)

    outcome = dict(fetched)
    assert outcome["file:///etc/passwd"] == "refused"
    assert outcome["http://127.0.0.1:9/x.png"] == "refused"
    assert outcome["https://example.com/x.css"] == "refused"
    assert outcome[static_url("img/mark.svg")] == "served"
    assert "Failed to load image at 'file:///etc/passwd'" in caplog.text
    assert "Hello" in flat(" ".join(pages_text(pdf)))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "javascript:alert(1)",
        "/static/../../etc/passwd",
        "/etc/passwd",
        "pdf/package.css",
        "trustpack-static:../../etc/passwd",
        "trustpack-static:pdf/../../../etc/passwd",
        "trustpack-static:%2e%2e/%2e%2e/etc/passwd",
        "trustpack-static:pdf%2f..%2f..%2f..%2fetc/passwd",
        "trustpack-static:/etc/passwd",
        "trustpack-static:pdf\\..\\..\\settings.py",
        "trustpack-static:pdf/no-such-file.css",
        "trustpack-static:admin/css/base.css",  # Django admin's static file: found by finders, not ours
    ],
)
def test_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(AssetRefused):
        LockedFetcher().fetch(url)


def test_fetcher_serves_a_static_asset_and_a_data_url():
    fetcher = LockedFetcher()

    css = fetcher.fetch(static_url("pdf/package.css"))
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")

    assert css.read() == (static_dir() / "pdf" / "package.css").read_bytes()
    assert css.content_type == "text/css"
    assert data.read() == b"hello"
    assert data.content_type == "text/plain"


def test_evidence_documents_are_listed_when_present():
    evidence = [{"name": "SOC 2 Type II report", "version": "2025", "valid_until": "2026-09-30", "sha256": "cd" * 32}]
    doc = document([Section("Network", [item()])], documents=evidence)

    text = flat(" ".join(pages_text(render_package_pdf(doc))))

    assert "SOC 2 Type II report" in text
    assert "cd" * 32 in text
    assert "Evidence 1 document" in text  # in the contents


def test_three_hundred_answers_render():
    sections = [Section(f"Domain {n}", [item(f"D{n}-{i:02d}") for i in range(30)]) for n in range(10)]

    pages = pages_text(render_package_pdf(document(sections)))

    assert len(pages) > 20
    assert "Question D9-29" in " ".join(pages[-2:])
    assert "300 answers" in pages[-1]
