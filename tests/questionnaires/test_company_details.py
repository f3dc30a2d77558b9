"""General-information questions ("Vendor Name", "Company Website", …) answered from the company profile."""

import csv
import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from library import services as library_services
from questionnaires import services
from questionnaires.company_details import TODAY, company_detail_field
from questionnaires.exporting import questionnaire_export
from questionnaires.models import Provenance, Response, ResponseStatus
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db

SHARED = Path(os.environ.get("TRUSTPACK_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
HECVAT = SHARED / "questionnaires" / "HECVAT-Full-v3.06_blank.xlsx"

PROFILE = {
    "legal_name": "Northwind Devices Ltd",
    "product_name": "Northwind Fleet",
    "product_description": "Fleet telemetry for industrial sensors, built on the Particle IoT platform.",
    "website": "https://northwind.example",
    "address": "1 Harbour Road\nBristol BS1 4AA",
    "headquarters_country": "United Kingdom",
    "primary_contact_name": "Dana Sales",
    "primary_contact_title": "Account Director",
    "primary_contact_email": "sales@northwind.example",
    "primary_contact_phone": "+44 117 000 0000",
    "security_contact_name": "Sam Secure",
    "security_contact_email": "security@northwind.example",
    "security_contact_phone": "+44 117 000 0001",
    "year_founded": 2014,
    "employee_count": "51-200",
}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Vendor Name", "legal_name"),
        ("Solution Provider Name", "legal_name"),
        ("Company Name:", "legal_name"),
        ("1. Company legal name", "legal_name"),
        ("What is your company's legal name?", "legal_name"),
        ("Legal entity name", "legal_name"),
        ("Trading name", "trading_name"),
        ("Product Name", "product_name"),
        ("Product/Service Name", "product_name"),
        ("Solution name", "product_name"),
        ("Product Description", "product_description"),
        ("Company Website", "website"),
        ("Company Website (URL):", "website"),
        ("Website URL", "website"),
        ("Address", "address"),
        ("Headquarters address", "address"),
        ("Where is your company headquartered?", "headquarters_country"),
        ("Country of incorporation", "headquarters_country"),
        ("Vendor Contact Name", "primary_contact_name"),
        ("Vendor Contact Title", "primary_contact_title"),
        ("Vendor Contact Email", "primary_contact_email"),
        ("Vendor Contact Phone Number", "primary_contact_phone"),
        ("Primary contact e-mail address", "primary_contact_email"),
        ("Primary Security Contact Email", "security_contact_email"),
        ("Security contact name", "security_contact_name"),
        ("Please provide the name of your security contact.", "security_contact_name"),
        ("Information security contact phone number", "security_contact_phone"),
        ("Number of employees", "employee_count"),
        ("How many employees does your company have?", "employee_count"),
        ("Years in business", "years_in_business"),
        ("Year founded", "year_founded"),
        ("When was the company founded?", "year_founded"),
        ("DUNS Number", "duns_number"),
        ("D&B DUNS #", "duns_number"),
        ("Date", TODAY),
        ("Date of completion", TODAY),
    ],
)
def test_company_detail_questions_are_recognised(text, field):
    assert company_detail_field(text) == field


@pytest.mark.parametrize(
    "text",
    [
        "Describe your company's security program",
        "Describe your organization's business background and ownership structure",
        "Do you have a website?",
        "Is there a dedicated security contact?",
        "Web Link to Product Privacy Notice",
        "Vendor Accessibility Contact Name",
        "Vendor Hosting Regions",
        "Name",
        "Email address",
        "IP address ranges used by the service",
        "Number of employees with access to customer data",
        "Date of last penetration test",
        "Name of your cloud hosting provider",
        "Hosting provider name",
        "Do you have a dedicated Information Security staff or office?",
        "Is MFA enforced for all users?",
        "",
    ],
)
def test_other_questions_are_not_company_details(text):
    assert company_detail_field(text) is None


SECURITY = [
    ("S1", "Is MFA enforced for all users?"),
    ("S2", "Do you encrypt customer data at rest?"),
    ("S3", "Describe your company's security program."),
]


def import_csv(manager, rows: list[tuple[str, str]], organisation=None):
    """A supplier questionnaire: `rows` first, then security questions (a file of labels alone reads as unsure)."""
    lines = ["ID,Question,Answer"] + [f'{ref},"{text}",' for ref, text in [*rows, *SECURITY]]
    created = services.questionnaire_create(
        actor=manager,
        filename="supplier.csv",
        data=("\r\n".join(lines) + "\r\n").encode(),
        organisation=organisation,
        queue_import=False,
    )
    return services.questionnaire_import(questionnaire_id=created.pk)


GENERAL = [
    ("G1", "Vendor Name"),
    ("G2", "Company Website"),
    ("G3", "Primary Security Contact Email"),
    ("G4", "Number of employees"),
    ("G5", "DUNS Number"),
    ("G6", "Years in business"),
    ("G7", "Date"),
]


def responses_of(questionnaire) -> dict[str, Response]:
    return {
        r.question.ref: r
        for r in Response.objects.filter(question__questionnaire=questionnaire).select_related("question")
    }


