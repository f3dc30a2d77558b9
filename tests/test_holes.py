"""Each hole found by trying Trustpack as an attacker and as a new user, held shut by a test."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from library import services as library_services
from questionnaires import services
from questionnaires.exporting import questionnaire_export
from questionnaires.models import Questionnaire, QuestionnaireStatus, Response, ResponseStatus
from reports import services as report_services
from reports.models import Package
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db

CSV = (
    b"ID,Question,Answer\r\nQ1,Is multi-factor authentication enforced for all users?,\r\nQ2,Do you encrypt data?,\r\n"
)


@pytest.fixture
def second_lead(db):
    return UserFactory(role=Role.SECURITY_LEAD)


@pytest.fixture
def questionnaire(manager, lead, organisation):
    library_entry(
        author=manager,
        approver=lead,
        key="mfa-enforced",
        question="Is multi-factor authentication (MFA) enforced for all users?",
        answer="Yes. Every user signs in with a password and an authenticator code.",
    )
    created = services.questionnaire_create(
        actor=manager, filename="acme.csv", data=CSV, organisation=organisation, queue_import=False
    )
    return services.questionnaire_import(questionnaire_id=created.pk)


def response(questionnaire, ref: str) -> Response:
    return Response.objects.get(question__questionnaire=questionnaire, question__ref=ref)


def test_a_lead_who_edited_a_response_cannot_approve_it_after_someone_else_touched_it(
    questionnaire, manager, lead, second_lead
):
    services.response_edit(actor=lead, response=response(questionnaire, "Q1"), text="Yes, for everyone.", choice="")
    services.response_accept(actor=manager, response=response(questionnaire, "Q1"))  # manager is now the last editor
    with pytest.raises(PermissionDenied, match="You edited this response"):
        services.response_approve(actor=lead, response=response(questionnaire, "Q1"), via_cli=True)
    services.response_approve(actor=second_lead, response=response(questionnaire, "Q1"), via_cli=True)
    assert response(questionnaire, "Q1").status == ResponseStatus.APPROVED


def test_the_writer_of_a_library_draft_proposed_from_a_response_cannot_approve_that_response(
    questionnaire, manager, lead, second_lead
):
    services.response_edit(actor=manager, response=response(questionnaire, "Q1"), text="Always.", choice="")
    version = services.response_propose_to_library(actor=manager, response=response(questionnaire, "Q1"))
    # The lead rewrites the proposed wording in the library; a second lead approves it.
    version = library_services.version_save_draft(
        actor=lead, entry=version.entry, text=library_services.VersionText(version.question, "Always, for all users.")
    )
    library_services.version_submit(actor=manager, version=version)
    library_services.version_approve(actor=second_lead, version=version, via_cli=True)
    services.response_use_entry(actor=manager, response=response(questionnaire, "Q1"), entry=version.entry)
    with pytest.raises(PermissionDenied, match="this response"):
        services.response_approve(actor=lead, response=response(questionnaire, "Q1"), via_cli=True)


def test_a_package_cannot_carry_another_customers_questionnaire(questionnaire, manager, other_organisation):
    with pytest.raises(ValidationError, match="another customer"):
        report_services.package_create(
            actor=manager, organisation=other_organisation, title="Mixed up", questionnaire=questionnaire
        )


def test_the_package_form_refuses_another_customers_questionnaire(
    mfa_client, questionnaire, manager, other_organisation
):
    reply = mfa_client(manager).post(
        reverse("reports:package-create"),
        {"organisation": other_organisation.pk, "title": "Mixed up", "questionnaire": questionnaire.pk},
    )
    assert reply.status_code == 200 and "another customer" in reply.content.decode()
    assert not questionnaire.packages.exists()


def test_export_leaves_out_wording_the_library_has_since_replaced(questionnaire, manager, lead, second_lead):
    q1 = response(questionnaire, "Q1")
    services.response_accept(actor=manager, response=q1)
    services.response_approve(actor=lead, response=response(questionnaire, "Q1"), via_cli=True)
    assert questionnaire_export(questionnaire).written == 1
    entry = response(questionnaire, "Q1").source_version.entry
    newer = library_services.version_save_draft(
        actor=manager, entry=entry, text=library_services.VersionText("Q?", "Newer wording.")
    )
    library_services.version_submit(actor=manager, version=newer)
    library_services.version_approve(actor=second_lead, version=newer, via_cli=True)
    exported = questionnaire_export(questionnaire)
    assert exported.written == 0 and "replaced this wording" in exported.skipped[0]
    check = report_services.package_release_check(
        report_services.package_create(
            actor=manager, organisation=questionnaire.organisation, title="T", questionnaire=questionnaire
        )
    )
    assert any("replaced this wording" in blocker for blocker in check.blockers)  # the same rule, the same answer


def test_mark_as_delivered_needs_every_answer_approved_and_a_confirmation(mfa_client, questionnaire, manager, lead):
    client = mfa_client(manager)
    url = reverse("questionnaires:questionnaire-complete", args=[questionnaire.pk])
    unconfirmed = client.post(url, follow=True)
    assert "Tick the box" in unconfirmed.content.decode()
    too_early = client.post(url, {"confirm": "delivered"}, follow=True)
    assert "2 of 2 answers are not approved yet" in too_early.content.decode()
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == QuestionnaireStatus.IN_PROGRESS
    for ref, text in (("Q1", ""), ("Q2", "Yes, AES-256 at rest.")):
        if text:
            services.response_edit(actor=manager, response=response(questionnaire, ref), text=text, choice="")
        else:
            services.response_accept(actor=manager, response=response(questionnaire, ref))
        services.response_approve(actor=lead, response=response(questionnaire, ref), via_cli=True)
    client.post(url, {"confirm": "delivered"})
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == QuestionnaireStatus.COMPLETED


def test_overdue_wording_is_neither_proposed_nor_exported(questionnaire, manager, lead):
    q1 = response(questionnaire, "Q1")
    services.response_accept(actor=manager, response=q1)
    services.response_approve(actor=lead, response=response(questionnaire, "Q1"), via_cli=True)
    entry = response(questionnaire, "Q1").source_version.entry
    type(entry).objects.filter(pk=entry.pk).update(review_due=timezone.localdate() - timedelta(days=1))
    exported = questionnaire_export(questionnaire)
    assert exported.written == 0 and "overdue for review" in exported.skipped[0]


def test_a_questionnaire_in_a_package_cannot_move_to_another_customer(
    mfa_client, questionnaire, manager, lead, other_organisation
):
    report_services.package_create(
        actor=manager, organisation=questionnaire.organisation, title="T", questionnaire=questionnaire
    )
    reply = mfa_client(manager).post(
        reverse("questionnaires:questionnaire-settings", args=[questionnaire.pk]),
        {"title": "Moved", "organisation": other_organisation.pk, "owner": manager.pk},
    )
    assert reply.status_code == 400 and "cannot move to another customer" in reply.content.decode()
    assert Questionnaire.objects.get(pk=questionnaire.pk).organisation_id == questionnaire.organisation_id


# --- The same rules held by the database, for every path that skips the services ------------------------


def test_the_database_refuses_a_response_approved_by_one_of_its_editors(questionnaire, lead):
    services.response_edit(actor=lead, response=response(questionnaire, "Q1"), text="Yes.", choice="")
    with pytest.raises(DatabaseError, match="four eyes"), transaction.atomic():
        Response.objects.filter(pk=response(questionnaire, "Q1").pk).update(approver=lead, status="approved")
    assert response(questionnaire, "Q1").approver_id is None


def test_the_database_refuses_a_version_approved_by_its_editor(manager, lead):
    entry = library_entry(author=manager)
    draft = library_services.version_save_draft(
        actor=lead, entry=entry, text=library_services.VersionText("Q?", "Lead's words.")
    )
    with pytest.raises(DatabaseError, match="four eyes"), transaction.atomic():
        type(draft).objects.filter(pk=draft.pk).update(approver=lead)


def test_the_database_refuses_a_package_with_another_customers_questionnaire(
    questionnaire, manager, other_organisation
):
    with pytest.raises(DatabaseError, match="own customer"), transaction.atomic():
        Package.objects.create(
            organisation=other_organisation, questionnaire=questionnaire, title="T", assembled_by=manager
        )
    package = report_services.package_create(
        actor=manager, organisation=questionnaire.organisation, title="T", questionnaire=questionnaire
    )
    with pytest.raises(DatabaseError, match="keeps its customer"), transaction.atomic():
        Questionnaire.objects.filter(pk=questionnaire.pk).update(organisation=other_organisation)
    with pytest.raises(DatabaseError, match="own customer"), transaction.atomic():
        Package.objects.filter(pk=package.pk).update(organisation=other_organisation)
