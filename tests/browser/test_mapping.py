"""In the browser: a file Trustpack is unsure about stops at the mapping page; the manager previews and imports."""

import io

import openpyxl
import pytest
from django.urls import reverse

from questionnaires import services as questionnaires
from questionnaires.models import Questionnaire, QuestionnaireStatus

from .conftest import SCREENSHOT_DIR, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def statements_workbook() -> bytes:
    """Two tabs of requirements written as statements: nothing reads like a question, so nothing is guessed."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title in ("Access", "Crypto"):
        sheet = workbook.create_sheet(title)
        sheet.append(["Ref", "Control text", "Supplier reply"])
        for index in range(1, 5):
            sheet.append([f"{title[0]}{index}", f"The supplier keeps {title.lower()} records of kind {index}.", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_manager_maps_an_unsure_file_previews_it_and_imports_both_tabs(page, manager):
    questionnaire = questionnaires.questionnaire_create(
        actor=manager, filename="supplier-controls.xlsx", data=statements_workbook(), title="Supplier controls"
    )
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == QuestionnaireStatus.NEEDS_MAPPING
    sign_in(page, manager)
    page.goto(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]))
    page.get_by_text("nothing was imported yet").wait_for()
    page.get_by_role("link", name="Choose the columns").click()

    for index in (0, 1):
        tab = page.locator(".mapping-tab").nth(index)
        tab.get_by_label("Read questions from this tab").check()
        tab.get_by_label("Header row").fill("1")
        tab.get_by_label("ID column").fill("A")
        tab.get_by_label("Question column").fill("B")
        tab.get_by_label("Answer column").fill("C")
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("8 questions from 2 tabs").wait_for()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "mapping-preview.png"), full_page=True)
    assert Questionnaire.objects.get(pk=questionnaire.pk).questions.count() == 0  # a preview imports nothing

    page.get_by_role("button", name="Save and import").click()
    page.get_by_text("Columns saved").wait_for()
    imported = Questionnaire.objects.get(pk=questionnaire.pk)
    assert imported.status == QuestionnaireStatus.IN_PROGRESS
    assert list(imported.questions.values_list("ref", flat=True)) == ["A1", "A2", "A3", "A4", "C1", "C2", "C3", "C4"]
    assert "Access (4), Crypto (4)" in page.locator(".import-summary summary").inner_text()
