"""Account pages over HTTP: role scoping, organisation isolation, role changes, query counts."""

import pytest
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEvent
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    reverse("accounts:organisation-list"),
    reverse("accounts:organisation-create"),
    reverse("accounts:invitation-list"),
    reverse("accounts:invitation-create"),
    reverse("accounts:user-list"),
    reverse("audit:event-list"),
    reverse("audit:event-export"),
]


def test_customer_is_refused_every_staff_page(mfa_client, customer):
    client = mfa_client(customer)
    for url in STAFF_PAGES:
        assert client.get(url).status_code in (403, 404), url
    other_user = UserFactory()
    assert client.get(reverse("accounts:user-detail", args=[other_user.pk])).status_code == 404
    assert client.post(reverse("accounts:invitation-revoke", args=[1])).status_code == 404


def test_customer_gets_404_for_another_organisation(mfa_client, customer, other_organisation):
    client = mfa_client(customer)
    assert client.get(reverse("workspace:organisation-detail", args=[customer.organisation_id])).status_code == 200
    assert client.get(reverse("workspace:organisation-detail", args=[other_organisation.pk])).status_code == 404
    assert client.get(reverse("workspace:organisation-detail", args=[987654])).status_code == 404


def test_customer_organisation_page_does_not_list_other_organisations_users(mfa_client, customer, other_customer):
    page = mfa_client(customer).get(reverse("workspace:organisation-mine"), follow=True)
    assert customer.email in page.content.decode()
    assert other_customer.email not in page.content.decode()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER, Role.CUSTOMER])
def test_dashboard_renders_for_every_role(mfa_client, role):
    user = UserFactory(role=role)
    response = mfa_client(user).get("/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]


def test_navigation_follows_the_role(mfa_client):
    manager_nav = mfa_client(UserFactory(role=Role.ACCOUNT_MANAGER)).get("/").context["nav_items"]
    assert {item["label"] for item in manager_nav} == {
        "Dashboard",
        "Questionnaires",
        "Library",
        "Evidence",
        "Packages",
        "Organisations",
    }
    lead_nav = mfa_client(UserFactory(role=Role.SECURITY_LEAD)).get("/").context["nav_items"]
    assert {item["label"] for item in lead_nav} >= {"Library", "Packages", "Audit trail"}
    customer_nav = mfa_client(UserFactory(role=Role.CUSTOMER)).get("/").context["nav_items"]
    assert {item["label"] for item in customer_nav} == {"Dashboard", "Shared with you", "My organisation", "NDA"}


def test_organisation_create_validates_and_audits(mfa_client, manager):
    client = mfa_client(manager)
    assert client.post(reverse("accounts:organisation-create"), {"name": ""}).status_code == 200
    response = client.post(reverse("accounts:organisation-create"), {"name": "Initech"})
    assert response.status_code == 302
    duplicate = client.post(reverse("accounts:organisation-create"), {"name": "initech"})
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
    assert AuditEvent.objects.filter(action="organisation.created").count() == 1


def test_admin_changes_a_role_and_it_is_audited(mfa_client, admin_user, manager):
    client = mfa_client(admin_user)
    response = client.post(reverse("accounts:user-detail", args=[manager.pk]), {"role": Role.SECURITY_LEAD})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.role == Role.SECURITY_LEAD
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.data == {
        "from": {"role": "account_manager", "organisation": None},
        "to": {"role": "security_lead", "organisation": None},
    }


def test_customer_role_needs_an_organisation(mfa_client, admin_user, manager):
    client = mfa_client(admin_user)
    response = client.post(reverse("accounts:user-detail", args=[manager.pk]), {"role": Role.CUSTOMER})
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    manager.refresh_from_db()
    assert manager.role == Role.ACCOUNT_MANAGER


def test_admin_cannot_change_own_role(mfa_client, admin_user):
    response = mfa_client(admin_user).post(
        reverse("accounts:user-detail", args=[admin_user.pk]), {"role": Role.CUSTOMER}
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_deactivation_ends_the_users_sessions(mfa_client, admin_user, manager):
    from django.test import Client

    victim = Client()
    victim.force_login(manager)
    mfa_client(admin_user).post(reverse("accounts:user-set-active", args=[manager.pk]), {"is_active": "0"})
    assert not User.objects.get(pk=manager.pk).is_active
    assert victim.get("/")["Location"].startswith(reverse("account_login"))


def test_user_list_query_count_does_not_grow_with_rows(mfa_client, admin_user, django_assert_max_num_queries):
    client = mfa_client(admin_user)
    for _ in range(30):
        UserFactory(role=Role.CUSTOMER, organisation=OrganisationFactory())
    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:user-list")).status_code == 200


def test_organisation_list_query_count_does_not_grow_with_rows(mfa_client, manager, django_assert_max_num_queries):
    client = mfa_client(manager)
    for _ in range(20):
        OrganisationFactory()
    with django_assert_max_num_queries(10):
        assert client.get(reverse("accounts:organisation-list")).status_code == 200


def test_unknown_page_is_a_styled_404(mfa_client, manager):
    response = mfa_client(manager).get("/no-such-page/")
    assert response.status_code == 404
    assert b"Not found" in response.content and b"trustpack.css" in response.content


def test_server_error_page_is_styled_and_reveals_nothing(rf):
    from workspace.errors import server_error

    response = server_error(rf.get("/anything/?secret=1"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and b"trustpack.css" in response.content
    assert b"secret" not in response.content and b"Traceback" not in response.content
