"""Learning from answered questionnaires: links by answer then question, proposals, skips, confirmation into
learned phrasings, draft entries through the library's own review, the command line, uploads and doors."""

import io
import json
import os
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

import questionnaires.policies
from accounts.policies import Intent
from audit.models import AuditEvent
from library.models import LibraryEntry, LibraryEntryVersion, VersionStatus
from questionnaires import learning, selectors, services
from questionnaires.models import LearningBatch, LearningDecision, LearningItem, LearningOutcome, MatchFeedback
from tests.factories import library_entry
from tests.test_policy_tables import WHO, person

pytestmark = pytest.mark.django_db

SHARED = Path(os.environ.get("TRUSTPACK_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
REAL_FILES = sorted((SHARED / "questionnaires").glob("Instructure_*.xlsx"))

MFA_ANSWER = "Every user signs in with a password and a code from an authenticator app; SMS codes are not accepted."
PORTS_ANSWER = "Devices open outbound UDP 5684 to the device cloud host names only; no inbound port is ever opened."
BACKUP_ANSWER = "Customer data is backed up nightly to a second region and restores are tested every quarter."


@pytest.fixture
def library(manager, lead):
    return {
        "mfa": library_entry(
            author=manager,
            approver=lead,
            key="mfa-enforced",
            question="Is multi-factor authentication (MFA) enforced for all users?",
            answer=MFA_ANSWER,
        ),
        "ports": library_entry(
            author=manager,
            approver=lead,
            key="firewall-ports",
            question="Which ports and host names must a firewall allow for the devices?",
            answer=PORTS_ANSWER,
            short_answer="",
        ),
        "backup": library_entry(
            author=manager,
            approver=lead,
            key="backup-restore",
            question="Are backups taken and restores tested?",
            answer=BACKUP_ANSWER,
        ),
    }


ROWS_A = [
    # Answer copied from the library under an unrelated question wording: found by the answer.
    ("A1", "How do staff and customers authenticate to your management console?", "Yes", MFA_ANSWER),
    # Question close to the library's, answer a bare Yes: found by the question.
    ("A2", "Are backups taken and are restores tested?", "Yes", ""),
    # New content: proposed.
    (
        "A3",
        "Do you run a bug bounty programme?",
        "Yes",
        "We run a public bug bounty on HackerOne with rewards up to $5,000.",
    ),
    ("A4", "Vendor Name", "Acme Sensors Ltd", ""),
    ("A5", "Is data encrypted at rest?", "N/A", ""),
    ("A6", "Is the network segmented?", "Yes", "See above"),
    ("A7", "Describe your change management process.", "", ""),
]
ROWS_B = [
    (
        "B1",
        "Does the company operate a bug bounty program?",
        "Yes",
        "We run a public bug bounty on HackerOne, with rewards up to $5,000.",
    ),
    ("B2", "Primary contact email", "security@acme.example", ""),
]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Questions"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def learn(actor, *files):
    return services.learning_batch_create(actor=actor, files=list(files))


def items_by_ref(batch) -> dict[str, LearningItem]:
    return {item.ref: item for item in batch.items.select_related("suggested_entry")}


# --- Reading answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "choice", "comment", "skipped"),
    [
        ("Is MFA enforced?", "", "", True),
        ("Is MFA enforced?", "N/A", "", True),
        ("Is MFA enforced?", "Yes", "See above", True),
        ("Is MFA enforced?", "See section 4", "", True),
        ("Vendor Name", "Acme", "", True),
        ("Company address", "1 Main St, Springfield", "", True),
        ("Web Link to Product Privacy Notice", "https://acme.example/privacy", "", True),
        ("Support line", "+44 20 7946 0000", "", True),
        ("", "Northwind Sensors, Inc.", "", True),  # the question was a formula saved without its result
        ("Is MFA enforced?", "2) No", "", False),  # a numbered dropdown choice is still a Yes/No
        ("Is MFA enforced?", "Yes", "", False),
        ("Is MFA enforced?", "Yes", "Authenticator apps for everyone.", False),
        ("Describe how you review access", "", "Quarterly, by each system's owner.", False),
        ("Do you send security alerts by email to customers?", "Yes", "Within 24 hours of detection.", False),
    ],
)
def test_skip_rules(question, choice, comment, skipped):
    found = learning.AnsweredQuestion(ref="X", question=question, choice=choice, comment=comment)
    assert bool(learning.skip_reason(found)) is skipped


@pytest.mark.parametrize(("choice", "short"), [("2) No", "No"), ("1. Yes", "Yes"), ("a) N/A", "NA"), ("12 No", "")])
def test_numbered_dropdown_choices_read_as_short_answers(choice, short):
    assert learning.AnsweredQuestion(ref="X", question="Q?", choice=choice, comment="").short_answer == short


def test_a_choice_and_its_comment_are_one_answer():
    found = learning.AnsweredQuestion(ref="X", question="Q?", choice="Yes", comment="Always.")
    assert (found.answer, found.wording, found.short_answer) == ("Yes. Always.", "Always.", "Yes")


def test_answer_index_finds_the_entry_an_answer_was_copied_from():
    index = learning.AnswerIndex({1: MFA_ANSWER, 2: PORTS_ANSWER, 3: BACKUP_ANSWER})
    copied = index.best("Yes. " + PORTS_ANSWER.replace("only", ""))
    assert copied.entry_id == 2 and copied.confidence > 0.9
    assert index.best("Penguins eat krill.") is None
    assert index.best("") is None


def test_near_duplicate_answers_share_a_group_key():
    keys = learning.group_keys([BACKUP_ANSWER, BACKUP_ANSWER.replace("nightly", "every night"), MFA_ANSWER])
    assert keys[0] == keys[1] != keys[2]


def test_a_csv_with_a_comment_column_is_read_too(manager, library):
    data = (
        "ID,Question,Answer,Comments\r\n"
        f'Q1,"How is the admin console protected?",Yes,"{MFA_ANSWER}"\r\n'
        "Q2,Is the network segmented?,Yes,Same as above\r\n"
    ).encode()
    batch = learn(manager, ("answered.csv", data))
    items = items_by_ref(batch)
    assert items["Q1"].outcome == LearningOutcome.LINKED and items["Q1"].suggested_entry == library["mfa"]
    assert items["Q2"].outcome == LearningOutcome.SKIPPED


# --- The batch ---------------------------------------------------------------------------------------------


def test_answers_are_linked_proposed_or_skipped(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)), ("b.xlsx", xlsx(ROWS_B)))
    items = items_by_ref(batch)
    assert items["A1"].outcome == LearningOutcome.LINKED and items["A1"].suggested_entry.key == "mfa-enforced"
    assert items["A1"].matched_by == "answer" and items["A1"].confidence >= 0.9
    assert items["A2"].outcome == LearningOutcome.LINKED and items["A2"].suggested_entry.key == "backup-restore"
    assert items["A2"].matched_by == "question"
    assert items["A3"].outcome == LearningOutcome.PROPOSED
    for ref in ("A4", "A5", "A6", "A7", "B2"):
        assert items[ref].outcome == LearningOutcome.SKIPPED and items[ref].reason, ref
    # The same bug-bounty answer in two files is one proposal.
    assert items["B1"].outcome == LearningOutcome.PROPOSED and items["B1"].group_key == items["A3"].group_key
    counts = selectors.learning_batch_counts(batch)
    assert counts == {
        "files": 2,
        "questions": 9,
        "answered": 8,
        "linked": 2,
        "proposed": 2,
        "skipped": 5,
    }
    assert not MatchFeedback.objects.exists()  # nothing is learned before a person confirms
    assert AuditEvent.objects.filter(action="questionnaires.learning_batch_created").count() == 1


