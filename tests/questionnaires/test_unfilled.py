"""Why auto-fill left a question for a person, the entries it weighed, and using one of them in one click."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from library.models import LibraryEntry
from questionnaires import services
from questionnaires.autofill import is_company_detail, suggest_all
from questionnaires.models import (
    AnswerKind,
    MatchFeedback,
    Provenance,
    Question,
    Questionnaire,
    Response,
    ResponseStatus,
    UnfilledReason,
)
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(manager, lead):
    def entry(key, question, **extra):
        return library_entry(
            author=manager, approver=lead, key=key, question=question, answer=f"Answer of {key}.", **extra
        )

    return {
        "mfa": entry("mfa-enforced", "Is multi-factor authentication (MFA) enforced for all users?"),
        "ports": entry("firewall-ports", "Which ports and host names must a firewall allow for the devices?"),
        "encryption": entry("encryption-at-rest", "Is customer data encrypted at rest?"),
        "backups": entry("backup-policy", "Are backups taken daily and tested?"),
    }


def outcome_for(text, *, kind=AnswerKind.TEXT, choices=()):
    outcomes, _seconds = suggest_all([Question(text=text, section="", answer_kind=kind, choices=list(choices))])
    return outcomes[0]


def test_a_matched_usable_entry_fills_the_question_without_a_reason(library):
    outcome = outcome_for("Is multi-factor authentication enforced for every user?")
    assert outcome.proposal.entry.key == "mfa-enforced"
    assert (outcome.reason, outcome.detail, outcome.candidates) == ("", "", ())


def test_a_question_nothing_in_the_library_shares_says_no_match(library):
    outcome = outcome_for("Describe the goldfish feeding rota.")
    assert outcome.proposal is None
    assert outcome.reason == UnfilledReason.NO_MATCH and outcome.candidates == ()


def test_a_weak_best_match_names_its_confidence_and_the_threshold(library):
    outcome = outcome_for("How are backups of the firewall configuration encrypted?")
    assert outcome.proposal is None and outcome.reason == UnfilledReason.LOW_CONFIDENCE
    best = outcome.candidates[0]
    assert f"Best match '{best['key']}' at {int(best['confidence'] * 100)}%, below the 50% needed." == outcome.detail


def test_candidates_are_at_most_three_best_first(library):
    outcome = outcome_for("How are backups of the firewall configuration encrypted?")
    confidences = [candidate["confidence"] for candidate in outcome.candidates]
    assert 1 < len(confidences) <= 3 and confidences == sorted(confidences, reverse=True)
    assert set(outcome.candidates[0]) == {"entry_id", "key", "question", "confidence"}


def test_an_internal_match_says_its_text_never_leaves_the_company(manager, lead, library):
    library_entry(
        author=manager,
        approver=lead,
        key="goldfish-policy",
        classification="internal",
        question="What is the policy for feeding the office goldfish on public holidays?",
    )
    outcome = outcome_for("Describe your policy for feeding the office goldfish on public holidays.")
    assert outcome.reason == UnfilledReason.INTERNAL
    assert "'goldfish-policy'" in outcome.detail and "internal-class" in outcome.detail
    assert outcome.candidates[0]["key"] == "goldfish-policy"


def test_an_nda_class_match_is_drafted_and_left_to_the_export(manager, lead, library):
    # The drafting rule (`proposal_for`): NDA wording may be drafted; the export decides per customer.
    library_entry(
        author=manager,
        approver=lead,
        key="pentest-summary",
        classification="nda",
        question="Do you commission an annual external penetration test?",
    )
    outcome = outcome_for("Is an external penetration test commissioned annually?")
    assert outcome.proposal.entry.key == "pentest-summary" and outcome.reason == ""


def test_an_overdue_match_says_it_is_overdue_for_review(library):
    LibraryEntry.objects.filter(pk=library["ports"].pk).update(review_due=timezone.localdate() - timedelta(days=1))
    outcome = outcome_for("Which firewall ports and host names must be allowed for the devices?")
    assert outcome.proposal is None and outcome.reason == UnfilledReason.OVERDUE
    assert "'firewall-ports'" in outcome.detail and "overdue for review" in outcome.detail
    assert outcome.candidates[0]["key"] == "firewall-ports"


def test_a_yes_no_cell_whose_entry_has_no_short_answer_says_so(manager, lead, library):
    library_entry(
        author=manager,
        approver=lead,
        key="vuln-scanning",
        question="Do you scan your systems for vulnerabilities every week?",
        short_answer="",
    )
    outcome = outcome_for(
        "Are systems scanned for vulnerabilities weekly?", kind=AnswerKind.CHOICE, choices=["Yes", "No"]
    )
    assert outcome.reason == UnfilledReason.NO_SHORT_ANSWER
    assert "'vuln-scanning'" in outcome.detail and "no short Yes/No answer" in outcome.detail


def test_a_company_detail_is_left_for_the_company_profile(library):
    outcome = outcome_for("How many employees does your company have?")
    assert outcome.reason == UnfilledReason.COMPANY_DETAIL
    assert outcome.detail.startswith("Company detail: the company profile does not have it yet.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is your company's legal name?", True),
        ("Vendor Contact Email", True),
        ("Solution Provider Contact Phone Number", True),
        ("Country of Company Headquarters", True),
        ("Years in business", True),
        ("Company website:", True),
        ("How long has your company been in business?", True),
        ("Do you encrypt email in transit?", False),
        ("Number of employees with access to customer data", False),
        ("How many employees in the company spend more than 50% of their time on security?", False),
        ("What is the name of your cloud provider?", False),
        ("Do you publish a website privacy policy?", False),
    ],
)
def test_company_detail_questions_are_told_from_security_questions(text, expected):
    assert is_company_detail(text) is expected


# --- Stored at import, shown on the pages ------------------------------------------------------------------------

CSV_FILE = (
    b"ID,Question,Answer\r\n"
    b"Q1,Is multi-factor authentication enforced for every user of the portal?,\r\n"
    b"Q2,How are backups of the firewall configuration encrypted?,\r\n"
    b"Q3,What is your company's registered address?,\r\n"
    b"Q4,Describe the goldfish feeding rota.,\r\n"
)


@pytest.fixture
def imported(mfa_client, manager, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mfa_client(manager).post(
            reverse("questionnaires:questionnaire-create"),
            {"file": SimpleUploadedFile("customer.csv", CSV_FILE), "title": "Acme review"},
        )
    questionnaire = Questionnaire.objects.get()
    return questionnaire, {r.question.ref: r for r in Response.objects.select_related("question")}


def test_import_stores_the_reason_and_candidates_on_each_unfilled_response(imported):
    _questionnaire, by_ref = imported
    assert (by_ref["Q1"].unfilled_reason, by_ref["Q1"].candidates) == ("", [])
    assert by_ref["Q2"].unfilled_reason == UnfilledReason.LOW_CONFIDENCE
    assert by_ref["Q2"].unfilled_detail.startswith("Best match '")
    assert 1 < len(by_ref["Q2"].candidates) <= 3
    assert by_ref["Q3"].unfilled_reason == UnfilledReason.COMPANY_DETAIL
    assert by_ref["Q4"].unfilled_reason == UnfilledReason.NO_MATCH


def test_review_page_shows_the_brief_reason_of_unfilled_rows(mfa_client, manager, imported):
    questionnaire, _ = imported
    page = mfa_client(manager).get(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]))
    html = page.content.decode()
    assert "Best match too uncertain" in html and "Company detail" in html and "No library entry matches" in html


def test_review_page_query_count_stays_bounded_with_reasons(
    mfa_client, manager, library, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    rows = "".join(
        f"Q{i},{'How are backups of the firewall configuration encrypted' if i % 2 else 'Company address'} {i}?,\r\n"
        for i in range(60)
    )
    client = mfa_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("questionnaires:questionnaire-create"),
            {"file": SimpleUploadedFile("c.csv", ("ID,Question,Answer\r\n" + rows).encode()), "title": "Big"},
        )
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.questions.filter(response__unfilled_reason="").count() == 0
    with django_assert_max_num_queries(20):
        assert client.get(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk])).status_code == 200


def test_response_page_explains_in_full_and_offers_the_candidates(mfa_client, manager, imported):
    questionnaire, by_ref = imported
    response = by_ref["Q2"]
    page = mfa_client(manager).get(
        reverse("questionnaires:response-detail", args=[questionnaire.pk, response.question_id])
    )
    html = page.content.decode()
    assert "Why auto-fill left this for you" in html
    assert response.unfilled_detail.replace("'", "&#x27;") in html
    assert [row["entry"].key for row in page.context["match_candidates"]] == [c["key"] for c in response.candidates]
    assert html.count("Use this answer") == len(response.candidates)
    # The percentages the reason and the candidates show agree (both rounded down).
    best = page.context["match_candidates"][0]
    assert f"at {best['percent']}%" in response.unfilled_detail and f">{best['percent']}%<" in html


def test_once_answered_the_page_no_longer_says_why_it_was_left(mfa_client, manager, imported):
    questionnaire, by_ref = imported
    response = by_ref["Q2"]
    client = mfa_client(manager)
    assert use(client, questionnaire, response, response.candidates[0]["key"]).status_code == 302
    html = client.get(
        reverse("questionnaires:response-detail", args=[questionnaire.pk, response.question_id])
    ).content.decode()
    assert "Why auto-fill left this for you" not in html and "Other library matches" in html


def use(client, questionnaire, response, key):
    return client.post(
        reverse("questionnaires:response-action", args=[questionnaire.pk, response.question_id, "use-entry"]),
        {"entry": key},
    )


def test_use_this_answer_fills_the_response_from_the_entry_as_the_users_edit(mfa_client, lead, imported, library):
    questionnaire, by_ref = imported
    response = by_ref["Q2"]
    key = response.candidates[0]["key"]
    assert use(mfa_client(lead), questionnaire, response, key).status_code == 302
    response.refresh_from_db()
    entry = LibraryEntry.objects.get(key=key)
    assert response.source_version == entry.approved_version and response.text == entry.approved_version.answer
    assert (response.provenance, response.status) == (Provenance.LIBRARY, ResponseStatus.ACCEPTED)
    assert response.last_edited_by == lead
    # Using it counts as editing: four eyes keeps the same person from approving it.
    with pytest.raises(Exception, match="edited"):
        services.response_approve(actor=lead, response=response, via_cli=True)


def test_use_this_answer_is_404_for_customers_and_403_for_roles_that_may_not_edit(
    mfa_client, customer, admin_user, imported
):
    questionnaire, by_ref = imported
    response = by_ref["Q2"]
    key = response.candidates[0]["key"]
    assert use(mfa_client(customer), questionnaire, response, key).status_code == 404
    assert use(mfa_client(admin_user), questionnaire, response, key).status_code == 403
    response.refresh_from_db()
    assert response.source_version is None and response.text == ""


def test_an_internal_candidate_is_shown_disabled_and_refused_with_a_clear_message(
    mfa_client, manager, lead, library, django_capture_on_commit_callbacks
):
    library_entry(
        author=manager,
        approver=lead,
        key="goldfish-policy",
        classification="internal",
        question="What is the policy for feeding the office goldfish on public holidays?",
    )
    client = mfa_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("questionnaires:questionnaire-create"),
            {
                "file": SimpleUploadedFile("c.csv", b"ID,Question\r\nQ1,What is your goldfish feeding policy?\r\n"),
                "title": "Fish",
            },
        )
    questionnaire = Questionnaire.objects.get()
    response = Response.objects.get()
    assert response.unfilled_reason == UnfilledReason.INTERNAL
    page = client.get(reverse("questionnaires:response-detail", args=[questionnaire.pk, response.question_id]))
    assert b"disabled" in page.content and b"internal-class" in page.content
    after = client.get(use(client, questionnaire, response, "goldfish-policy").url)
    assert "goldfish-policy can&#x27;t be used because it is internal-class" in after.content.decode()
    response.refresh_from_db()
    assert (response.text, response.source_version, response.last_edited_by) == ("", None, None)


def test_replacing_an_autofilled_suggestion_records_it_as_a_wrong_match_once(lead, imported, library):
    _questionnaire, by_ref = imported
    response = by_ref["Q1"]
    assert response.suggested_entry == library["mfa"] and response.provenance == Provenance.LIBRARY
    manager = response.question.questionnaire.owner
    services.response_use_entry(actor=manager, response=response, entry=library["encryption"])
    wrong = MatchFeedback.objects.filter(entry=library["mfa"], is_positive=False, response=response)
    assert wrong.count() == 1 and wrong.get().question_text == response.question.text
    other_lead = UserFactory(role=Role.SECURITY_LEAD)
    services.response_approve(actor=other_lead, response=Response.objects.get(pk=response.pk), via_cli=True)
    assert wrong.count() == 1


def test_choosing_again_after_a_person_chose_does_not_blame_the_suggestion_twice(imported, library):
    _questionnaire, by_ref = imported
    response = by_ref["Q1"]
    manager = response.question.questionnaire.owner
    services.response_use_entry(actor=manager, response=response, entry=library["encryption"])
    services.response_use_entry(actor=manager, response=Response.objects.get(pk=response.pk), entry=library["backups"])
    assert MatchFeedback.objects.filter(is_positive=False).count() == 1
