"""The company profile: who may keep it, its page, its checks and its audit trail."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

import library.policies
from accounts.models import Role
from accounts.policies import Intent
from audit.models import AuditEvent
from library import services
from library.models import COMPANY_PROFILE_FIELDS, CompanyProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WHO = ("admin", "lead", "manager", "customer", "inactive", "anonymous")

FILLED = {
    "legal_name": "Northwind Devices Ltd",
    "website": "https://northwind.example",
    "security_contact_email": "security@northwind.example",
    "employee_count": "51-200",
    "year_founded": 2014,
}


def person(who: str, organisation=None):
    if who == "anonymous":
        return AnonymousUser()
    if who == "inactive":
        return UserFactory(role=Role.SECURITY_LEAD, is_active=False)
    role = {"admin": Role.ADMIN, "lead": Role.SECURITY_LEAD, "manager": Role.ACCOUNT_MANAGER}.get(who, Role.CUSTOMER)
    return UserFactory(role=role, organisation=organisation if role == Role.CUSTOMER else None)


def outcome(fetch) -> str:
    try:
        fetch()
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    return "ok"


# --- Allow/deny tables ------------------------------------------------------------------------------------

EDIT_TABLE = {"admin": True, "lead": True, "manager": False, "customer": False, "inactive": False, "anonymous": False}


@pytest.mark.parametrize("who", WHO)
def test_who_may_edit_the_company_profile(organisation, who):
    assert library.policies.can_edit_company_profile(person(who, organisation)) is EDIT_TABLE[who]


@pytest.mark.parametrize(
    ("who", "view", "edit"),
    [
        ("admin", "ok", "ok"),
        ("lead", "ok", "ok"),
        ("manager", "ok", "403"),
        ("customer", "404", "404"),
        ("inactive", "404", "404"),
        ("anonymous", "404", "404"),
    ],
)
def test_company_profile_door(organisation, who, view, edit):
    user = person(who, organisation)
    assert outcome(lambda: library.policies.company_profile_get_for(user)) == view
    assert outcome(lambda: library.policies.company_profile_get_for(user, for_=Intent.EDIT)) == edit


POLICY_TABLES = {
    "library.policies.can_edit_company_profile": test_who_may_edit_the_company_profile,
    "library.policies.company_profile_get_for": test_company_profile_door,
}


# --- Service ----------------------------------------------------------------------------------------------


def test_saving_the_profile_records_each_change_old_to_new(lead, admin_user):
    services.company_profile_update(actor=lead, details=FILLED)
    services.company_profile_update(actor=admin_user, details={**FILLED, "employee_count": "201-500"})
    profile = CompanyProfile.objects.get()
    assert profile.employee_count == "201-500" and profile.updated_by == admin_user
    events = list(AuditEvent.objects.filter(action="library.company_profile_changed").order_by("seq"))
    assert len(events) == 2
    assert events[0].data["changes"]["legal_name"] == {"from": "", "to": "Northwind Devices Ltd"}
    assert events[1].data["changes"] == {"employee_count": {"from": "51-200", "to": "201-500"}}
    assert events[1].actor == admin_user


def test_saving_unchanged_details_records_nothing(lead):
    services.company_profile_update(actor=lead, details=FILLED)
    services.company_profile_update(actor=lead, details=FILLED)
    assert AuditEvent.objects.filter(action="library.company_profile_changed").count() == 1


def test_an_account_manager_cannot_change_the_profile(manager):
    with pytest.raises(PermissionDenied):
        services.company_profile_update(actor=manager, details=FILLED)
    assert not CompanyProfile.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_name", ""),
        ("duns_number", "12345"),
        ("employee_count", "lots"),
        ("security_contact_phone", "call us"),
        ("security_contact_email", "not-an-email"),
        ("year_founded", 1200),
    ],
)
def test_bad_details_are_refused_and_nothing_is_saved(lead, field, value):
    with pytest.raises(ValidationError) as refused:
        services.company_profile_update(actor=lead, details={**FILLED, field: value})
    assert field in refused.value.message_dict
    assert not CompanyProfile.objects.exists()
    assert not AuditEvent.objects.filter(action="library.company_profile_changed").exists()


def test_years_in_business_count_from_the_year_founded():
    assert CompanyProfile(year_founded=timezone.localdate().year - 12).years_in_business == 12
    assert CompanyProfile().years_in_business is None


def test_there_is_only_ever_one_profile_row(lead):
    services.company_profile_update(actor=lead, details=FILLED)
    services.company_profile_update(actor=lead, details={**FILLED, "legal_name": "Northwind Devices Limited"})
    assert CompanyProfile.objects.count() == 1


# --- Page -------------------------------------------------------------------------------------------------

URL = reverse("library:company-profile")


def form_data(**overrides) -> dict:
    data = dict.fromkeys(COMPANY_PROFILE_FIELDS, "")
    data.update({name: str(value) for name, value in FILLED.items()})
    data.update(overrides)
    return data


def test_an_admin_fills_in_the_profile_from_the_empty_page(mfa_client, admin_user):
    client = mfa_client(admin_user)
    page = client.get(URL).content.decode()
    assert "No company details yet" in page and "Fill in at least the legal name" in page
    assert "Company profile" in page  # the navigation entry
    response = client.post(URL, form_data())
    assert response.status_code == 302
    assert CompanyProfile.objects.get().security_contact_email == "security@northwind.example"
    page = client.get(URL).content.decode()
    assert "No company details yet" not in page and "Northwind Devices Ltd" in page


def test_the_page_shows_clean_errors_next_to_the_fields(mfa_client, lead):
    response = mfa_client(lead).post(URL, form_data(duns_number="12", year_founded="2999", legal_name=""))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A DUNS number is nine digits" in page
    assert "cannot be in the future" in page
    assert "This field is required." in page
    assert not CompanyProfile.objects.exists()


def test_an_account_manager_reads_the_profile_but_cannot_change_it(mfa_client, manager, lead):
    services.company_profile_update(actor=lead, details=FILLED)
    client = mfa_client(manager)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Northwind Devices Ltd" in page.content.decode() and '<form method="post" novalidate' not in (
        page.content.decode()
    )
    assert client.post(URL, form_data(legal_name="Taken over")).status_code == 403
    assert CompanyProfile.objects.get().legal_name == "Northwind Devices Ltd"


def test_an_account_manager_sees_whom_to_ask_when_it_is_empty(mfa_client, manager):
    page = mfa_client(manager).get(URL).content.decode()
    assert "Ask one of them" in page


def test_customers_get_404_for_the_profile(mfa_client, customer, lead):
    services.company_profile_update(actor=lead, details=FILLED)
    client = mfa_client(customer)
    assert client.get(URL).status_code == 404
    assert client.post(URL, form_data(legal_name="Taken over")).status_code == 404
    assert CompanyProfile.objects.get().legal_name == "Northwind Devices Ltd"