def test_an_answer_contradicting_the_entry_is_not_linked(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx([("C1", "Are backups taken and are restores tested?", "No", "")])))
    item = batch.items.get()
    assert item.outcome == LearningOutcome.SKIPPED and "says" in item.reason


def test_confirming_a_link_records_a_learned_phrasing_and_keeps_approved_wording(manager, library):
    before = list(LibraryEntryVersion.objects.values_list("pk", "question", "answer", "aliases", "status"))
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    items = items_by_ref(batch)
    services.learning_item_confirm(actor=manager, item=items["A1"])
    feedback = MatchFeedback.objects.get()
    assert (feedback.entry, feedback.question_text, feedback.is_positive) == (
        library["mfa"],
        ROWS_A[0][1],
        True,
    )
    items["A1"].refresh_from_db()
    assert items["A1"].decision == LearningDecision.CONFIRMED and items["A1"].decided_by == manager
    assert list(LibraryEntryVersion.objects.values_list("pk", "question", "answer", "aliases", "status")) == before
    with pytest.raises(ValidationError):
        services.learning_item_confirm(actor=manager, item=items["A1"])
    with pytest.raises(ValidationError):
        services.learning_item_confirm(actor=manager, item=items["A3"])  # a proposal has nothing to confirm
    assert AuditEvent.objects.filter(action="questionnaires.learning_link_confirmed").count() == 1


