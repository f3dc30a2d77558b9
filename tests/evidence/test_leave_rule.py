"""End to end: wording whose cited evidence is superseded stops leaving (export, release, auto-fill) until a
new version citing current evidence is approved."""

import pytest

from evidence import services
from library import services as library_services
from questionnaires import services as questionnaire_services
from questionnaires.exporting import questionnaire_export
from questionnaires.models import Response
from reports import services as report_services
from tests.factories import library_entry

from .factories import document, new_version

pytestmark = pytest.mark.django_db

QUESTION = "Can you provide your SOC 2 Type II report?"
ANSWER = "Yes. Our SOC 2 Type II report is available under NDA in the customer portal."


def _questionnaire(manager, organisation):
    created = questionnaire_services.questionnaire_create(
        actor=manager,
        filename="q.csv",
        data=f"ID,Question,Answer\r\nQ1,{QUESTION},\r\n".encode(),
        organisation=organisation,
        queue_import=False,
    )
    return questionnaire_services.questionnaire_import(questionnaire_id=created.pk)


def _approved_questionnaire(manager, lead, organisation):
    questionnaire = _questionnaire(manager, organisation)
    response = Response.objects.get(question__questionnaire=questionnaire)
    assert response.text == ANSWER  # auto-fill proposed the library's wording
    questionnaire_services.response_accept(actor=manager, response=response)
    questionnaire_services.response_approve(actor=lead, response=response, via_cli=True)
    return questionnaire


def test_superseded_evidence_stops_the_wording_leaving_until_reapproved(manager, lead, organisation):
    entry = library_entry(author=manager, approver=lead, key="our-soc2-report", question=QUESTION, answer=ANSWER)
    doc = document(actor=manager)
    services.citation_add(actor=manager, version=doc.current_version, keys=[entry.key])
    questionnaire = _approved_questionnaire(manager, lead, organisation)
    package = report_services.package_create(actor=manager, organisation=organisation, title="T", entries=[entry])
    assert ANSWER.encode() in questionnaire_export(questionnaire).content
    assert report_services.package_release_check(package).ok

    new_version(actor=manager, doc=doc)

    exported = questionnaire_export(questionnaire)
    assert ANSWER.encode() not in exported.content
    assert any("evidence it cites" in line for line in exported.skipped)
    check = report_services.package_release_check(package)
    assert not check.ok and any("evidence it cites" in blocker for blocker in check.blockers)
    assert Response.objects.get(question__questionnaire=_questionnaire(manager, organisation)).text == ""

    # Re-approval: a new wording cites the current document version and a second person approves it.
    draft = library_services.version_save_draft(
        actor=manager, entry=entry, text=library_services.VersionText(QUESTION, ANSWER + " (2026 report)", "Yes")
    )
    doc.refresh_from_db()
    assert services.citation_add(actor=manager, version=doc.current_version, keys=[entry.key]) == [draft]
    library_services.version_submit(actor=manager, version=draft)
    library_services.version_approve(actor=lead, version=draft, via_cli=True)

    assert report_services.package_release_check(package).ok
    fresh = Response.objects.get(question__questionnaire=_questionnaire(manager, organisation))
    assert fresh.text == ANSWER + " (2026 report)"