def test_import_fills_general_questions_from_the_profile(manager, lead):
    library_services.company_profile_update(actor=lead, details=PROFILE)
    library_entry(author=manager, approver=lead, key="mfa", question="Is MFA enforced for all users?")
    responses = responses_of(import_csv(manager, GENERAL))
    filled = {ref: r.text for ref, r in responses.items() if r.provenance == Provenance.PROFILE}
    years = timezone.localdate().year - 2014
    assert filled == {
        "G1": "Northwind Devices Ltd",
        "G2": "https://northwind.example",
        "G3": "security@northwind.example",
        "G4": "51-200",
        "G6": f"{years} (founded 2014)",
        "G7": timezone.localdate().isoformat(),
    }
    assert all(responses[ref].status == ResponseStatus.SUGGESTED for ref in filled)
    assert all(responses[ref].source_version_id is None for ref in filled)
    # A detail the profile lacks waits for a person; the library still answers the security question.
    assert responses["G5"].status == ResponseStatus.NEEDS_ATTENTION and not responses["G5"].text
    assert responses["G5"].provenance == Provenance.NONE
    assert responses["S1"].provenance == Provenance.LIBRARY
    assert responses["S3"].provenance == Provenance.NONE  # "Describe your company's security program"


def test_without_a_profile_general_questions_stay_unfilled(manager):
    responses = responses_of(import_csv(manager, GENERAL[:6]))
    assert {responses[ref].status for ref, _ in GENERAL[:6]} == {ResponseStatus.NEEDS_ATTENTION}
    assert not any(responses[ref].text for ref, _ in GENERAL[:6])


def test_profile_answers_need_acceptance_and_a_second_person(manager, lead):
    library_services.company_profile_update(actor=lead, details=PROFILE)
    response = responses_of(import_csv(manager, GENERAL[:1]))["G1"]
    with pytest.raises(PermissionDenied):
        services.response_approve(actor=lead, response=response, via_cli=True)  # only accepted answers
    services.response_accept(actor=lead, response=response)
    with pytest.raises(PermissionDenied):
        services.response_approve(actor=lead, response=Response.objects.get(pk=response.pk), via_cli=True)
    other_lead = UserFactory(role=Role.SECURITY_LEAD)
    services.response_approve(actor=other_lead, response=Response.objects.get(pk=response.pk), via_cli=True)
    response.refresh_from_db()
    assert response.status == ResponseStatus.APPROVED and response.provenance == Provenance.PROFILE


def test_editing_a_profile_answer_keeps_its_provenance_only_while_unchanged(manager, lead):
    library_services.company_profile_update(actor=lead, details=PROFILE)
    response = responses_of(import_csv(manager, GENERAL[:1]))["G1"]
    services.response_edit(actor=manager, response=response, text="Northwind Devices Ltd", choice="")
    assert Response.objects.get(pk=response.pk).provenance == Provenance.PROFILE
    services.response_edit(actor=manager, response=response, text="Northwind Devices (UK) Ltd", choice="")
    assert Response.objects.get(pk=response.pk).provenance == Provenance.NEW


def test_export_writes_approved_profile_answers(manager, lead, admin_user, organisation):
    library_services.company_profile_update(actor=admin_user, details=PROFILE)
    questionnaire = import_csv(manager, GENERAL[:3], organisation=organisation)
    for response in Response.objects.filter(question__questionnaire=questionnaire, provenance=Provenance.PROFILE):
        services.response_accept(actor=manager, response=response)
        services.response_approve(actor=lead, response=Response.objects.get(pk=response.pk), via_cli=True)
    exported = questionnaire_export(questionnaire)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert exported.skipped == []
    assert rows[1][2] == "Northwind Devices Ltd"
    assert rows[2][2] == "https://northwind.example"
    assert rows[3][2] == "security@northwind.example"


@pytest.mark.skipif(not HECVAT.is_file(), reason=f"real questionnaire not present: {HECVAT} (../shared is absent)")
def test_hecvat_general_information_is_filled_from_the_profile(manager, lead):
    library_services.company_profile_update(actor=lead, details=PROFILE)
    created = services.questionnaire_create(
        actor=manager, filename=HECVAT.name, data=HECVAT.read_bytes(), queue_import=False
    )
    questionnaire = services.questionnaire_import(questionnaire_id=created.pk)
    responses = responses_of(questionnaire)
    expected = {
        "DATE-01": timezone.localdate().isoformat(),
        "GNRL-01": "Northwind Devices Ltd",
        "GNRL-02": "Northwind Fleet",
        "GNRL-03": PROFILE["product_description"],
        "GNRL-06": "Dana Sales",
        "GNRL-07": "Account Director",
        "GNRL-08": "sales@northwind.example",
        "GNRL-09": "+44 117 000 0000",
    }
    assert {ref: responses[ref].text for ref in expected} == expected
    assert {responses[ref].provenance for ref in expected} == {Provenance.PROFILE}
    # Details the profile does not keep (privacy notice link, accessibility contact, hosting regions) stay open.
    for ref in ("GNRL-04", "GNRL-10", "GNRL-12", "GNRL-14"):
        assert responses[ref].provenance != Provenance.PROFILE and not responses[ref].text, ref
    # Security questions are not company details.
    assert {r.question.ref[:4] for r in responses.values() if r.provenance == Provenance.PROFILE} == {"GNRL", "DATE"}


def test_pages_say_an_answer_came_from_the_company_profile(mfa_client, manager, lead):
    library_services.company_profile_update(actor=lead, details=PROFILE)
    questionnaire = import_csv(manager, GENERAL[:1])
    response = responses_of(questionnaire)["G1"]
    client = mfa_client(manager)
    listing = client.get(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk])).content.decode()
    assert "badge-prov-profile" in listing and "Northwind Devices Ltd" in listing
    detail = client.get(
        reverse("questionnaires:response-detail", args=[questionnaire.pk, response.question_id])
    ).content.decode()
    assert "filled in from the" in detail and reverse("library:company-profile") in detail