def test_a_confirmed_phrasing_helps_auto_fill(manager, library):
    from questionnaires.autofill import match_index

    question = "How do staff and customers authenticate to your management console?"
    index, _ = match_index()
    before = {s.entry_id: s.confidence for s in index.suggest(question, k=3)}.get(library["mfa"].pk, 0.0)
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    services.learning_item_confirm(actor=manager, item=items_by_ref(batch)["A1"])
    index, _ = match_index()
    after = index.suggest(question, k=1)[0]
    assert after.entry_id == library["mfa"].pk and after.confidence > before


def test_rejecting_a_link_learns_nothing(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    item = services.learning_item_reject(actor=manager, item=items_by_ref(batch)["A2"])
    assert item.decision == LearningDecision.REJECTED and not MatchFeedback.objects.exists()


def test_confirm_all_above_a_threshold(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    LearningItem.objects.filter(batch=batch, ref="A2").update(confidence=0.6)
    assert services.learning_batch_confirm_above(actor=manager, batch=batch, threshold=0.8) == 1
    assert MatchFeedback.objects.get().question_text == ROWS_A[0][1]
    assert services.learning_batch_confirm_above(actor=manager, batch=batch, threshold=0) == 1
    assert MatchFeedback.objects.count() == 2


def test_confirming_by_the_answer_only_leaves_question_links(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    assert services.learning_batch_confirm_above(actor=manager, batch=batch, threshold=0, answer_only=True) == 1
    assert MatchFeedback.objects.get().entry == library["mfa"]
    assert items_by_ref(batch)["A2"].decision == LearningDecision.PENDING


def test_a_proposal_becomes_a_draft_entry_with_its_group_as_aliases(manager, lead, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)), ("b.xlsx", xlsx(ROWS_B)))
    items = items_by_ref(batch)
    entry = services.learning_item_draft(actor=manager, item=items["A3"])
    version = entry.latest_version
    assert version.status == VersionStatus.DRAFT and entry.approved_version is None
    assert version.question == ROWS_A[2][1] and version.answer == ROWS_A[2][3] and version.short_answer == "Yes"
    assert version.alias_list == [ROWS_B[0][1]]
    assert {i.decision for i in LearningItem.objects.filter(group_key=items["A3"].group_key)} == {"drafted"}
    assert not MatchFeedback.objects.exists()
    with pytest.raises(ValidationError):
        services.learning_item_draft(actor=manager, item=items["B1"])  # the group is done
    # The draft goes through the library's usual four eyes.
    from library import services as library_services

    submitted = library_services.version_submit(actor=manager, version=version)
    with pytest.raises(PermissionDenied):
        library_services.version_approve(actor=manager, version=submitted, via_cli=True)


def test_dismissing_a_proposal_dismisses_its_group_and_learns_nothing(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)), ("b.xlsx", xlsx(ROWS_B)))
    items = items_by_ref(batch)
    services.learning_item_reject(actor=manager, item=items["A3"])
    assert {i.decision for i in LearningItem.objects.filter(group_key=items["A3"].group_key)} == {"rejected"}
    assert not MatchFeedback.objects.exists() and not LibraryEntry.objects.filter(latest_version__question=ROWS_A[2][1])
    assert AuditEvent.objects.filter(action="questionnaires.learning_proposal_dismissed").count() == 1
    with pytest.raises(ValidationError):
        services.learning_item_reject(actor=manager, item=items["B1"])  # already dismissed with its group
    with pytest.raises(ValidationError):
        services.learning_item_reject(actor=manager, item=items["A4"])  # a skipped question has nothing to reject
    # A change of mind: the dismissed answer can still become a draft.
    entry = services.learning_item_draft(actor=manager, item=items["A3"])
    assert entry.latest_version.answer == ROWS_A[2][3]


