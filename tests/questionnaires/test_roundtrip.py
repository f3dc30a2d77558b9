"""Real questionnaires through the whole app: import, auto-fill, approve, write back into the customer's
file. Every zip member but the answered sheet stays byte-identical. The files are licensed fixtures kept
outside the repository: these tests skip, saying so, when they are absent."""

import io
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from library import services as library_services
from library.policies import leave_refusal
from questionnaires import services
from questionnaires.exporting import questionnaire_export
from questionnaires.models import Questionnaire, ResponseStatus

pytestmark = pytest.mark.django_db

QUESTIONNAIRES = (
    Path(os.environ.get("TRUSTPACK_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared") / "questionnaires"
)


def real_file(name: str) -> Path:
    path = QUESTIONNAIRES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the real questionnaires are licensed fixtures kept outside the repository")
    return path


@pytest.fixture
def library(manager, lead):
    library_services.library_load_shipped_content(author=manager, approver=lead)


def import_and_approve(path: Path, manager, lead, how_many: int) -> Questionnaire:
    questionnaire = services.questionnaire_create(
        actor=manager, filename=path.name, data=path.read_bytes(), queue_import=False
    )
    questionnaire = services.questionnaire_import(questionnaire_id=questionnaire.pk)
    approved = 0
    for question in questionnaire.questions.select_related("response").order_by("order"):
        response = question.response
        # Only wording that may go to this customer is written back (NDA-class needs a current NDA); answers from the
        # company profile (no library source) are the company's own public details.
        source = response.source_version
        if response.status != ResponseStatus.SUGGESTED or (source and leave_refusal(source, nda_covered=False)):
            continue
        services.response_accept(actor=manager, response=response)
        services.response_approve(actor=lead, response=response, via_cli=True)
        approved += 1
        if approved == how_many:
            break
    assert approved == how_many, f"only {approved} suggestions to approve"
    return questionnaire


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.parametrize(
    "name",
    [
        "CAIQv4.0.3_STAR-Security-Questionnaire_Generated-at_2024-06-03.xlsx",
        "HECVAT-Full-v3.06_blank.xlsx",
        "HECVAT-v4.1.4_blank.xlsx",
    ],
)
def test_write_back_changes_only_the_answered_sheets(name, manager, lead, library):
    path = real_file(name)
    questionnaire = import_and_approve(path, manager, lead, how_many=5)
    exported = questionnaire_export(questionnaire)
    assert exported.written >= 5 and exported.skipped == []
    before, after = members(path.read_bytes()), members(exported.content)
    assert list(before) == list(after)
    changed = [member for member in before if before[member] != after[member]]
    sheets = {slot["sheet"] for q in questionnaire.questions.all() for slot in q.slots}
    assert changed and all(member.startswith("xl/worksheets/sheet") for member in changed), changed
    assert len(changed) <= len(sheets)
    # The answers are where the customer expects them.
    workbook = openpyxl.load_workbook(io.BytesIO(exported.content))
    for question in questionnaire.questions.filter(response__status=ResponseStatus.APPROVED):
        slot = next(s for s in question.slots if s["role"] == "answer")
        value = workbook[slot["sheet"]][slot["cell"]].value
        expected = question.response.choice if slot["kind"] == "choice" else question.response.text
        assert value == expected, (question.ref, value, expected)


def test_vsaq_exports_answers_json(manager, lead, library):
    import json

    path = real_file("vsaq_webapp.json")
    questionnaire = import_and_approve(path, manager, lead, how_many=2)
    exported = questionnaire_export(questionnaire)
    answers = json.loads(exported.content)
    assert len(answers) >= 2
    ids = {slot["cell"] for q in questionnaire.questions.all() for slot in q.slots}
    assert set(answers) <= ids
