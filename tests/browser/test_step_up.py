"""In the browser: a security lead approves with a step-up code typed into the approval form itself."""

import pytest
from django.urls import reverse

from library.models import LibraryEntryVersion, VersionStatus
from questionnaires import services as questionnaires
from questionnaires.models import Response, ResponseStatus
from tests.factories import library_entry

from .conftest import fresh_totp_code, session_step_up_stale, sign_in, wrong_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV_FILE = b"ID,Question,Answer\r\nQ1,Is multi-factor authentication enforced for every user of the portal?,\r\n"


def test_lead_approves_a_library_version_with_a_code_in_the_same_submit(page, manager, lead):
    entry = library_entry(author=manager, key="mfa-enforced", question="Is MFA enforced for all users?")
    version_pk = entry.latest_version_id
    device = sign_in(page, lead)
    session_step_up_stale(page)
    page.goto(reverse("library:entry-detail", args=[entry.key]))

    code_field = page.get_by_label("Authenticator code")
    code_field.fill(wrong_totp_code(device))
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("did not match").wait_for()
    assert "Nothing was changed." in page.locator(".messages").inner_text()
    assert LibraryEntryVersion.objects.get(pk=version_pk).status == VersionStatus.IN_REVIEW

    page.get_by_label("Authenticator code").fill(fresh_totp_code(device))
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("approved. It is now the answer in force").wait_for()
    approved = LibraryEntryVersion.objects.get(pk=version_pk)
    assert approved.status == VersionStatus.APPROVED and approved.approver == lead
    # Fresh again: the next approval needs no code, so the page no longer asks for one.
    assert page.get_by_label("Authenticator code").count() == 0


def test_lead_approves_a_questionnaire_answer_with_a_code_in_the_same_submit(page, manager, lead):
    library_entry(
        author=manager,
        approver=lead,
        key="mfa-enforced",
        question="Is multi-factor authentication (MFA) enforced for all users?",
        answer="Yes. Every user signs in with a password and an authenticator app code.",
    )
    questionnaire = questionnaires.questionnaire_create(
        actor=manager, filename="customer.csv", data=CSV_FILE, title="Acme review"
    )
    response = Response.objects.get(question__questionnaire=questionnaire, question__ref="Q1")
    questionnaires.response_accept(actor=manager, response=response)
    device = sign_in(page, lead)
    session_step_up_stale(page)
    page.goto(reverse("questionnaires:response-detail", args=[questionnaire.pk, response.question_id]))

    page.get_by_label("Authenticator code").fill(wrong_totp_code(device))
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("did not match").wait_for()
    assert Response.objects.get(pk=response.pk).status == ResponseStatus.ACCEPTED

    page.get_by_label("Authenticator code").fill(fresh_totp_code(device))
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("Answer to Q1 approved.").wait_for()
    approved = Response.objects.get(pk=response.pk)
    assert approved.status == ResponseStatus.APPROVED and approved.approver == lead
