"""The audit page: who may see it, filters, CSV export."""

import csv
import io

import pytest
from django.urls import reverse

from audit.services import audit_record

from .tampering import tamper

pytestmark = pytest.mark.django_db


def test_lead_sees_and_filters_events(mfa_client, lead, manager):
    audit_record(action="invitation.sent", actor=manager)
    audit_record(action="organisation.created", actor=lead)
    client = mfa_client(lead)
    page = client.get(reverse("audit:event-list"), {"action": "invitation.sent"})
    assert page.status_code == 200
    actions = [event.action for event in page.context["page"].object_list]
    assert actions == ["invitation.sent"]
    assert page.context["chain"].ok
    by_actor = client.get(reverse("audit:event-list"), {"actor": "lead@"})
    assert {e.actor_email for e in by_actor.context["page"].object_list} == {"lead@example.com"}


def test_bad_filter_dates_are_a_form_error_not_a_crash(mfa_client, lead):
    page = mfa_client(lead).get(reverse("audit:event-list"), {"since": "2026-02-30"})
    assert page.status_code == 200 and page.context["form"].errors


def test_csv_export_neutralises_formulas_and_is_audited(mfa_client, lead):
    audit_record(action="test.csv", actor=lead, data={"note": "=HYPERLINK(1)"})
    response = mfa_client(lead).get(reverse("audit:event-export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert any(row["action"] == "test.csv" for row in rows)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="audit.exported").exists()


def test_formula_like_cell_is_prefixed():
    from audit.views import _csv_cell

    assert _csv_cell("=1+1") == "'=1+1"
    assert _csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert _csv_cell("plain") == "plain"


@pytest.mark.parametrize("role_fixture", ["manager", "customer"])
def test_others_cannot_read_the_audit_trail(request, mfa_client, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client = mfa_client(user)
    assert client.get(reverse("audit:event-list")).status_code == 403
    assert client.get(reverse("audit:event-export")).status_code == 403


def test_audit_page_query_count_is_bounded(mfa_client, lead, django_assert_max_num_queries):
    for i in range(60):
        audit_record(action=f"test.{i}", actor=lead)
    client = mfa_client(lead)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("audit:event-list")).status_code == 200


def test_audit_page_shows_a_broken_chain(mfa_client, lead):
    for i in range(3):
        audit_record(action=f"test.{i}", actor=lead)
    tamper("UPDATE audit_auditevent SET action = 'forged' WHERE seq = 2")
    page = mfa_client(lead).get(reverse("audit:event-list"))
    assert not page.context["chain"].ok and b"Chain broken" in page.content