def test_only_staff_who_work_on_questionnaires_may_learn(library, admin_user, customer):
    for actor in (admin_user, customer):
        with pytest.raises(PermissionDenied):
            learn(actor, ("a.xlsx", xlsx(ROWS_A)))
    assert not LearningBatch.objects.exists()


def test_one_unreadable_file_stops_the_batch_and_is_named(manager, library):
    with pytest.raises(ValidationError) as error:
        learn(manager, ("good.xlsx", xlsx(ROWS_A)), ("broken.xlsx", b"not a zip" * 50))
    text = " ".join(error.value.messages)
    assert "broken.xlsx" in text and "good.xlsx" in text
    assert not LearningBatch.objects.exists() and not LearningItem.objects.exists()


def test_a_blank_questionnaire_is_refused_as_not_filled_in(manager, library):
    with pytest.raises(ValidationError, match="no question in this file has an answer"):
        learn(manager, ("blank.xlsx", xlsx([("Q1", "Is MFA enforced?", "", "")])))
    assert not LearningBatch.objects.exists()


def test_the_same_phrasing_is_learned_once_across_batches(manager, library):
    for _ in range(2):
        batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
        services.learning_item_confirm(actor=manager, item=items_by_ref(batch)["A1"])
    assert MatchFeedback.objects.count() == 1


# --- Command line ------------------------------------------------------------------------------------------


def test_command_confirms_confident_links_and_prints_counts(manager, library, tmp_path, capsys):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    first.write_bytes(xlsx(ROWS_A))
    second.write_bytes(xlsx(ROWS_B))
    out = tmp_path / "learned.json"
    call_command("questionnaire_learn", str(first), str(second), "--as", manager.email, "--json", str(out))
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    # A1's answer is the MFA entry's wording: confirmed. A2 was linked by its question alone (auto-fill's own
    # guess), so it waits for a person and counts with the proposals.
    expected = {"files": 2, "questions": 9, "answered": 8, "linked": 1, "proposed": 3, "skipped": 5}
    assert printed == expected and json.loads(out.read_text()) == expected
    assert list(MatchFeedback.objects.values_list("entry", "question_text", "is_positive")) == [
        (library["mfa"].pk, ROWS_A[0][1], True)
    ]
    batch = LearningBatch.objects.get()
    assert batch.via_cli and batch.items.filter(outcome="proposed", decision="pending").count() == 2
    left = batch.items.get(ref="A2")
    assert (left.outcome, left.matched_by, left.decision) == ("linked", "question", "pending")
    assert AuditEvent.objects.filter(action="questionnaires.learning_link_confirmed", via="cli").count() == 1
    assert "1 link confirmed" in captured.err and "1 link found by the question alone" in captured.err


def test_command_errors_are_clear(manager, customer, library, tmp_path):
    good = tmp_path / "a.xlsx"
    good.write_bytes(xlsx(ROWS_A))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"junk" * 100)
    with pytest.raises(CommandError, match="No such file"):
        call_command("questionnaire_learn", str(tmp_path / "missing.xlsx"), "--as", manager.email)
    with pytest.raises(CommandError, match=r"bad\.xlsx"):
        call_command("questionnaire_learn", str(good), str(bad), "--as", manager.email)
    with pytest.raises(CommandError, match="No active account manager"):
        call_command("questionnaire_learn", str(good), "--as", customer.email)
    assert not LearningBatch.objects.exists()


# --- Pages --------------------------------------------------------------------------------------------------


def upload_files(client, *files):
    return client.post(
        reverse("questionnaires:learning-create"),
        {"files": [SimpleUploadedFile(name, data) for name, data in files]},
    )


