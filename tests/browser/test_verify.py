"""In the browser, signed out: anyone checks a package PDF on /verify/ and sees whether it is intact."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.models import Package

from .conftest import off_the_browser_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_package_pdf(tmp_path):
    """The signed PDF of the package `seed_demo` releases, as a customer would have received it."""
    out = io.StringIO()
    off_the_browser_thread(call_command, "seed_demo", stdout=out)
    reference = out.getvalue().strip().splitlines()[-1].removeprefix("demo package: ")
    path = tmp_path / f"{reference}.pdf"
    with Package.objects.get(reference=reference).latest_pdf.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return path


def test_anyone_sees_a_demo_package_is_valid_and_a_tampered_copy_is_not(page, demo_package_pdf, tmp_path):
    page.goto(reverse("reports:verify"))
    page.get_by_label("Package PDF").set_input_files(demo_package_pdf)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Valid", exact=True).wait_for()
    assert "This document is intact" in page.locator(".verify-result").inner_text()

    tampered = bytearray(demo_package_pdf.read_bytes())
    tampered[len(tampered) // 2] ^= 0x01
    copy = tmp_path / "tampered.pdf"
    copy.write_bytes(bytes(tampered))
    page.get_by_label("Package PDF").set_input_files(copy)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Not valid").wait_for()
    assert "What failed" in page.locator(".verify-result").inner_text()
