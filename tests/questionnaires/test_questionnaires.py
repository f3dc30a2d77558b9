"""Questionnaires end to end on a small spreadsheet: upload, auto-fill, review, four eyes, learning, export."""

import csv
import io
import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from questionnaires import services
from questionnaires.models import MatchFeedback, Questionnaire, QuestionnaireStatus, Response, ResponseStatus
from tests.conftest import totp_code
from tests.factories import library_entry

pytestmark = pytest.mark.django_db

CSV_FILE = (
    b"ID,Question,Answer,Notes\r\n"
    b"Q1,Is multi-factor authentication enforced for every user of the portal?,,\r\n"
    b"Q2,Which firewall ports must be open for the sensor devices to reach the cloud?,,\r\n"
    b"Q3,Describe your policy for feeding the office goldfish on public holidays.,,\r\n"
)


@pytest.fixture
def library(manager, lead):
    mfa = library_entry(
        author=manager,
        approver=lead,
        key="mfa-enforced",
        question="Is multi-factor authentication (MFA) enforced for all users?",
        answer="Yes. Every user signs in with a password and an authenticator app code.",
    )
    ports = library_entry(
        author=manager,
        approver=lead,
        key="firewall-ports",
        question="Which ports and host names must a firewall allow for the devices?",
        answer="Devices open outbound UDP 5684 to *.udp.particle.io; nothing inbound.",
        short_answer="",
    )
    return {"mfa": mfa, "ports": ports}


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Post a file to the upload page; the queued import runs when the request's transaction commits."""

    def post(client, data=CSV_FILE, name="customer.csv", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("questionnaires:questionnaire-create"),
                {"file": SimpleUploadedFile(name, data), "title": "Acme review", **extra},
            )

    return post


def fresh(client):
    session = client.session
    session["mfa_verified_at"] = time.time()
    session.save()


def test_upload_imports_and_autofills_or_abstains(mfa_client, manager, library, upload):
    client = mfa_client(manager)
    response = upload(client)
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS and questionnaire.format == "csv"
    by_ref = {r.question.ref: r for r in Response.objects.select_related("question", "suggested_entry")}
    assert by_ref["Q1"].suggested_entry.key == "mfa-enforced" and by_ref["Q1"].status == ResponseStatus.SUGGESTED
    assert by_ref["Q2"].suggested_entry.key == "firewall-ports"
    assert by_ref["Q3"].suggested_entry is None and by_ref["Q3"].status == ResponseStatus.NEEDS_ATTENTION
    page = client.get(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]))
    assert page.status_code == 200 and page.context["counts"]["total"] == 3


def test_hostile_upload_is_a_400_and_leaves_nothing(mfa_client, manager, upload):
    client = mfa_client(manager)
    for name, data in [
        ("macro.xlsm", b"PK\x03\x04"),
        ("junk.xlsx", b"not a zip at all" * 100),
        ("bad.csv", b"\xff\xfe\x00bad"),
    ]:
        response = upload(client, data=data, name=name)
        assert response.status_code == 400, name
    assert not Questionnaire.objects.exists()


def test_review_accept_and_approve_with_four_eyes(client, mfa_client, manager, lead, library, upload):
    staff = mfa_client(manager)
    upload(staff)
    questionnaire = Questionnaire.objects.get()
    q1 = questionnaire.questions.get(ref="Q1")
    staff.post(reverse("questionnaires:response-action", args=[questionnaire.pk, q1.pk, "accept"]))
    assert Response.objects.get(question=q1).status == ResponseStatus.ACCEPTED
    # The account manager cannot approve at all; a lead can, with a fresh factor.
    staff.post(reverse("questionnaires:response-approve", args=[questionnaire.pk, q1.pk]))
    assert Response.objects.get(question=q1).status == ResponseStatus.ACCEPTED
    staff.logout()
    reviewer = mfa_client(lead)
    fresh(reviewer)
    reviewer.post(reverse("questionnaires:response-approve", args=[questionnaire.pk, q1.pk]))
    approved = Response.objects.get(question=q1)
    assert approved.status == ResponseStatus.APPROVED and approved.approver == lead
    assert MatchFeedback.objects.filter(entry=library["mfa"], is_positive=True).count() == 1


