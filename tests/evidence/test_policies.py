"""Allow/deny tables for evidence.policies: who, whose (missing or existing) and what, to the expected answer."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

import evidence.policies as policies
from accounts.policies import Intent
from evidence.models import DocumentVersion
from tests.factories import library_entry
from tests.test_policy_tables import WHO, person

from .factories import document, new_version

pytestmark = pytest.mark.django_db

ROLE_TABLE = {
    #                                  admin  lead   manager customer inactive anonymous
    policies.can_view_evidence: (True, True, True, False, False, False),
    policies.can_manage_evidence: (False, True, True, False, False, False),
    policies.can_classify_evidence: (False, True, False, False, False, False),
}


@pytest.mark.parametrize("policy", list(ROLE_TABLE), ids=lambda p: p.__name__)
def test_evidence_role_predicates(policy):
    answers = tuple(policy(person(who)) for who in WHO)
    assert answers == ROLE_TABLE[policy], dict(zip(WHO, answers, strict=True))


def _outcome(call) -> str:
    try:
        call()
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    return "ok"


@pytest.mark.parametrize(
    ("who", "view", "edit", "approve"),
    [
        ("admin", "ok", "403", "403"),
        ("lead", "ok", "ok", "ok"),
        ("manager", "ok", "ok", "403"),
        ("customer", "404", "404", "404"),
        ("inactive", "404", "404", "404"),
        ("anonymous", "404", "404", "404"),
    ],
)
def test_evidence_door(manager, organisation, who, view, edit, approve):
    doc = document(actor=manager)
    user = person(who, organisation)
    got = {
        intent: (
            _outcome(lambda i=intent: policies.document_get_for(user, doc.pk, for_=i)),
            _outcome(lambda i=intent: policies.version_get_for(user, doc.pk, 1, for_=i)),
        )
        for intent in (Intent.VIEW, Intent.EDIT, Intent.APPROVE)
    }
    assert got == {Intent.VIEW: (view, view), Intent.EDIT: (edit, edit), Intent.APPROVE: (approve, approve)}
    assert set(policies.documents_for(user)) == ({doc} if view == "ok" else set())
    # Missing is 404 for everyone, whatever their role.
    assert _outcome(lambda: policies.document_get_for(user, doc.pk + 1)) == "404"
    assert _outcome(lambda: policies.version_get_for(user, doc.pk, 2)) == "404"


@pytest.mark.parametrize(
    ("evidence", "wording", "refused"),
    [
        ("current", "approved", False),
        ("current", "draft", False),
        ("superseded", "approved", True),
        ("superseded", "draft", False),
        ("expired", "approved", True),
        ("expired", "draft", False),
        ("expires-today", "approved", False),
    ],
)
def test_citation_removal_table(manager, lead, evidence, wording, refused):
    today = timezone.localdate()
    expires = {"expired": today - timedelta(days=1), "expires-today": today}.get(evidence)
    doc = document(actor=manager, expires_on=expires)
    if evidence == "superseded":
        new_version(actor=manager, doc=doc)
    version = DocumentVersion.objects.get(document=doc, number=1)
    entry = library_entry(author=manager, approver=lead if wording == "approved" else None)
    library_version = entry.approved_version if wording == "approved" else entry.latest_version
    refusal = policies.citation_removal_refusal(version, library_version, today)
    assert (refusal is not None) == refused


POLICY_TABLES = {
    "evidence.policies.can_view_evidence": test_evidence_role_predicates,
    "evidence.policies.can_manage_evidence": test_evidence_role_predicates,
    "evidence.policies.can_classify_evidence": test_evidence_role_predicates,
    "evidence.policies.documents_for": test_evidence_door,
    "evidence.policies.document_get_for": test_evidence_door,
    "evidence.policies.version_get_for": test_evidence_door,
    "evidence.policies.citation_removal_refusal": test_citation_removal_table,
}