def test_upload_then_review_confirm_and_draft_over_http(mfa_client, manager, library):
    client = mfa_client(manager)
    assert client.get(reverse("questionnaires:questionnaire-list")).content.count(
        reverse("questionnaires:learning-create").encode()
    )
    assert client.get(reverse("questionnaires:learning-create")).status_code == 200
    reply = upload_files(client, ("a.xlsx", xlsx(ROWS_A)), ("b.xlsx", xlsx(ROWS_B)))
    batch = LearningBatch.objects.get()
    assert reply.status_code == 302 and reply.url == reverse("questionnaires:learning-detail", args=[batch.pk])
    page = client.get(reply.url)
    assert page.status_code == 200
    assert b"mfa-enforced" in page.content and b"bug bounty" in page.content
    items = items_by_ref(batch)
    reply = client.post(reverse("questionnaires:learning-item-confirm", args=[batch.pk, items["A1"].pk]))
    assert reply.status_code == 302 and MatchFeedback.objects.count() == 1
    reply = client.post(reverse("questionnaires:learning-item-reject", args=[batch.pk, items["A2"].pk]))
    assert reply.status_code == 302 and MatchFeedback.objects.count() == 1
    reply = client.post(reverse("questionnaires:learning-item-draft", args=[batch.pk, items["A3"].pk]))
    entry = LibraryEntry.objects.get(latest_version__question=ROWS_A[2][1])
    assert reply.status_code == 302 and entry.latest_version.status == VersionStatus.DRAFT
    assert client.get(reverse("questionnaires:learning-detail", args=[batch.pk])).status_code == 200


def test_dismissing_a_proposal_over_http(mfa_client, manager, library):
    client = mfa_client(manager)
    upload_files(client, ("a.xlsx", xlsx(ROWS_A)))
    batch = LearningBatch.objects.get()
    item = items_by_ref(batch)["A3"]
    detail = reverse("questionnaires:learning-detail", args=[batch.pk])
    dismiss = reverse("questionnaires:learning-item-reject", args=[batch.pk, item.pk])
    assert f'action="{dismiss}"' in client.get(detail).content.decode()
    reply = client.post(dismiss, follow=True)
    assert reply.status_code == 200 and "dismissed" in reply.content.decode()
    item.refresh_from_db()
    assert item.decision == "rejected" and "Dismissed" in client.get(detail).content.decode()


def test_confirm_all_above_over_http(mfa_client, manager, library):
    client = mfa_client(manager)
    upload_files(client, ("a.xlsx", xlsx(ROWS_A)))
    batch = LearningBatch.objects.get()
    path = reverse("questionnaires:learning-confirm-above", args=[batch.pk])
    page = client.get(reverse("questionnaires:learning-detail", args=[batch.pk])).content.decode()
    assert 'name="answer_only"' in page and "checked" in page.split('name="answer_only"')[1].split(">")[0]
    reply = client.post(path, {"percent": "50", "answer_only": "on"})  # as the form is sent by default
    assert reply.status_code == 302 and MatchFeedback.objects.count() == 1  # A2 was found by its question
    reply = client.post(path, {"percent": "50"})  # the box unticked: every link above 50%
    assert reply.status_code == 302 and MatchFeedback.objects.count() == 2
    reply = client.post(reverse("questionnaires:learning-confirm-above", args=[batch.pk]), {"percent": "abc"})
    assert reply.status_code == 400


def test_a_bad_file_among_good_ones_is_a_400_naming_it_and_saves_nothing(mfa_client, manager, library):
    client = mfa_client(manager)
    reply = upload_files(client, ("good.xlsx", xlsx(ROWS_A)), ("macro.xlsm", b"PK\x03\x04"))
    assert reply.status_code == 400
    text = reply.content.decode()
    assert "macro.xlsm" in text and "good.xlsx" in text
    assert not LearningBatch.objects.exists() and not LearningItem.objects.exists()
    assert upload_files(client).status_code == 400