def test_lead_cannot_approve_a_response_they_edited(mfa_client, manager, lead, library, upload):
    client = mfa_client(lead)
    upload(client)
    questionnaire = Questionnaire.objects.get()
    q2 = questionnaire.questions.get(ref="Q2")
    client.post(
        reverse("questionnaires:response-detail", args=[questionnaire.pk, q2.pk]), {"text": "Outbound UDP 5684 only."}
    )
    response = Response.objects.get(question=q2)
    assert response.status == ResponseStatus.ACCEPTED and response.provenance == "edited"
    fresh(client)
    client.post(reverse("questionnaires:response-approve", args=[questionnaire.pk, q2.pk]))
    assert Response.objects.get(question=q2).status == ResponseStatus.ACCEPTED


def test_approval_needs_step_up(mfa_client, manager, lead, library, upload):
    upload(mfa_client(manager))
    questionnaire = Questionnaire.objects.get()
    q1 = questionnaire.questions.get(ref="Q1")
    services.response_accept(actor=manager, response=q1.response)
    client = mfa_client(lead)
    session = client.session
    session["mfa_verified_at"] = time.time() - 3600
    session.save()
    url = reverse("questionnaires:response-approve", args=[questionnaire.pk, q1.pk])
    client.post(url)
    assert Response.objects.get(question=q1).status == ResponseStatus.ACCEPTED
    client.post(url, {"otp_code": totp_code(TOTPDevice.objects.get(user=lead))})
    assert Response.objects.get(question=q1).status == ResponseStatus.APPROVED


def test_a_replaced_suggestion_counts_against_the_suggested_entry(mfa_client, manager, lead, library, upload):
    upload(mfa_client(manager))
    questionnaire = Questionnaire.objects.get()
    q1 = questionnaire.questions.get(ref="Q1")
    services.response_use_entry(actor=manager, response=q1.response, entry=library["ports"])
    services.response_approve(actor=lead, response=Response.objects.get(question=q1), via_cli=True)
    assert MatchFeedback.objects.filter(entry=library["mfa"], is_positive=False).exists()
    assert MatchFeedback.objects.filter(entry=library["ports"], is_positive=True).exists()


def test_confirmed_phrasing_is_learned(manager, lead, library):
    from questionnaires.autofill import match_index

    phrasing = "Do staff need a one-time code from a phone app when they log in?"
    index, _ = match_index()
    before = index.best(phrasing)
    MatchFeedback.objects.create(entry=library["mfa"], question_text=phrasing, is_positive=True)
    index, _ = match_index()
    after = index.best(phrasing)
    assert after is not None and after.key == "mfa-enforced"
    assert before is None or before.confidence < after.confidence


