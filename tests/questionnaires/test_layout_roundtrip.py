"""Write-back on every layout the reader detects: answers land in each tab's answer cells (or as an "x" under the
chosen Yes / No / N/A column), and no other cell of any tab changes."""

import io

import openpyxl
import pytest

from questionnaires import services
from questionnaires.exporting import questionnaire_export
from questionnaires.models import Questionnaire, QuestionnaireStatus, Response, ResponseStatus

from .test_detection import GUIDANCE, QUESTIONS, xlsx
from .variants import LAYOUTS, layout

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


GENERATED = [
    (f"{domain[:4].upper()}-{number:02d}", f"Do you {verb} the {thing} of system {number} every quarter?", domain)
    for number, (domain, verb, thing) in enumerate(
        [
            ("Access Control", "review", "administrator accounts"),
            ("Access Control", "audit", "service accounts"),
            ("Access Control", "rotate", "shared credentials"),
            ("Cryptography", "rotate", "encryption keys"),
            ("Cryptography", "test", "certificate renewals"),
            ("Cryptography", "inventory", "TLS endpoints"),
            ("Operations", "restore", "database backups"),
            ("Operations", "patch", "production hosts"),
            ("Operations", "scan", "container images"),
        ],
        1,
    )
]


def csv_cells(data: bytes) -> dict[tuple[str, str], str]:
    from openpyxl.utils.cell import get_column_letter

    from fileformats.csvtext import csv_decode, csv_rows

    rows = csv_rows(csv_decode(data), max_rows=10_000, max_cells=1_000_000)
    return {
        ("", f"{get_column_letter(col)}{row}"): value
        for row, cells in enumerate(rows, 1)
        for col, value in enumerate(cells, 1)
        if value
    }


@pytest.mark.parametrize("layout_name", [name for name in LAYOUTS if name != "word-table"])
def test_every_generated_layout_round_trips_changing_only_answer_cells(layout_name, manager, lead):
    variant = layout(layout_name, GENERATED, stem="roundtrip")
    questionnaire = services.questionnaire_create(
        actor=manager, filename=variant.filename, data=variant.data, queue_import=False
    )
    questionnaire = services.questionnaire_import(questionnaire_id=questionnaire.pk)
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS, questionnaire.import_summary
    assert sorted(questionnaire.questions.values_list("ref", flat=True)) == sorted(ref for ref, _, _ in GENERATED)
    for response in Response.objects.filter(question__questionnaire=questionnaire).select_related("question"):
        question = response.question
        response.text = f"Answer to {question.ref}"
        response.choice = question.choices[-1] if question.choices else ""
        response.status = ResponseStatus.APPROVED
        response.last_edited_by, response.approver = manager, lead
        response.save()
    exported = questionnaire_export(questionnaire)
    read = csv_cells if variant.filename.endswith(".csv") else cells
    before, after = read(variant.data), read(exported.content)
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    allowed = {
        (slot["sheet"], cell)
        for question in questionnaire.questions.all()
        for slot in question.slots
        for cell in (slot.get("mark_cells") or [slot["cell"]])
    }
    assert changed <= allowed, sorted(changed - allowed)[:5]
    for question in questionnaire.questions.all():
        main = next(slot for slot in question.slots if slot["role"] == "answer")
        if main.get("mark_cells"):
            marked = [after.get((main["sheet"], cell)) for cell in main["mark_cells"]]
            assert marked[-1] == "x", (question.ref, marked)
            assert sum(1 for value in marked if value == "x") == 1, (question.ref, marked)
        else:
            expected = question.choices[-1] if question.choices else f"Answer to {question.ref}"
            assert after.get((main["sheet"], main["cell"])) == expected, question.ref
