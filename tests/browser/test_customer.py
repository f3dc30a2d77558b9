"""In the browser, as a customer: invited, enrols MFA, reaches the dashboard and nothing of the staff's."""

import base64
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.services import invitation_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "long-enough-passphrase-19"


def code_for_key_shown(page) -> str:
    """What an authenticator app shows for the key the enrolment page prints for typing by hand."""
    page.get_by_text("Can't scan? Enter the key by hand").click()
    key = "".join(page.locator(".secret").inner_text().split()).upper()
    key_bytes = base64.b32decode(key + "=" * (-len(key) % 8))
    return f"{totp(key_bytes, step=30, t0=0, digits=6):06d}"


def test_invited_customer_sets_a_password_enrols_mfa_and_reaches_only_their_pages(page, manager, organisation):
    invitation_create(actor=manager, email="rita@acme.example", role=Role.CUSTOMER, organisation=organisation)
    link = re.search(r"/invite/[A-Za-z0-9_-]+/", mail.outbox[-1].body).group(0)

    page.goto(link)
    page.get_by_label("Full name").fill("Rita Reviewer")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_text("Your account is ready.").wait_for()

    page.get_by_label("Email").fill("rita@acme.example")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up two-factor authentication").wait_for()
    page.get_by_label("First code from the app").fill(code_for_key_shown(page))
    page.get_by_role("button", name="Confirm and continue").click()

    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert page.locator(".codes li").count() == 10
    page.get_by_role("link", name="I have saved them — continue").click()
    page.get_by_role("heading", name="Welcome, Rita Reviewer").wait_for()
    user = User.objects.get(email="rita@acme.example")
    assert user.organisation == organisation and TOTPDevice.objects.get(user=user).confirmed

    response = page.goto(reverse("library:entry-list"))
    assert response.status in (403, 404)
    assert page.locator(".error-page").is_visible()