def test_export_writes_only_approved_answers_and_neutralises(mfa_client, manager, lead, library, tmp_path, upload):
    upload(mfa_client(manager))
    questionnaire = Questionnaire.objects.get()
    q1, q2 = questionnaire.questions.get(ref="Q1"), questionnaire.questions.get(ref="Q2")
    services.response_edit(actor=manager, response=q1.response, text='=HYPERLINK("x")', choice="")
    services.response_approve(actor=lead, response=Response.objects.get(question=q1), via_cli=True)
    services.response_accept(actor=manager, response=q2.response)  # accepted, not approved
    out = tmp_path / "answered.csv"
    call_command("questionnaire_export", str(questionnaire.pk), "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[1][2] == '\'=HYPERLINK("x")'
    assert rows[2][2] == ""  # not approved: not written
    draft = tmp_path / "draft.csv"
    call_command("questionnaire_export", str(questionnaire.pk), "--out", str(draft), "--draft")
    assert list(csv.reader(io.StringIO(draft.read_text(encoding="utf-8"))))[2][2].startswith("Devices open outbound")


def test_autofill_command_writes_the_contract_json(manager, lead, library, tmp_path):
    source = tmp_path / "customer.csv"
    source.write_bytes(CSV_FILE)
    out = tmp_path / "out.json"
    call_command("questionnaire_autofill", str(source), "--json", str(out))
    payload = json.loads(out.read_text())
    assert set(payload) == {"questionnaire_id", "format", "questions", "seconds"}
    assert [q["ref"] for q in payload["questions"]] == ["Q1", "Q2", "Q3"]
    assert payload["questions"][0]["suggestion"]["key"] == "mfa-enforced"
    assert 0 <= payload["questions"][0]["suggestion"]["confidence"] <= 1
    assert payload["questions"][2]["suggestion"] is None


def test_internal_entries_are_matched_but_their_text_never_proposed(mfa_client, manager, lead, library, upload):
    library_entry(
        author=manager,
        approver=lead,
        key="goldfish-policy",
        classification="internal",
        question="What is the policy for feeding the office goldfish on public holidays?",
        answer="Internal only: the rota is in the staff wiki.",
    )
    upload(mfa_client(manager))
    response = Response.objects.get(question__ref="Q3")
    assert response.suggested_entry.key == "goldfish-policy"
    assert response.text == "" and response.source_version is None
    assert response.status == ResponseStatus.NEEDS_ATTENTION
    with pytest.raises(Exception, match="internal-class and never leaves the company"):
        services.response_use_entry(actor=manager, response=response, entry=response.suggested_entry)


def test_overdue_entries_are_never_suggested(manager, lead, library):
    from datetime import timedelta

    from django.utils import timezone

    from library.models import LibraryEntry
    from questionnaires.autofill import match_index

    LibraryEntry.objects.filter(pk=library["ports"].pk).update(review_due=timezone.localdate() - timedelta(days=1))
    _index, entries = match_index()
    assert {entry.key for entry in entries.values()} == {"mfa-enforced"}


def test_customer_cannot_see_questionnaires(mfa_client, manager, customer, library, upload):
    upload(mfa_client(manager))
    questionnaire = Questionnaire.objects.get()
    question = questionnaire.questions.first()
    client = mfa_client(customer)
    assert client.get(reverse("questionnaires:questionnaire-list")).status_code == 403
    for url in (
        reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]),
        reverse("questionnaires:questionnaire-export", args=[questionnaire.pk]),
        reverse("questionnaires:response-detail", args=[questionnaire.pk, question.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_review_page_query_count_is_bounded(mfa_client, manager, library, django_assert_max_num_queries, upload):
    rows = "".join(f"Q{i},Is multi-factor authentication enforced for users {i}?,,\r\n" for i in range(60))
    client = mfa_client(manager)
    upload(client, data=("ID,Question,Answer,Notes\r\n" + rows).encode())
    questionnaire = Questionnaire.objects.get()
    with django_assert_max_num_queries(20):
        assert client.get(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk])).status_code == 200


def mapping_post(tabs: list[dict], action: str = "save") -> dict:
    """The mapping page's form data: one block of fields per tab, as the page renders them."""
    data = {"tab-TOTAL_FORMS": str(len(tabs)), "tab-INITIAL_FORMS": str(len(tabs)), "action": action}
    for index, tab in enumerate(tabs):
        for name, value in tab.items():
            if value is True:
                value = "on"
            if value not in (None, False):
                data[f"tab-{index}-{name}"] = value
    return data


