"""In the browser: a question auto-fill left says why, and one of the entries it weighed fills it in one click."""

import pytest
from django.urls import reverse

from questionnaires import services as questionnaires
from questionnaires.models import Provenance, Questionnaire, Response, UnfilledReason
from tests.factories import library_entry

from .conftest import SCREENSHOT_DIR, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV_FILE = (
    b"ID,Question,Answer\r\n"
    b"Q1,Is multi-factor authentication enforced for every user of the portal?,\r\n"
    b"Q2,How are backups of the firewall configuration encrypted?,\r\n"
    b"Q3,What is your company's registered address?,\r\n"
)


def test_manager_reads_why_a_question_was_left_and_uses_a_candidate(page, manager, lead):
    for key, question in (
        ("mfa-enforced", "Is multi-factor authentication (MFA) enforced for all users?"),
        ("encryption-at-rest", "Is customer data encrypted at rest?"),
        ("backup-policy", "Are backups taken daily and tested?"),
    ):
        library_entry(author=manager, approver=lead, key=key, question=question, answer=f"Answer of {key}.")
    library_entry(
        author=manager,
        approver=lead,
        key="firewall-config",
        classification="internal",
        question="Where is the firewall configuration kept and who may change it?",
    )
    questionnaire = questionnaires.questionnaire_create(
        actor=manager, filename="acme.csv", data=CSV_FILE, title="Acme security review"
    )
    questionnaire = Questionnaire.objects.get(pk=questionnaire.pk)
    response = Response.objects.get(question__questionnaire=questionnaire, question__ref="Q2")
    assert response.unfilled_reason == UnfilledReason.LOW_CONFIDENCE

    sign_in(page, manager)
    page.goto(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]))
    page.get_by_text("Best match too uncertain").first.wait_for()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "unfilled-review.png"), full_page=True)

    page.goto(reverse("questionnaires:response-detail", args=[questionnaire.pk, response.question_id]))
    page.get_by_text("Why auto-fill left this for you").wait_for()
    page.screenshot(path=str(SCREENSHOT_DIR / "unfilled-response.png"), full_page=True)
    first = response.candidates[0]["key"]
    page.locator(".match-candidates li", has_text=first).get_by_role("button", name="Use this answer").click()
    page.get_by_text(f"Answer of {first}.").first.wait_for()
    response.refresh_from_db()
    assert response.provenance == Provenance.LIBRARY and response.source_version.entry.key == first