def test_pages_are_for_staff_who_work_on_questionnaires(mfa_client, manager, admin_user, customer, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    item = items_by_ref(batch)["A1"]
    pages = [reverse("questionnaires:learning-detail", args=[batch.pk])]
    posts = [
        reverse("questionnaires:learning-item-confirm", args=[batch.pk, item.pk]),
        reverse("questionnaires:learning-confirm-above", args=[batch.pk]),
    ]
    client = mfa_client(customer)
    assert client.get(reverse("questionnaires:learning-create")).status_code == 403
    assert client.get(pages[0]).status_code == 404
    for path in posts:
        assert client.post(path, {"percent": "0"}).status_code == 404
    client = mfa_client(admin_user)  # sees the library, does not write to it
    assert client.get(pages[0]).status_code == 200
    for path in posts:
        assert client.post(path, {"percent": "0"}).status_code == 403
    assert not MatchFeedback.objects.exists()


def test_another_batch_s_item_is_404(mfa_client, manager, library):
    first = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    second = learn(manager, ("b.xlsx", xlsx(ROWS_B)))
    item = first.items.first()
    client = mfa_client(manager)
    path = reverse("questionnaires:learning-item-confirm", args=[second.pk, item.pk])
    assert client.post(path).status_code == 404


def test_review_page_query_count_is_bounded(mfa_client, manager, library, django_assert_max_num_queries):
    rows = [(f"R{i}", f"Question number {i} about topic {i}?", "Yes", f"Answer text {i} unique {i}") for i in range(40)]
    batch = learn(manager, ("many.xlsx", xlsx(rows)))
    client = mfa_client(manager)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("questionnaires:learning-detail", args=[batch.pk])).status_code == 200


# --- Doors: allow/deny table -------------------------------------------------------------------------------

#                          view   edit
LEARNING_DOOR = {
    "admin": (True, False),
    "lead": (True, True),
    "manager": (True, True),
    "customer": (False, False),
    "inactive": (False, False),
    "anonymous": (False, False),
}


def _outcome(call) -> str:
    from django.http import Http404

    try:
        call()
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    return "ok"


@pytest.mark.parametrize("who", WHO)
def test_learning_door(manager, library, who):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)))
    other = learn(manager, ("b.xlsx", xlsx(ROWS_B)))
    item = batch.items.first()
    user = person(who)
    view, edit = LEARNING_DOOR[who]
    policies = questionnaires.policies
    assert (batch in policies.learning_batches_for(user)) is view
    expected_view = "ok" if view else "404"
    expected_edit = "ok" if edit else ("403" if view else "404")
    assert _outcome(lambda: policies.learning_batch_get_for(user, batch.pk)) == expected_view
    assert _outcome(lambda: policies.learning_batch_get_for(user, batch.pk, for_=Intent.EDIT)) == expected_edit
    assert _outcome(lambda: policies.learning_item_get_for(user, batch, item.pk)) == expected_view
    assert _outcome(lambda: policies.learning_item_get_for(user, batch, item.pk, for_=Intent.EDIT)) == expected_edit
    assert _outcome(lambda: policies.learning_item_get_for(user, other, item.pk)) == "404"
    assert _outcome(lambda: policies.learning_batch_get_for(user, 987654)) == "404"


POLICY_TABLES = {
    "questionnaires.policies.learning_batches_for": test_learning_door,
    "questionnaires.policies.learning_batch_get_for": test_learning_door,
    "questionnaires.policies.learning_item_get_for": test_learning_door,
}


# --- Real filled questionnaires -----------------------------------------------------------------------------


@pytest.mark.skipif(
    not REAL_FILES,
    reason=f"filled Instructure questionnaires not found in {SHARED / 'questionnaires'} (set TRUSTPACK_SHARED_DIR)",
)
def test_real_filled_questionnaires_are_read_and_sorted(manager, library):
    batch = learn(manager, *[(path.name, path.read_bytes()) for path in REAL_FILES])
    counts = selectors.learning_batch_counts(batch)
    assert counts["files"] == len(REAL_FILES) and counts["questions"] > 500
    assert counts["answered"] > 0.8 * counts["questions"]
    assert counts["linked"] + counts["proposed"] + counts["skipped"] == counts["questions"]
    assert counts["proposed"] > 100
    items = batch.items.all()
    vendor = items.filter(question_text="Vendor Name")
    assert vendor.exists() and all(item.outcome == LearningOutcome.SKIPPED for item in vendor)
    # Near-duplicate answers across the two HECVATs collapse into fewer proposals.
    proposals = items.filter(outcome=LearningOutcome.PROPOSED)
    assert proposals.values("group_key").distinct().count() < proposals.count()
    assert not MatchFeedback.objects.exists()


