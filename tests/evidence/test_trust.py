"""The public trust center: public answers only, document titles without NDA links, throttled and robot-proof
access requests, and staff approving them into invitations."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

import evidence.policies
from accounts.models import CustomerOrganisation, Invitation, Role
from audit.models import AuditEvent
from evidence import forms_trust, trust
from evidence.models import AccessRequest, AccessRequestStatus, Document, DocumentVersion
from tests.factories import UserFactory, library_entry
from tests.test_policy_tables import WHO, person

pytestmark = pytest.mark.django_db


def make_document(owner, title, classification, *, content=b"%PDF-1.7 report", expires_on=None):
    document = Document.objects.create(title=title, kind="soc2", classification=classification, owner=owner)
    version = DocumentVersion.objects.create(
        document=document,
        number=1,
        file=ContentFile(content, name="x.bin"),
        original_name=f"{title}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        uploaded_by=owner,
        expires_on=expires_on,
    )
    document.current_version = version
    document.save(update_fields=["current_version"])
    return document


@pytest.fixture
def answers(manager, lead):
    return {
        "public": library_entry(
            author=manager,
            approver=lead,
            key="tls",
            question="Is data encrypted in transit?",
            answer="PUBLIC-WORDING: TLS 1.2 or newer everywhere.",
        ),
        "nda": library_entry(
            author=manager,
            approver=lead,
            key="pentest",
            classification="nda",
            question="What did the last penetration test find?",
            answer="NDA-WORDING: two medium findings.",
        ),
        "internal": library_entry(
            author=manager,
            approver=lead,
            key="keys",
            classification="internal",
            question="Where are the keys kept?",
            answer="INTERNAL-WORDING: in the vault.",
        ),
        "draft": library_entry(author=manager, key="draft", answer="DRAFT-WORDING: not approved."),
    }


@pytest.fixture
def documents(lead):
    return {
        "public": make_document(lead, "Security whitepaper", "public"),
        "nda": make_document(lead, "SOC 2 Type II report", "nda"),
        "internal": make_document(lead, "Incident runbook", "internal"),
        "expired": make_document(
            lead, "Old ISO certificate", "public", expires_on=timezone.localdate().replace(year=2000)
        ),
    }


def form_data(**extra):
    started = signing.dumps(time.time() - 10, salt=forms_trust.FORM_SALT)
    data = {"full_name": "Robin Reviewer", "email": "Robin@Globex.example", "company": "Globex", "started": started}
    return {**data, **extra}


# --- The public page ------------------------------------------------------------------------------


def test_the_trust_page_shows_public_answers_only_without_signing_in(client, answers, settings):
    page = client.get(reverse("trust:trust-page"))
    text = page.content.decode()
    assert page.status_code == 200
    assert settings.TRUSTPACK_VENDOR_NAME in text
    assert "PUBLIC-WORDING" in text and "Is data encrypted in transit?" in text
    for hidden in ("NDA-WORDING", "INTERNAL-WORDING", "DRAFT-WORDING", "penetration test find", "keys kept"):
        assert hidden not in text


def test_the_trust_page_shows_no_nda_answer_even_to_a_covered_customer(mfa_client, customer, answers):
    CustomerOrganisation.objects.filter(pk=customer.organisation_id).update(is_nda_covered=True)
    text = mfa_client(customer).get(reverse("trust:trust-page")).content.decode()
    assert "PUBLIC-WORDING" in text and "NDA-WORDING" not in text


def test_searching_matches_every_word_and_never_reaches_nda_answers(client, answers):
    hit = client.get(reverse("trust:trust-page"), {"q": "encrypted transit"}).content.decode()
    assert "PUBLIC-WORDING" in hit
    miss = client.get(reverse("trust:trust-page"), {"q": "penetration findings"}).content.decode()
    assert "NDA-WORDING" not in miss and "No public answer matches" in miss


def test_answers_are_paginated(client, manager, lead):
    for number in range(25):
        library_entry(author=manager, approver=lead, key=f"entry-p{number:02}", answer=f"Answer number {number}.")
    first = client.get(reverse("trust:trust-page"))
    assert first.context["page"].paginator.num_pages == 2 and b"Page 1 of 2" in first.content
    assert client.get(reverse("trust:trust-page"), {"page": "2"}).status_code == 200
    assert client.get(reverse("trust:trust-page"), {"page": "junk"}).status_code == 200


def test_nda_documents_are_listed_by_title_without_a_link_and_internal_ones_not_at_all(client, documents):
    text = client.get(reverse("trust:trust-page")).content.decode()
    assert "Security whitepaper" in text
    assert reverse("trust:document-download", args=[documents["public"].pk]) in text
    assert "SOC 2 Type II report" in text
    assert reverse("trust:document-download", args=[documents["nda"].pk]) not in text
    assert "Incident runbook" not in text
    assert "Old ISO certificate" not in text


def test_public_documents_download_as_attachments_that_never_render(client, documents):
    response = client.get(reverse("trust:document-download", args=[documents["public"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(response.streaming_content) == b"%PDF-1.7 report"


@pytest.mark.parametrize("which", ["nda", "internal", "expired"])
def test_only_public_current_documents_download(client, documents, which):
    assert client.get(reverse("trust:document-download", args=[documents[which].pk])).status_code == 404


def test_a_superseded_public_version_is_not_served(client, documents):
    document = documents["public"]
    DocumentVersion.objects.filter(pk=document.current_version_id).update(superseded_at=timezone.now())
    assert client.get(reverse("trust:document-download", args=[document.pk])).status_code == 404


def test_missing_documents_answer_404(client):
    assert client.get(reverse("trust:document-download", args=[999999])).status_code == 404


# --- Requesting access ----------------------------------------------------------------------------


def test_a_request_is_stored_audited_and_mailed_to_staff(client, manager, lead, django_capture_on_commit_callbacks):
    assert client.get(reverse("trust:request-access")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("trust:request-access"), form_data(message="SOC 2 please"))
    assert response.status_code == 302 and response["Location"] == reverse("trust:request-sent")
    request = AccessRequest.objects.get()
    assert (request.email, request.company, request.status) == ("robin@globex.example", "Globex", "pending")
    assert AuditEvent.objects.filter(action="access_request.received").exists()
    assert len(mail.outbox) == 1 and set(mail.outbox[0].to) == {manager.email, lead.email}
    assert "Globex" in mail.outbox[0].subject
    assert client.get(reverse("trust:request-sent")).status_code == 200


def test_a_filled_honeypot_is_refused_without_storing(client):
    response = client.post(reverse("trust:request-access"), form_data(website="http://spam.example"))
    assert response.status_code == 400 and b"could not be sent" in response.content
    assert not AccessRequest.objects.exists()


def test_a_form_sent_too_fast_is_refused_without_storing(client):
    started = signing.dumps(time.time(), salt=forms_trust.FORM_SALT)
    response = client.post(reverse("trust:request-access"), form_data(started=started))
    assert response.status_code == 400
    assert not AccessRequest.objects.exists()
    # The page hands out a fresh start time, so a person who was too quick simply sends again later.
    assert response.context["form"].data["started"] != started


@pytest.mark.parametrize("started", ["", "forged", "other-salt"])
def test_a_missing_or_forged_start_time_is_refused(client, started):
    if started == "other-salt":
        started = signing.dumps(time.time() - 10, salt="another-salt")
    response = client.post(reverse("trust:request-access"), form_data(started=started))
    assert response.status_code == 400 and not AccessRequest.objects.exists()


def test_an_expired_form_is_refused(client):
    started = signing.dumps(time.time() - 2 * forms_trust.MAX_FORM_AGE_SECONDS, salt=forms_trust.FORM_SALT)
    response = client.post(reverse("trust:request-access"), form_data(started=started))
    assert response.status_code == 400 and not AccessRequest.objects.exists()


def test_requests_are_throttled_per_address_with_a_styled_429(client, settings):
    settings.ACCESS_REQUEST_RATE_LIMIT = "2/h"

    def send(address="192.0.2.20"):
        return client.post(reverse("trust:request-access"), form_data(), REMOTE_ADDR=address)

    assert [send().status_code for _ in range(2)] == [302, 302]
    limited = send()
    assert limited.status_code == 429 and b"Too many requests" in limited.content
    assert AccessRequest.objects.count() == 2
    assert client.get(reverse("trust:request-access"), REMOTE_ADDR="192.0.2.20").status_code == 200
    assert send("192.0.2.21").status_code == 302


def test_bad_input_is_a_clear_400(client):
    response = client.post(reverse("trust:request-access"), form_data(email="not-an-address", company=""))
    assert response.status_code == 400 and not AccessRequest.objects.exists()


# --- Staff deciding requests ----------------------------------------------------------------------


@pytest.fixture
def access_request(client):
    return trust.access_request_create(full_name="Robin Reviewer", email="robin@globex.example", company="Globex")


def test_staff_list_pending_requests(mfa_client, manager, access_request, django_assert_max_num_queries):
    client = mfa_client(manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("trust:request-list"))
    assert page.status_code == 200 and b"Robin Reviewer" in page.content
    assert client.get(reverse("trust:request-list"), {"status": "junk"}).status_code == 200
    assert client.get(reverse("trust:request-detail", args=[access_request.pk])).status_code == 200


def test_approving_into_an_existing_organisation_invites_the_person_there(
    mfa_client, manager, organisation, access_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = mfa_client(manager).post(
            reverse("trust:request-approve", args=[access_request.pk]), {"organisation": organisation.pk}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="robin@globex.example")
    assert (invitation.role, invitation.organisation) == (Role.CUSTOMER, organisation)
    access_request.refresh_from_db()
    assert (access_request.status, access_request.decided_by, access_request.organisation) == (
        AccessRequestStatus.APPROVED,
        manager,
        organisation,
    )
    assert AuditEvent.objects.filter(action="access_request.approved").exists()
    assert any(message.to == ["robin@globex.example"] for message in mail.outbox)


def test_approving_into_a_new_organisation_creates_it(mfa_client, lead, access_request):
    mfa_client(lead).post(
        reverse("trust:request-approve", args=[access_request.pk]), {"new_organisation": "Globex Logistics"}
    )
    assert Invitation.objects.get().organisation.name == "Globex Logistics"


def test_an_approval_that_cannot_invite_changes_nothing(mfa_client, manager, organisation, access_request):
    UserFactory(email="robin@globex.example", role=Role.CUSTOMER, organisation=organisation)
    response = mfa_client(manager).post(
        reverse("trust:request-approve", args=[access_request.pk]), {"new_organisation": "Brand New Ltd"}
    )
    assert response.status_code == 400 and b"already exists" in response.content
    assert not Invitation.objects.exists()
    assert not CustomerOrganisation.objects.filter(name="Brand New Ltd").exists()
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.PENDING


@pytest.mark.parametrize("data", [{}, {"organisation": "1", "new_organisation": "X"}, {"organisation": "9" * 30}])
def test_approving_needs_exactly_one_organisation_choice(mfa_client, manager, organisation, access_request, data):
    response = mfa_client(manager).post(reverse("trust:request-approve", args=[access_request.pk]), data)
    assert response.status_code == 400 and not Invitation.objects.exists()


def test_declining_marks_it_declined_and_sends_nothing(mfa_client, manager, access_request):
    mail.outbox.clear()
    response = mfa_client(manager).post(reverse("trust:request-decline", args=[access_request.pk]))
    assert response.status_code == 302
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.DECLINED and mail.outbox == []
    assert AuditEvent.objects.filter(action="access_request.declined").exists()


def test_a_decided_request_cannot_be_decided_again(manager, organisation, access_request):
    trust.access_request_decline(actor=manager, access_request=access_request)
    with pytest.raises(ValidationError):
        trust.access_request_approve(actor=manager, access_request=access_request, organisation=organisation)
    assert not Invitation.objects.exists()


def test_customers_cannot_decide_requests(mfa_client, customer, organisation, access_request):
    client = mfa_client(customer)
    assert client.get(reverse("trust:request-list")).status_code == 403
    assert (
        client.post(
            reverse("trust:request-approve", args=[access_request.pk]), {"organisation": organisation.pk}
        ).status_code
        == 404
    )
    assert client.post(reverse("trust:request-decline", args=[access_request.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        trust.access_request_decline(actor=customer, access_request=access_request)
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.PENDING and not Invitation.objects.exists()


# --- Policies -------------------------------------------------------------------------------------


def test_access_request_role_predicate():
    answers = tuple(evidence.policies.can_review_access_requests(person(who)) for who in WHO)
    assert answers == (True, True, True, False, False, False)


@pytest.mark.parametrize(
    ("who", "missing", "expected"),
    [
        ("admin", False, True),
        ("lead", False, True),
        ("manager", False, True),
        ("manager", True, False),
        ("customer", False, False),
        ("inactive", False, False),
        ("anonymous", False, False),
    ],
)
def test_access_request_door(who, missing, expected, access_request):
    asker = AnonymousUser() if who == "anonymous" else person(who)
    pk = access_request.pk + 1000 if missing else access_request.pk
    assert evidence.policies.access_requests_for(asker).filter(pk=pk).exists() is expected
    if expected:
        assert evidence.policies.access_request_get_for(asker, pk) == access_request
    else:
        with pytest.raises(Http404):
            evidence.policies.access_request_get_for(asker, pk)


POLICY_TABLES = {
    "evidence.policies.can_review_access_requests": test_access_request_role_predicate,
    "evidence.policies.access_requests_for": test_access_request_door,
    "evidence.policies.access_request_get_for": test_access_request_door,
}
