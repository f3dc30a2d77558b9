"""Ids from request input: only ASCII digits in the database's range are ids; the rest are ignored, never a 500."""

import pytest
from django.urls import reverse

from accounts.ids import IdMultipleChoiceField, id_from
from accounts.models import CustomerOrganisation


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("9" * 30, None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("abc", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("\u0661", None),  # ARABIC-INDIC DIGIT ONE: int() would accept it
        ("", None),
        (None, None),
        ("x" * 10_000, None),
    ],
)
def test_id_from_accepts_only_database_ids(value, expected):
    assert id_from(value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["abc", "-1", "9" * 30, "²"])
def test_multiple_choice_refuses_values_that_are_not_ids(organisation, junk):
    field = IdMultipleChoiceField(queryset=CustomerOrganisation.objects.all())
    with pytest.raises(Exception, match="is not a valid value"):
        field.clean([str(organisation.pk), junk])
    assert list(field.clean([str(organisation.pk)])) == [organisation]


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["abc", "-1", "9" * 30, "x" * 10_000])
def test_invitation_page_ignores_an_organisation_that_is_not_an_id(mfa_client, manager, junk):
    response = mfa_client(manager).get(reverse("accounts:invitation-create"), {"organisation": junk})
    assert response.status_code == 200 and response.context["form"].initial == {}


@pytest.mark.django_db
def test_invitation_page_preselects_the_organisation_it_was_opened_from(mfa_client, manager, organisation):
    response = mfa_client(manager).get(reverse("accounts:invitation-create"), {"organisation": organisation.pk})
    assert response.context["form"].initial == {"organisation": organisation}


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["abc", "9" * 30])
def test_package_page_ignores_a_questionnaire_that_is_not_an_id(mfa_client, manager, junk):
    response = mfa_client(manager).get(reverse("reports:package-create"), {"questionnaire": junk})
    assert response.status_code == 200 and response.context["form"].initial == {}
