"""In the browser: an admin finds the company profile in the navigation, fills it in and corrects a mistake."""

import pytest

from library.models import CompanyProfile

from .conftest import SCREENSHOT_DIR, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_fills_in_the_company_profile_from_the_empty_state(page, admin_user):
    sign_in(page, admin_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Company profile").click()
    page.get_by_text("No company details yet").wait_for()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "company-profile-empty.png"), full_page=True)
    page.get_by_label("Legal name").fill("Northwind Devices Ltd")
    page.get_by_label("Website").fill("https://northwind.example")
    page.get_by_label("Number of employees").fill("51-200")
    page.get_by_label("DUNS number").fill("12")
    page.get_by_label("Security contact email").fill("security@northwind.example")
    page.get_by_role("button", name="Save company profile").click()
    page.get_by_text("A DUNS number is nine digits").wait_for()
    page.screenshot(path=str(SCREENSHOT_DIR / "company-profile-error.png"), full_page=True)
    assert not CompanyProfile.objects.exists()
    page.get_by_label("DUNS number").fill("15-048-3782")
    page.get_by_role("button", name="Save company profile").click()
    page.get_by_text("Company profile saved").wait_for()
    page.screenshot(path=str(SCREENSHOT_DIR / "company-profile-saved.png"), full_page=True)
    assert CompanyProfile.objects.get().duns_number == "15-048-3782"
