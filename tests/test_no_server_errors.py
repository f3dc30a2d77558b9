"""Every URL pattern, as every role, with empty or junk input: a page, a redirect or a 4xx, never a 500."""

import pytest
from django.test import Client

from accounts.models import Role
from tests.accounts.test_url_walk import _concrete, _patterns
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(manager, lead, organisation):
    library_entry(author=manager, approver=lead, key="x")  # makes /library/entries/x/ a real page
    return organisation


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER, Role.CUSTOMER])
def test_no_url_answers_500_to_empty_or_junk_input(role, seeded, mfa_client):
    user = UserFactory(role=role, organisation=seeded if role == Role.CUSTOMER else None)
    client: Client = mfa_client(user)
    client.raise_request_exception = False
    failures = []
    for route, name in _patterns():
        if name in ("account_logout",):
            continue
        path = _concrete(route)
        for method, data in (("get", {"page": "junk", "q": "' OR 1=1 --", "status": "nope"}), ("post", {"junk": "x"})):
            response = getattr(client, method)(path, data)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path} ({name}) → {response.status_code}")
    assert failures == []