def test_mapping_can_be_corrected_and_is_remembered_for_the_same_layout(
    mfa_client, manager, library, upload, django_capture_on_commit_callbacks
):
    from questionnaires.models import SavedMapping

    client = mfa_client(manager)
    upload(client)
    questionnaire = Questionnaire.objects.get()
    url = reverse("questionnaires:questionnaire-mapping", args=[questionnaire.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["tabs"][0]["table"]["rows"][0]["cells"][:3] == ["ID", "Question", "Answer"]
    assert [question["ref"] for question in page.context["reading"]["tabs"][0]["first"]] == ["Q1", "Q2", "Q3"]
    tab = {"sheet": "", "include": True, "header_row": 1, "id_column": "A", "question_column": "B"}
    preview = client.post(url, mapping_post([{**tab, "answer_column": "D"}], action="preview"))
    assert preview.status_code == 200 and preview.context["reading"]["tabs"][0]["first"][0]["cell"] == "D2"
    questionnaire.refresh_from_db()
    assert questionnaire.questions.get(ref="Q1").slots[0]["cell"] == "C2"  # a preview changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(url, mapping_post([{**tab, "answer_column": "D"}]))
    assert reply.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS
    assert questionnaire.questions.count() == 3
    assert questionnaire.questions.get(ref="Q1").slots[0]["cell"] == "D2"
    assert SavedMapping.objects.get().mapping["sheets"][0]["answer_column"] == "D"
    upload(client)  # same layout: the remembered mapping is used without asking
    second = Questionnaire.objects.exclude(pk=questionnaire.pk).get()
    assert second.questions.get(ref="Q1").slots[0]["cell"] == "D2"


@pytest.mark.parametrize(
    ("tab", "message"),
    [
        ({"question_column": "B2", "answer_column": "C"}, "column letter"),
        ({"question_column": "", "answer_column": "C"}, "column that holds the questions"),
        ({"question_column": "B", "answer_column": "C", "mark_columns": "F, G"}, "three column letters"),
        ({"question_column": "B", "answer_column": "C", "sheet": "Not a tab"}, "not in the file"),
        ({"question_column": "B", "answer_column": "C", "include": False}, "at least one tab"),
    ],
)
def test_mapping_with_bad_columns_is_a_form_error_and_changes_nothing(
    mfa_client, manager, library, upload, tab, message
):
    client = mfa_client(manager)
    upload(client)
    questionnaire = Questionnaire.objects.get()
    before = list(questionnaire.questions.values_list("ref", "slots"))
    reply = client.post(
        reverse("questionnaires:questionnaire-mapping", args=[questionnaire.pk]),
        mapping_post([{"sheet": "", "include": True, "header_row": 1, **tab}]),
    )
    assert reply.status_code == 400 and message in reply.content.decode()
    assert list(questionnaire.questions.values_list("ref", "slots")) == before


def test_mapping_page_without_its_management_data_is_a_400(mfa_client, manager, library, upload):
    client = mfa_client(manager)
    upload(client)
    questionnaire = Questionnaire.objects.get()
    reply = client.post(reverse("questionnaires:questionnaire-mapping", args=[questionnaire.pk]), {"action": "save"})
    assert reply.status_code == 400


def test_edited_and_new_answers_can_be_proposed_to_the_library(mfa_client, manager, lead, library, upload):
    from library.models import LibraryEntryVersion, VersionStatus

    upload(mfa_client(manager))
    questionnaire = Questionnaire.objects.get()
    q1, q3 = questionnaire.questions.get(ref="Q1"), questionnaire.questions.get(ref="Q3")
    edited = services.response_edit(actor=manager, response=q1.response, text="Yes, with an app code.", choice="")
    version = services.response_propose_to_library(actor=manager, response=edited)
    assert version.entry == library["mfa"] and version.status == VersionStatus.DRAFT and version.number == 2
    written = services.response_edit(actor=manager, response=q3.response, text="Nobody feeds the goldfish.", choice="")
    new_version = services.response_propose_to_library(actor=manager, response=written)
    assert (
        new_version.entry.key.startswith("policy-feeding-office-goldfish") and new_version.status == VersionStatus.DRAFT
    )
    # Proposals wait for review: the approved answers in force did not change.
    assert LibraryEntryVersion.objects.get(pk=library["mfa"].approved_version_id).status == VersionStatus.APPROVED


def test_accept_all_then_approve_all_keeps_four_eyes(mfa_client, manager, lead, library, upload):
    client = mfa_client(manager)
    upload(client)
    questionnaire = Questionnaire.objects.get()
    client.post(reverse("questionnaires:questionnaire-accept-all", args=[questionnaire.pk]))
    statuses = dict(Response.objects.values_list("question__ref", "status"))
    assert statuses == {"Q1": "accepted", "Q2": "accepted", "Q3": "needs_attention"}
    # The person who accepted cannot approve; a lead who did not can, all at once.
    client.logout()
    reviewer = mfa_client(lead)
    fresh(reviewer)
    reviewer.post(reverse("questionnaires:questionnaire-approve-all", args=[questionnaire.pk]))
    assert Response.objects.filter(status="approved").count() == 2


def test_response_page_searches_approved_library_entries(mfa_client, manager, library, upload):
    client = mfa_client(manager)
    upload(client)
    response = Response.objects.select_related("question").get(question__ref="Q3")
    url = reverse("questionnaires:response-detail", args=[response.question.questionnaire_id, response.question_id])
    page = client.get(url, {"entry_q": "firewall ports"})
    assert page.status_code == 200
    assert [entry.key for entry in page.context["candidates"]] == ["firewall-ports"]