@pytest.mark.django_db
def test_draft_keys_are_the_questions_first_content_words_and_unique(library):
    from questionnaires.services.responses import free_key

    question = "Is the confidentiality, integrity and availability of backup data ensured?"
    assert free_key(question) == "confidentiality-integrity-availability-backup-data"
    assert free_key("Backup restore?") == "backup-restore-2"  # the library already has backup-restore
    assert free_key("???") == "answer"


def test_a_draft_takes_its_closest_entrys_category_only_when_that_entry_is_close(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)), ("b.xlsx", xlsx(ROWS_B)))
    item = items_by_ref(batch)["A3"]
    LearningItem.objects.filter(pk=item.pk).update(suggested_entry=library["mfa"], confidence=0.1)
    assert services.learning_item_draft(actor=manager, item=item).category == "general"


def test_an_empty_file_among_others_is_named_in_the_error(mfa_client, manager, library):
    reply = upload_files(mfa_client(manager), ("good.xlsx", xlsx(ROWS_A)), ("empty.xlsx", b""))
    assert reply.status_code == 400
    assert "empty.xlsx: The submitted file is empty." in reply.content.decode()
    assert not LearningBatch.objects.exists()


def test_the_same_question_linked_in_two_files_is_settled_by_one_decision(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)), ("a-2025.xlsx", xlsx(ROWS_A)))
    links = list(batch.items.filter(outcome=LearningOutcome.LINKED).order_by("order"))
    first_a1, first_a2 = (next(i for i in links if i.ref == ref) for ref in ("A1", "A2"))
    services.learning_item_confirm(actor=manager, item=first_a1)
    assert set(batch.items.filter(ref="A1").values_list("decision", flat=True)) == {"confirmed"}
    assert MatchFeedback.objects.count() == 1
    services.learning_item_reject(actor=manager, item=first_a2)
    assert set(batch.items.filter(ref="A2").values_list("decision", flat=True)) == {"rejected"}
    event = AuditEvent.objects.get(action="questionnaires.learning_link_confirmed")
    assert event.data["same_question_in"] == ["a-2025.xlsx A1"]


def test_confirm_all_counts_every_link_it_settles_once(manager, library):
    batch = learn(manager, ("a.xlsx", xlsx(ROWS_A)), ("a-2025.xlsx", xlsx(ROWS_A)))
    assert services.learning_batch_confirm_above(actor=manager, batch=batch, threshold=0) == 4
    assert MatchFeedback.objects.count() == 2
    assert not batch.items.filter(outcome=LearningOutcome.LINKED, decision="pending").exists()


def test_the_review_filters_by_file_and_by_waiting_and_confirm_all_keeps_to_the_file(mfa_client, manager, library):
    client = mfa_client(manager)
    upload_files(client, ("a.xlsx", xlsx(ROWS_A)), ("b.xlsx", xlsx(ROWS_B)))
    batch = LearningBatch.objects.get()
    detail = reverse("questionnaires:learning-detail", args=[batch.pk])
    page = client.get(detail, {"file": "b.xlsx"})
    assert {item.file_name for item in page.context["links"]} <= {"b.xlsx"}
    assert all("b.xlsx" in {i.file_name for i in (g["item"], *g["others"])} for g in page.context["proposal_groups"])
    assert client.get(detail, {"file": "nosuch.xlsx"}).context["shown_file"] == ""  # an unknown file shows all
    # Confirm all, from the a.xlsx view, confirms a.xlsx's links only.
    reply = client.post(
        reverse("questionnaires:learning-confirm-above", args=[batch.pk]), {"percent": "0", "file": "a.xlsx"}
    )
    assert reply.status_code == 302 and "file=a.xlsx" in reply["Location"]
    assert set(batch.items.filter(decision="confirmed").values_list("file_name", flat=True)) == {"a.xlsx"}
    waiting = client.get(detail, {"show": "waiting"})
    assert all(item.is_pending for item in waiting.context["links"]) and not waiting.context["skipped_reasons"]
