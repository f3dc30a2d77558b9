"""Sharing a released package with its customer, revoking, the kill switch, and the e-mail on sharing."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.policies import Intent
from accounts.services import StepUpRequired
from audit.models import AuditEvent
from reports import policies, sharing
from reports.models import Package, Share
from tests.reports.conftest import accept_nda, make_document, make_share, publish_nda
from tests.test_policy_tables import FORBIDDEN, MISSING, OK, outcome, person

pytestmark = pytest.mark.django_db


def in_days(days: int):
    return timezone.now() + timedelta(days=days)


# --- Creating ------------------------------------------------------------------------------------------


def test_share_is_for_the_packages_organisation_audited_and_mails_its_customers(
    package, manager, customer, second_customer, other_customer, nda_document, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        share = sharing.share_create(actor=manager, package=package, expires_at=in_days(30), documents=[nda_document])
    assert share.organisation == package.organisation
    assert list(share.documents.all()) == [nda_document]
    assert AuditEvent.objects.filter(action="share.created", object_id=str(share.pk)).exists()
    assert sorted(message.to[0] for message in mail.outbox) == [customer.email, second_customer.email]
    assert package.reference in mail.outbox[0].subject


def test_no_mail_leaves_before_the_share_is_committed(package, manager, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sharing.share_create(actor=manager, package=package, expires_at=in_days(30))
    assert mail.outbox == []
    assert len(callbacks) >= 1


def test_a_share_revoked_before_the_mail_goes_out_tells_nobody(package, manager, customer):
    share = make_share(package, created_by=manager)
    sharing.share_revoke(actor=manager, share=share)
    assert sharing.share_notify(share_id=share.pk) == 0
    assert mail.outbox == []


@pytest.mark.parametrize(("days", "message"), [(-1, "in the future"), (0, "in the future"), (400, "at most 365 days")])
def test_expiry_must_be_in_the_future_and_within_a_year(package, manager, days, message):
    with pytest.raises(ValidationError, match=message):
        sharing.share_create(actor=manager, package=package, expires_at=in_days(days) - timedelta(seconds=1))
    assert not Share.objects.exists()


def test_a_draft_package_cannot_be_shared(organisation, manager):
    draft = Package.objects.create(title="Draft", organisation=organisation, assembled_by=manager)
    with pytest.raises(ValidationError, match="released"):
        sharing.share_create(actor=manager, package=draft, expires_at=in_days(5))


@pytest.mark.parametrize("state", ["internal", "expired", "no version"])
def test_documents_that_may_not_leave_are_refused(package, manager, lead, state):
    if state == "internal":
        document = make_document(lead, classification="internal")
    elif state == "expired":
        document = make_document(lead, expires_on=timezone.localdate() - timedelta(days=1))
    else:
        document = make_document(lead)
        document.current_version = None
        document.save()
    with pytest.raises(ValidationError, match="may not be shared"):
        sharing.share_create(actor=manager, package=package, expires_at=in_days(5), documents=[document])
    assert not Share.objects.exists()


def test_customers_and_admins_cannot_share(package, customer, admin_user):
    for actor in (customer, admin_user):
        with pytest.raises(PermissionDenied):
            sharing.share_create(actor=actor, package=package, expires_at=in_days(5))


def test_a_suspended_organisation_gets_no_new_share(package, manager, organisation):
    organisation.suspended_at = timezone.now()
    organisation.save()
    with pytest.raises(ValidationError, match="suspended"):
        sharing.share_create(actor=manager, package=package, expires_at=in_days(5))


def test_share_page_creates_a_share_and_lists_it_with_its_status(
    mfa_client, manager, package, public_document, django_capture_on_commit_callbacks
):
    client = mfa_client(manager)
    page = client.get(reverse("reports:share-create", args=[package.reference]))
    assert page.status_code == 200 and public_document.title.encode() in page.content
    expires = (timezone.localdate() + timedelta(days=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(
            reverse("reports:share-create", args=[package.reference]),
            {"expires_on": expires, "note": "For the Q3 review", "documents": [public_document.pk]},
        )
    assert reply.status_code == 302
    share = Share.objects.get()
    assert share.note == "For the Q3 review" and share.expires_at.date().isoformat() == expires
    detail = client.get(reverse("reports:package-detail", args=[package.reference]))
    assert b"Revoke now" in detail.content and b"Active" in detail.content


def test_share_page_refuses_a_past_date_with_a_message(mfa_client, manager, package):
    reply = mfa_client(manager).post(
        reverse("reports:share-create", args=[package.reference]),
        {"expires_on": (timezone.localdate() - timedelta(days=1)).isoformat()},
    )
    assert reply.status_code == 400 and b"must be in the future" in reply.content
    assert not Share.objects.exists()


# --- Revoking -------------------------------------------------------------------------------------------


def test_revoking_is_immediate_and_audited(share, manager, customer):
    assert policies.shares_for(customer).filter(pk=share.pk).exists()
    sharing.share_revoke(actor=manager, share=share)
    share.refresh_from_db()
    assert share.status == "revoked" and share.revoked_by == manager
    assert not policies.shares_for(customer).filter(pk=share.pk).exists()
    assert AuditEvent.objects.filter(action="share.revoked", object_id=str(share.pk)).count() == 1
    sharing.share_revoke(actor=manager, share=share)  # a second revocation changes nothing
    assert AuditEvent.objects.filter(action="share.revoked").count() == 1


def test_revoke_over_http_by_a_customer_of_another_organisation_is_404(mfa_client, share, other_customer):
    reply = mfa_client(other_customer).post(reverse("reports:share-revoke", args=[share.pk]))
    assert reply.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


def test_revoke_over_http(mfa_client, share, lead):
    reply = mfa_client(lead).post(reverse("reports:share-revoke", args=[share.pk]))
    assert reply.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None


# --- The kill switch ------------------------------------------------------------------------------------


def test_suspending_revokes_every_share_and_ends_members_sessions(share, lead, organisation, customer, other_share):
    generation = customer.session_generation
    revoked = sharing.organisation_suspend(actor=lead, organisation=organisation, reason="leak", via_cli=True)
    assert revoked == 1
    share.refresh_from_db()
    other_share.refresh_from_db()
    customer.refresh_from_db()
    organisation.refresh_from_db()
    assert share.revoked_at is not None and other_share.revoked_at is None
    assert customer.session_generation == generation + 1
    assert organisation.suspended_at is not None
    event = AuditEvent.objects.get(action="organisation.suspended")
    assert event.data["reason"] == "leak" and event.data["shares_revoked"] == [share.pk]


def test_suspending_needs_a_lead_or_admin_and_a_fresh_factor_on_the_web(organisation, manager, lead, rf):
    with pytest.raises(PermissionDenied):
        sharing.organisation_suspend(actor=manager, organisation=organisation, via_cli=True)
    request = rf.post("/")
    request.session = {}
    request.user = lead
    with pytest.raises(StepUpRequired):
        sharing.organisation_suspend(actor=lead, organisation=organisation, request=request)
    organisation.refresh_from_db()
    assert organisation.suspended_at is None


def test_reinstating_lets_users_back_but_keeps_shares_revoked(share, admin_user, organisation):
    sharing.organisation_suspend(actor=admin_user, organisation=organisation, via_cli=True)
    sharing.organisation_reinstate(actor=admin_user, organisation=organisation, via_cli=True)
    organisation.refresh_from_db()
    share.refresh_from_db()
    assert organisation.suspended_at is None and share.revoked_at is not None
    assert AuditEvent.objects.filter(action="organisation.reinstated").count() == 1
    with pytest.raises(ValidationError, match="not suspended"):
        sharing.organisation_reinstate(actor=admin_user, organisation=organisation, via_cli=True)


def test_suspend_over_http_with_the_code_in_the_form(mfa_client, lead, organisation, share):
    client = mfa_client(lead)
    session = client.session
    session["mfa_verified_at"] = time.time()
    session.save()
    reply = client.post(reverse("reports:organisation-suspend", args=[organisation.pk]), {"reason": "leak"})
    assert reply.status_code == 302
    organisation.refresh_from_db()
    assert organisation.suspended_at is not None
    page = client.get(reverse("workspace:organisation-detail", args=[organisation.pk]))
    assert b"Suspended since" in page.content and b"Reinstate" in page.content


def test_suspend_without_a_fresh_code_changes_nothing(mfa_client, lead, organisation, share):
    client = mfa_client(lead)
    session = client.session
    session["mfa_verified_at"] = time.time() - 3600
    session.save()
    client.post(reverse("reports:organisation-suspend", args=[organisation.pk]), {"otp_code": "000000"})
    organisation.refresh_from_db()
    share.refresh_from_db()
    assert organisation.suspended_at is None and share.revoked_at is None


# --- Policy tables ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "share", "suspend", "lookup", "portal"),
    [
        ("admin", False, True, True, False),
        ("lead", True, True, True, False),
        ("manager", True, False, True, False),
        ("customer", False, False, False, True),
        ("inactive", False, False, False, False),
        ("anonymous", False, False, False, False),
    ],
)
def test_sharing_role_table(organisation, who, share, suspend, lookup, portal):
    user = person(who, organisation)
    assert policies.can_share_package(user) is share
    assert policies.can_suspend_organisation(user) is suspend
    assert policies.can_look_up_leaks(user) is lookup
    assert policies.can_use_portal(user) is portal


@pytest.mark.parametrize(
    ("who", "own", "other", "revoke"),
    [
        ("admin", OK, OK, FORBIDDEN),
        ("lead", OK, OK, OK),
        ("manager", OK, OK, OK),
        ("customer", OK, MISSING, FORBIDDEN),
        ("inactive", MISSING, MISSING, MISSING),
        ("anonymous", MISSING, MISSING, MISSING),
    ],
)
def test_share_door(organisation, share, other_share, who, own, other, revoke):
    user = person(who, organisation)
    assert outcome(lambda: policies.share_get_for(user, share.pk)) == own
    assert outcome(lambda: policies.share_get_for(user, other_share.pk)) == other
    assert outcome(lambda: policies.share_get_for(user, share.pk, for_=Intent.EDIT)) == revoke
    assert outcome(lambda: policies.share_get_for(user, 987654)) == MISSING
    assert policies.shares_for(user).filter(pk=share.pk).exists() is (own == OK)


@pytest.mark.parametrize("state", ["revoked", "expired", "suspended"])
def test_share_door_is_shut_to_customers_at_once_when_a_share_ends(share, customer, manager, lead, state):
    if state == "revoked":
        share.revoked_at = timezone.now()
        share.save()
    elif state == "expired":
        share.expires_at = timezone.now() - timedelta(seconds=1)
        share.save()
    else:
        customer.organisation.suspended_at = timezone.now()
        customer.organisation.save()
    with pytest.raises(Http404):
        policies.share_get_for(customer, share.pk)
    assert policies.share_get_for(manager, share.pk) == share  # staff still see it, with its status


@pytest.mark.parametrize(
    ("classification", "accepted", "expected"),
    [("public", False, True), ("nda", False, False), ("nda", True, True), ("internal", True, False)],
)
def test_document_download_table(lead, customer, classification, accepted, expected):
    document = make_document(lead, classification=classification)
    nda = publish_nda(lead)
    if accepted:
        accept_nda(customer, nda)
    assert policies.can_download_document(customer, document) is expected


@pytest.mark.parametrize(
    ("state", "shareable"),
    [
        ("public", True),
        ("nda", True),
        ("internal", False),
        ("expired", False),
        ("expires today", True),
        ("none", False),
    ],
)
def test_shareable_documents_table(lead, state, shareable):
    today = timezone.localdate()
    expires = {"expired": today - timedelta(days=1), "expires today": today}.get(state)
    classification = state if state in ("public", "nda", "internal") else "nda"
    document = make_document(lead, classification=classification, expires_on=expires)
    if state == "none":
        document.current_version = None
        document.save()
    assert policies.shareable_documents().filter(pk=document.pk).exists() is shareable


@pytest.mark.parametrize(
    ("who", "in_share", "accepted", "expected"),
    [
        ("customer", True, False, FORBIDDEN),
        ("customer", True, True, OK),
        ("customer", False, True, MISSING),
        ("other", True, True, MISSING),
        ("manager", True, True, FORBIDDEN),  # staff accept no NDA: they read evidence in the vault
    ],
)
def test_share_document_door(
    share, nda_document, lead, customer, other_customer, manager, who, in_share, accepted, expected
):
    nda = publish_nda(lead)
    if accepted:
        accept_nda(customer, nda)
        accept_nda(other_customer, nda)
    if not in_share:
        share.documents.remove(nda_document)
    user = {"customer": customer, "other": other_customer, "manager": manager}[who]
    assert outcome(lambda: policies.share_document_get_for(user, share.pk, nda_document.pk)) == expected


POLICY_TABLES = {
    "reports.policies.can_share_package": test_sharing_role_table,
    "reports.policies.can_suspend_organisation": test_sharing_role_table,
    "reports.policies.can_look_up_leaks": test_sharing_role_table,
    "reports.policies.can_use_portal": test_sharing_role_table,
    "reports.policies.shares_for": test_share_door,
    "reports.policies.share_get_for": test_share_door,
    "reports.policies.can_download_document": test_document_download_table,
    "reports.policies.shareable_documents": test_shareable_documents_table,
    "reports.policies.share_document_get_for": test_share_document_door,
}
