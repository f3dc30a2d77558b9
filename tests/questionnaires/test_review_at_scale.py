"""Large questionnaires: the question cap at import, a paginated review page whose queries do not grow with the
questionnaire, counts that stay whole across pages, and a dashboard that does not slow down."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fileformats import FileRejected, safety
from questionnaires import policies, selectors
from questionnaires.formats import (
    DEFAULT_MAX_CELLS,
    MAX_QUESTIONS,
    QuestionnaireFileError,
    check_file,
    parse_questionnaire,
)
from questionnaires.models import Provenance, Question, Questionnaire, QuestionnaireStatus, Response, ResponseStatus
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db

PER_PAGE = 100
STATUSES = (ResponseStatus.SUGGESTED, ResponseStatus.ACCEPTED, ResponseStatus.NEEDS_ATTENTION, ResponseStatus.APPROVED)


def make_questionnaire(size: int, *, owner, approver, version=None, section_size: int = 250) -> Questionnaire:
    """`size` questions in sections of `section_size`, responses cycling through the four statuses."""
    questionnaire = Questionnaire.objects.create(
        title=f"{size} questions",
        source_file="questionnaires/big.csv",
        source_name="big.csv",
        source_sha256="0" * 64,
        source_size=1,
        format="csv",
        format_label="CSV",
        status=QuestionnaireStatus.IN_PROGRESS,
        owner=owner,
        created_by=owner,
    )
    questions = Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            order=n,
            ref=f"Q-{n:05d}",
            text=f"Question number {n}: is fleet data encrypted?",
            section=f"Section {(n - 1) // section_size + 1}",
        )
        for n in range(1, size + 1)
    )
    Response.objects.bulk_create(
        Response(
            question=question,
            text="Yes: TLS 1.2 and AES-256." if STATUSES[i % 4] != ResponseStatus.NEEDS_ATTENTION else "",
            source_version=version if STATUSES[i % 4] != ResponseStatus.NEEDS_ATTENTION else None,
            provenance=Provenance.LIBRARY,
            status=STATUSES[i % 4],
            last_edited_by=owner if STATUSES[i % 4] in (ResponseStatus.ACCEPTED, ResponseStatus.APPROVED) else None,
            approver=approver if STATUSES[i % 4] == ResponseStatus.APPROVED else None,
        )
        for i, question in enumerate(questions)
    )
    return questionnaire


def detail(questionnaire, query: str = "") -> str:
    return reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]) + query


def refs(page) -> list[str]:
    return [question.ref for run in page.context["sections"] for question in run["questions"]]


# --- The cap -------------------------------------------------------------------------------------------


def question_csv(count: int) -> bytes:
    rows = "".join(f"Q{n},Is customer data about device {n} encrypted at rest?,,\r\n" for n in range(1, count + 1))
    return ("ID,Question,Answer,Notes\r\n" + rows).encode()


def question_xlsx(count: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Questions")
    sheet.append(["ID", "Question", "Answer", "Notes"])
    for n in range(1, count + 1):
        sheet.append([f"Q{n}", f"Is customer data about device {n} encrypted at rest?", None, None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "build"), [("big.csv", question_csv), ("big.xlsx", question_xlsx)])
def test_a_file_over_the_question_cap_is_refused_with_what_to_do(name, build):
    with pytest.raises(QuestionnaireFileError) as error:
        parse_questionnaire(name, build(MAX_QUESTIONS + 1))
    message = str(error.value)
    assert "5,001 questions" in message and "at most 5,000 per questionnaire" in message and "Split it" in message


def test_a_file_at_the_question_cap_is_read():
    assert len(parse_questionnaire("big.csv", question_csv(MAX_QUESTIONS)).questions) == MAX_QUESTIONS


def test_the_cell_budget_message_names_the_limit():
    budget = 2_000  # the same check as DEFAULT_MAX_CELLS, at a size that keeps the test quick
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Wide")
    for n in range(budget // 20 + 2):
        sheet.append([f"Question {n} about encryption of data?"] + ["x"] * 19)
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(QuestionnaireFileError, match=f"more than {budget:,} filled cells"):
        parse_questionnaire("wide.xlsx", out.getvalue(), max_cells=budget)
    assert DEFAULT_MAX_CELLS >= 125_126  # the largest real questionnaire (HECVAT 4.1.4) fits


def test_blank_padding_counts_against_its_own_larger_budget():
    budget = 500
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Padded")
    sheet.append(["ID", "Question", "Answer"])
    for n in range(5):
        sheet.append([f"Q{n}", f"Do you encrypt backups of system {n}?", None])
    for _ in range(100):  # 2,600 blank cells: more than the filled-cell budget, within the blank one
        sheet.append([""] * 26)
    out = io.BytesIO()
    workbook.save(out)
    assert len(parse_questionnaire("padded.xlsx", out.getvalue(), max_cells=budget).questions) == 5
    with pytest.raises(QuestionnaireFileError, match="blank ones"):
        parse_questionnaire("padded.xlsx", out.getvalue(), max_cells=200)


def test_a_workbook_with_too_much_sheet_xml_is_refused_before_any_sheet_is_read(monkeypatch):
    # openpyxl would scan sheet XML without a <dimension> in full on opening, before the cell budget applies.
    monkeypatch.setattr(safety, "MAX_WORKSHEET_BYTES", 100 * 1024)
    with pytest.raises(FileRejected, match=r"sheets are 0 MB when unpacked; the limit is 0 MB"):
        check_file("big.xlsx", question_xlsx(2_000))
    assert len(parse_questionnaire("small.xlsx", question_xlsx(200)).questions) == 200


@pytest.mark.django_db(transaction=True)
def test_uploading_a_file_over_the_cap_is_a_400_and_leaves_nothing(mfa_client, manager):
    # Outside a test transaction the in-process import runs as the upload commits, as in the one-command setup.
    page = mfa_client(manager).post(
        reverse("questionnaires:questionnaire-create"),
        {"file": SimpleUploadedFile("big.csv", question_csv(MAX_QUESTIONS + 1)), "title": "Too big"},
    )
    assert page.status_code == 400
    assert "This file has 5,001 questions; Trustpack imports at most 5,000 per questionnaire" in page.content.decode()
    assert not Questionnaire.objects.exists() and not Question.objects.exists() and not Response.objects.exists()


def test_an_import_over_the_cap_ends_failed_with_the_reason_and_no_question(
    mfa_client, manager, django_capture_on_commit_callbacks
):
    client = mfa_client(manager)
    with django_capture_on_commit_callbacks(execute=True):  # the import runs after the upload answered, as a worker
        client.post(
            reverse("questionnaires:questionnaire-create"),
            {"file": SimpleUploadedFile("big.xlsx", question_xlsx(MAX_QUESTIONS + 1)), "title": "Too big"},
        )
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.status == QuestionnaireStatus.FAILED
    assert questionnaire.import_error.startswith("This file has 5,001 questions;")
    assert not Question.objects.exists() and not Response.objects.exists()
    page = client.get(detail(questionnaire))
    assert page.status_code == 200 and "Trustpack imports at most 5,000 per questionnaire" in page.content.decode()


# --- The review page -----------------------------------------------------------------------------------


@pytest.fixture
def big(manager, lead):
    return make_questionnaire(450, owner=manager, approver=lead)


def test_review_page_shows_a_hundred_questions_a_page(mfa_client, lead, big):
    client = mfa_client(lead)
    first = client.get(detail(big))
    assert refs(first) == [f"Q-{n:05d}" for n in range(1, 101)]
    second = client.get(detail(big, "?page=2"))
    assert refs(second)[0] == "Q-00101" and len(refs(second)) == PER_PAGE
    assert 'href="?page=3"' in second.content.decode() and 'href="?page=1"' in second.content.decode()


@pytest.mark.parametrize(
    ("page", "first_ref"),
    [("abc", "Q-00001"), ("0", "Q-00401"), ("999", "Q-00401"), ("", "Q-00001"), ("1.5", "Q-00001"), ("-3", "Q-00401")],
)
def test_junk_or_out_of_range_page_numbers_show_a_real_page(mfa_client, lead, big, page, first_ref):
    response = mfa_client(lead).get(detail(big, f"?page={page}"))
    assert response.status_code == 200 and refs(response)[0] == first_ref


def test_counts_cover_the_whole_questionnaire_on_every_page(mfa_client, lead, big):
    client = mfa_client(lead)
    for query in ("", "?page=3", "?status=approved&page=2"):
        counts = client.get(detail(big, query)).context["counts"]
        assert (counts["total"], counts["suggested"], counts["accepted"], counts["attention"], counts["approved"]) == (
            450,
            113,
            113,
            112,
            112,
        )
        # Accepted responses were last edited by the manager: the lead may approve every one of them.
        assert counts["approvable"] == 113


def test_filters_hold_across_pages_and_the_pager_keeps_them(mfa_client, manager, lead, big):
    client = mfa_client(lead)
    first = client.get(detail(big, "?status=needs_attention"))
    assert first.context["page"].paginator.count == 112
    assert 'href="?status=needs_attention&amp;page=2"' in first.content.decode()
    second = client.get(detail(big, "?status=needs_attention&page=2"))
    rows = [question for run in second.context["sections"] for question in run["questions"]]
    assert len(rows) == 12 and all(question.response.status == ResponseStatus.NEEDS_ATTENTION for question in rows)
    Response.objects.filter(question__questionnaire=big, question__order__gt=300).update(assignee=lead)
    mine = client.get(detail(big, "?mine=1&q=Q-003&page=2"))
    # Q-00301 to Q-00399: 99 matches make one page, so page 2 shows the last page there is.
    assert mine.context["page"].paginator.count == 99 and refs(mine)[0] == "Q-00301"
    assert all(question.response.assignee == lead for question in mine.context["page"].object_list)


def test_section_index_points_at_the_page_each_section_starts_on(mfa_client, lead, big):
    index = mfa_client(lead).get(detail(big)).context["section_index"]
    assert [(section["name"], section["count"], section["page"]) for section in index] == [
        ("Section 1", 250, 1),
        ("Section 2", 200, 3),
    ]
    continued = mfa_client(lead).get(detail(big, "?page=2")).context["sections"]
    assert continued[0]["continued"] and continued[0]["section"]["count"] == 250


def test_review_page_queries_do_not_grow_with_the_questionnaire(mfa_client, manager, lead):
    small = make_questionnaire(30, owner=manager, approver=lead)
    large = make_questionnaire(900, owner=manager, approver=lead, section_size=40)
    client = mfa_client(lead)
    client.get(detail(small))  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(detail(small)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(detail(large, "?page=4")).status_code == 200
    assert len(many) == len(few) <= 20


def test_each_row_links_to_its_question_and_offers_what_the_reader_may_do(mfa_client, manager, lead, big):
    """Rows build their links without reversing each one: they must still be the URLs reverse() gives, with
    Accept on suggested answers and Approve only where the four-eyes rule lets this reader approve."""
    lead_page = mfa_client(lead).get(detail(big)).content.decode()
    manager_page = mfa_client(manager).get(detail(big)).content.decode()
    for question in big.questions.filter(order__lte=PER_PAGE).select_related("response"):
        status = question.response.status
        detail_url = reverse("questionnaires:response-detail", args=[big.pk, question.pk])
        accept = reverse("questionnaires:response-action", args=[big.pk, question.pk, "accept"])
        approve = reverse("questionnaires:response-approve", args=[big.pk, question.pk])
        assert lead_page.count(f'href="{detail_url}"') == 2
        assert (f'action="{accept}"' in lead_page) is (status == ResponseStatus.SUGGESTED)
        # Accepted answers were last edited by the manager: the lead may approve them, the manager none.
        assert (f'action="{approve}"' in lead_page) is (status == ResponseStatus.ACCEPTED)
        assert f'action="{approve}"' not in manager_page


def test_bulk_actions_say_they_act_on_the_whole_questionnaire(mfa_client, manager, lead, big):
    content = mfa_client(lead).get(detail(big, "?page=2&status=approved")).content.decode()
    assert "Approve all 113 accepted" in content and "act on the whole questionnaire" in content


# --- The four-eyes rule in bulk agrees with the rule for one response --------------------------------------


def test_approvable_set_matches_the_one_response_rule(manager, lead):
    other_lead = UserFactory(role="security_lead")
    by_manager = library_entry(author=manager, approver=lead).latest_version
    by_lead = library_entry(author=lead, approver=other_lead).latest_version
    questionnaire = make_questionnaire(10, owner=manager, approver=other_lead, version=by_manager)
    responses = list(Response.objects.filter(question__questionnaire=questionnaire).order_by("question__order"))
    cases = [
        {"status": ResponseStatus.ACCEPTED, "last_edited_by": manager},  # yes
        {"status": ResponseStatus.ACCEPTED, "last_edited_by": lead},  # lead edited it
        {"status": ResponseStatus.ACCEPTED, "text": "  \n", "choice": ""},  # empty
        {"status": ResponseStatus.ACCEPTED, "text": "", "choice": "Yes"},  # a choice alone is an answer
        {"status": ResponseStatus.SUGGESTED},  # not accepted
        {"status": ResponseStatus.ACCEPTED, "source_version": by_lead, "proposed_version": by_lead},  # lead drafted
        {"status": ResponseStatus.ACCEPTED, "source_version": by_lead, "proposed_version": None},  # only quoted
        {"status": ResponseStatus.ACCEPTED, "source_version": by_manager, "proposed_version": by_manager},
        {"status": ResponseStatus.ACCEPTED, "last_edited_by": None},
        {"status": ResponseStatus.ACCEPTED, "editors": [lead]},  # lead edited it earlier
    ]
    for response, case in zip(responses, cases, strict=True):
        editors = case.pop("editors", [])
        for field, value in case.items():
            setattr(response, field, value)
        response.save()
        response.editors.set(editors)
    other_lead_editing = Response.objects.get(pk=responses[9].pk)
    other_lead_editing.editors.add(other_lead)
    for user in (lead, other_lead, manager):
        fresh = Response.objects.filter(question__questionnaire=questionnaire).prefetch_related("editors")
        expected = {response.pk for response in fresh if policies.can_approve_response(user, response)}
        assert set(policies.responses_approvable_by(user).values_list("pk", flat=True)) == expected, user
        assert selectors.questionnaire_counts(questionnaire, user=user)["approvable"] == len(expected)
        assert selectors.approvable_response_ids(questionnaire, user=user) == expected
    assert len({r.pk for r in responses if policies.can_approve_response(lead, r)}) == 4


# --- The dashboard -------------------------------------------------------------------------------------


def test_dashboard_queries_do_not_grow_with_questions(mfa_client, manager, lead):
    client = mfa_client(lead)
    make_questionnaire(20, owner=manager, approver=lead)
    client.get(reverse("workspace:dashboard"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("workspace:dashboard"))
    make_questionnaire(1200, owner=manager, approver=lead)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("workspace:dashboard"))
    assert len(many) == len(few)
    shown = {q.title: (q.total, q.approved, q.attention) for q in page.context["open_questionnaires"]}
    assert shown == {"20 questions": (20, 5, 5), "1200 questions": (1200, 300, 300)}
    assert page.context["open_questionnaire_count"] == 2
