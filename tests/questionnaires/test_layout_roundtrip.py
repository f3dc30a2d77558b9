"""Write-back on every layout the reader detects: answers land in each tab's answer cells (or as an "x" under the
chosen Yes / No / N/A column), and no other cell of any tab changes."""

import io

import openpyxl
import pytest

from questionnaires import services
from questionnaires.exporting import questionnaire_export
from questionnaires.models import Questionnaire, QuestionnaireStatus, Response, ResponseStatus

from .test_detection import GUIDANCE, QUESTIONS, xlsx

pytestmark = pytest.mark.django_db


def multi_tab() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Read me"
    workbook.active.append(["Answer every question on every tab."])
    for title, rows in (("Access Control", QUESTIONS[:3]), ("Encryption", QUESTIONS[3:])):
        sheet = workbook.create_sheet(title)
        sheet.append(["#", "Question", "Guidance", "Answer", "Comments"])
        for ref, text in rows:
            sheet.append([ref, text, GUIDANCE, None, None])
    return xlsx(workbook)


def x_marks() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Question ID", "Control Specification", "Assessment Question", "Yes", "No", "N/A", "Notes"])
    for ref, text in QUESTIONS:
        sheet.append([ref.replace("-", "-0") + ".1", "The supplier shall do what is asked.", text])
    return xlsx(workbook)


def cells(data: bytes) -> dict[tuple[str, str], object]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def approve_all(questionnaire: Questionnaire, manager, lead) -> None:
    for response in Response.objects.filter(question__questionnaire=questionnaire).select_related("question"):
        question = response.question
        response.text = f"Answer to {question.ref}"
        response.choice = question.choices[1] if question.choices else ""  # "No": not the first column
        response.status = ResponseStatus.APPROVED
        response.last_edited_by, response.approver = manager, lead
        response.save()


@pytest.mark.parametrize(("name", "build"), [("multi.xlsx", multi_tab), ("marks.xlsx", x_marks)])
def test_only_answer_cells_change(name, build, manager, lead):
    original = build()
    questionnaire = services.questionnaire_create(actor=manager, filename=name, data=original, queue_import=False)
    questionnaire = services.questionnaire_import(questionnaire_id=questionnaire.pk)
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS and questionnaire.questions.count() == 6
    approve_all(questionnaire, manager, lead)
    exported = questionnaire_export(questionnaire)
    before, after = cells(original), cells(exported.content)
    changed = {key: after.get(key) for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    expected = {}
    for question in questionnaire.questions.all():
        for slot in question.slots:
            if slot.get("mark_cells"):
                expected[(slot["sheet"], slot["mark_cells"][1])] = "x"
            elif slot["role"] == "answer" or question.choices:
                expected[(slot["sheet"], slot["cell"])] = f"Answer to {question.ref}"
    assert changed == expected
