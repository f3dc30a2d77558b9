"""Allow/deny tables for every accounts and audit policy."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts import policies
from accounts.models import Role
from audit.policies import can_view_audit
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [Role.ADMIN, Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER, Role.CUSTOMER]


@pytest.mark.parametrize(
    ("role", "staff", "audit", "manage_users", "invitable"),
    [
        (Role.ADMIN, True, True, True, {Role.ADMIN, Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER, Role.CUSTOMER}),
        (Role.SECURITY_LEAD, True, True, False, {Role.CUSTOMER}),
        (Role.ACCOUNT_MANAGER, True, False, False, {Role.CUSTOMER}),
        (Role.CUSTOMER, False, False, False, set()),
    ],
)
def test_role_table(role, staff, audit, manage_users, invitable):
    user = UserFactory(role=role)
    assert policies.is_vendor_staff(user) is staff
    assert can_view_audit(user) is audit
    assert policies.can_manage_users(user) is manage_users
    assert policies.can_manage_organisations(user) is staff
    assert set(policies.invitable_roles(user)) == invitable
    for candidate in ROLES:
        assert policies.can_invite(user, candidate) is (candidate in invitable)


@pytest.mark.parametrize("role", ROLES)
def test_deactivated_users_are_allowed_nothing(role):
    user = UserFactory(role=role, is_active=False)
    assert not policies.is_vendor_staff(user)
    assert not can_view_audit(user)
    assert policies.invitable_roles(user) == []
    assert not policies.organisations_for(user).exists()


def test_anonymous_is_allowed_nothing():
    anonymous = AnonymousUser()
    assert not policies.is_vendor_staff(anonymous)
    assert not can_view_audit(anonymous)
    assert policies.invitable_roles(anonymous) == []
    assert not policies.organisations_for(anonymous).exists()


def test_admin_manages_others_but_not_self():
    admin, other = UserFactory(role=Role.ADMIN), UserFactory(role=Role.ADMIN)
    assert policies.can_manage_user(admin, other)
    assert not policies.can_manage_user(admin, admin)
    assert not policies.can_manage_user(UserFactory(role=Role.SECURITY_LEAD), other)


def test_customer_sees_only_own_organisation_and_404_for_others():
    mine, theirs = OrganisationFactory(), OrganisationFactory()
    customer = UserFactory(role=Role.CUSTOMER, organisation=mine)
    assert list(policies.organisations_for(customer)) == [mine]
    assert policies.organisation_get_for(customer, mine.pk) == mine
    with pytest.raises(Http404):
        policies.organisation_get_for(customer, theirs.pk)
    with pytest.raises(Http404):
        policies.organisation_get_for(customer, 999999)


def test_staff_see_every_organisation():
    orgs = {OrganisationFactory(), OrganisationFactory()}
    assert set(policies.organisations_for(UserFactory(role=Role.ACCOUNT_MANAGER))) == orgs


def test_only_admins_reach_user_records():
    target = UserFactory()
    assert policies.user_get_for(UserFactory(role=Role.ADMIN), target.pk) == target
    for role in (Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER, Role.CUSTOMER):
        with pytest.raises(Http404):
            policies.user_get_for(UserFactory(role=role), target.pk)
