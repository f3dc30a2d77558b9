"""The NDA: versions, each customer user accepting for themself, organisation cover, and the signed record."""

from io import BytesIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from pypdf import PdfReader

import evidence.policies
from accounts.models import CustomerOrganisation, Role
from audit.models import AuditEvent
from evidence import selectors_nda, services_nda
from evidence.models import NdaAcceptance, NdaText
from evidence.selectors import current_nda, has_accepted_current_nda
from reports import services as report_services
from reports.models import Package
from reports.verification import verify_pdf
from tests.factories import UserFactory, library_entry
from tests.test_policy_tables import WHO, person

pytestmark = pytest.mark.django_db

BODY_V1 = "1. Keep it secret.\n\n2. Keep it safe."
BODY_V2 = "1. Keep it secret.\n\n2. Keep it safe.\n\n3. Return it on request."


@pytest.fixture
def nda_v1(lead):
    return services_nda.nda_publish(actor=lead, title="Mutual NDA", body=BODY_V1)


@pytest.fixture
def colleague(organisation):
    return UserFactory(role=Role.CUSTOMER, organisation=organisation, email="colleague@example.com")


def accept(user, nda, **extra):
    return services_nda.nda_accept(
        user=user, nda_sha256=nda.sha256, full_name=extra.get("full_name", "Casey Customer"), title="CISO"
    )


def post_acceptance(client, nda, **extra):
    data = {"nda_sha256": nda.sha256, "full_name": "Casey Customer", "title": "Head of security", "accept": "on"}
    return client.post(reverse("nda:nda-accept"), {**data, **extra}, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="UA/1")


def organisation_covered(organisation) -> bool:
    return CustomerOrganisation.objects.get(pk=organisation.pk).is_nda_covered


# --- Publishing -----------------------------------------------------------------------------------


def test_publishing_computes_the_hash_server_side_and_numbers_versions(lead):
    first = services_nda.nda_publish(actor=lead, title="NDA", body="Line one  \r\nLine two\r\n\r\n")
    second = services_nda.nda_publish(actor=lead, title="NDA", body=BODY_V2)
    assert first.body == "Line one\nLine two"
    assert first.sha256 == services_nda.nda_sha256("Line one\nLine two")
    assert (first.version, second.version) == (1, 2)
    assert current_nda() == second
    assert AuditEvent.objects.filter(action="nda.published").count() == 2


def test_publishing_the_text_already_in_force_is_refused(lead, nda_v1):
    with pytest.raises(ValidationError):
        services_nda.nda_publish(actor=lead, title="Mutual NDA", body=BODY_V1)
    assert NdaText.objects.count() == 1


@pytest.mark.parametrize("who", ["manager", "customer"])
def test_only_security_leads_and_admins_publish(who):
    with pytest.raises(PermissionDenied):
        services_nda.nda_publish(actor=person(who), title="NDA", body=BODY_V1)
    assert NdaText.objects.count() == 0


def test_a_lead_publishes_a_new_version_over_http(mfa_client, lead, nda_v1):
    client = mfa_client(lead)
    assert client.get(reverse("nda:text-publish")).status_code == 200
    response = client.post(reverse("nda:text-publish"), {"title": "Mutual NDA", "body": BODY_V2})
    assert response.status_code == 302
    assert current_nda().version == 2 and current_nda().published_by == lead


def test_an_account_manager_gets_403_on_the_publish_page(mfa_client, manager):
    assert mfa_client(manager).get(reverse("nda:text-publish")).status_code == 403


# --- Accepting ------------------------------------------------------------------------------------


def test_acceptance_records_user_organisation_version_hash_address_agent_and_time_and_is_audited(
    mfa_client, customer, organisation, nda_v1
):
    response = post_acceptance(mfa_client(customer), nda_v1)
    assert response.status_code == 302 and response["Location"] == reverse("workspace:dashboard")
    acceptance = NdaAcceptance.objects.get()
    assert (acceptance.user, acceptance.organisation, acceptance.nda_text) == (customer, organisation, nda_v1)
    assert acceptance.nda_sha256 == nda_v1.sha256
    assert (acceptance.full_name, acceptance.title) == ("Casey Customer", "Head of security")
    assert (acceptance.ip, acceptance.user_agent) == ("198.51.100.7", "UA/1")
    assert acceptance.accepted_at is not None
    event = AuditEvent.objects.get(action="nda.accepted")
    assert event.data["sha256"] == nda_v1.sha256 and event.data["version"] == 1
    assert organisation_covered(organisation)
    assert has_accepted_current_nda(customer)


def test_a_long_user_agent_is_cut_to_the_field(mfa_client, customer, nda_v1):
    post_acceptance(mfa_client(customer), nda_v1, HTTP_USER_AGENT="x" * 2000)
    client = mfa_client(customer)
    client.post(
        reverse("nda:nda-accept"),
        {"nda_sha256": nda_v1.sha256, "full_name": "C", "title": "T", "accept": "on"},
        HTTP_USER_AGENT="x" * 2000,
    )
    assert len(NdaAcceptance.objects.get().user_agent) <= 500


def test_the_box_must_be_ticked_and_name_and_title_typed(mfa_client, customer, nda_v1):
    client = mfa_client(customer)
    response = client.post(reverse("nda:nda-accept"), {"nda_sha256": nda_v1.sha256, "full_name": " ", "title": ""})
    assert response.status_code == 400
    assert b"Tick the box" in response.content
    assert not NdaAcceptance.objects.exists() and not organisation_covered(customer.organisation)


def test_acceptance_mails_the_security_leads_after_commit(customer, lead, nda_v1, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accept(customer, nda_v1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [lead.email]
    assert "Acme Manufacturing accepted NDA v1" in mail.outbox[0].subject
    assert nda_v1.sha256 in mail.outbox[0].body


def test_accepting_redirects_to_a_safe_next_only(mfa_client, customer, colleague, nda_v1):
    reply = post_acceptance(mfa_client(customer), nda_v1, next="/packages/")
    assert reply["Location"] == "/packages/"
    reply = post_acceptance(mfa_client(colleague), nda_v1, next="https://evil.example/")
    assert reply["Location"] == reverse("workspace:dashboard")


def test_the_page_says_when_the_user_already_accepted_the_version_in_force(mfa_client, customer, nda_v1):
    accept(customer, nda_v1)
    page = mfa_client(customer).get(reverse("nda:nda-accept"))
    assert page.status_code == 200
    assert b"You accepted version 1" in page.content
    assert b"Accept the agreement" not in page.content


def test_the_page_shows_the_text_escaped_with_its_hash(mfa_client, customer, lead):
    nda = services_nda.nda_publish(actor=lead, title="NDA", body="<script>alert(1)</script>\n\nSecond paragraph")
    page = mfa_client(customer).get(reverse("nda:nda-accept")).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<p>Second paragraph</p>" in page
    assert nda.sha256 in page


def test_before_any_nda_is_published_the_page_says_there_is_nothing_to_accept(mfa_client, customer):
    page = mfa_client(customer).get(reverse("nda:nda-accept"))
    assert page.status_code == 200 and b"No agreement to accept yet" in page.content


# --- One acceptance per user; the organisation's cover ---------------------------------------------


def test_one_users_acceptance_covers_the_organisation_but_not_their_colleague(customer, colleague, nda_v1):
    accept(customer, nda_v1)
    assert organisation_covered(customer.organisation)
    assert has_accepted_current_nda(customer) and not has_accepted_current_nda(colleague)


def test_a_new_version_requires_acceptance_again_and_clears_every_cover(
    lead, customer, other_customer, organisation, other_organisation, nda_v1
):
    accept(customer, nda_v1)
    accept(other_customer, nda_v1)
    services_nda.nda_publish(actor=lead, title="Mutual NDA", body=BODY_V2)
    assert not organisation_covered(organisation) and not organisation_covered(other_organisation)
    assert not has_accepted_current_nda(customer)
    accept(customer, current_nda())
    assert organisation_covered(organisation) and not organisation_covered(other_organisation)
    assert AuditEvent.objects.filter(action="nda.published").order_by("seq").last().data["organisations_uncovered"] == 2


def test_accepting_the_same_version_twice_keeps_the_first_record(customer, nda_v1):
    first = accept(customer, nda_v1)
    again = accept(customer, nda_v1, full_name="Someone Else")
    assert again == first and NdaAcceptance.objects.count() == 1


def test_nda_answers_enter_a_package_only_after_an_organisation_user_accepted_and_leave_after_a_new_version(
    manager, lead, customer, organisation, nda_v1
):
    public = library_entry(author=manager, approver=lead, key="tls", classification="public")
    secret = library_entry(author=manager, approver=lead, key="pentest-findings", classification="nda")
    package = report_services.package_create(
        actor=manager, organisation=organisation, title="Answers", entries=[public, secret]
    )

    def check():
        return report_services.package_release_check(Package.objects.get(pk=package.pk))

    def refs(result):
        return {item["ref"] for item in result.items}

    before = check()
    assert refs(before) == {"tls"} and "pentest-findings" in " ".join(before.left_out)
    accept(customer, nda_v1)
    covered = check()
    assert refs(covered) == {"tls", "pentest-findings"} and covered.left_out == []
    services_nda.nda_publish(actor=lead, title="Mutual NDA", body=BODY_V2)
    after = check()
    assert refs(after) == {"tls"} and "pentest-findings" in " ".join(after.left_out)


# --- Bypass attempts ------------------------------------------------------------------------------


def test_a_post_naming_another_user_records_only_the_signed_in_user(mfa_client, customer, colleague, nda_v1):
    client = mfa_client(customer)
    post_acceptance(client, nda_v1, user=colleague.pk, user_id=colleague.pk, email=colleague.email)
    assert list(NdaAcceptance.objects.values_list("user_id", flat=True)) == [customer.pk]
    assert not has_accepted_current_nda(colleague)


def test_after_a_new_version_accepting_on_behalf_of_another_user_changes_nothing_for_them(
    mfa_client, lead, customer, colleague, nda_v1
):
    accept(customer, nda_v1)
    accept(colleague, nda_v1)
    nda_v2 = services_nda.nda_publish(actor=lead, title="Mutual NDA", body=BODY_V2)
    client = mfa_client(customer)
    post_acceptance(client, nda_v2, user=colleague.pk, user_id=colleague.pk, email=colleague.email)
    assert not has_accepted_current_nda(colleague)
    assert not NdaAcceptance.objects.filter(user=colleague, nda_text=nda_v2).exists()
    assert NdaAcceptance.objects.get(nda_text=nda_v2).user == customer


@pytest.mark.parametrize("who", ["admin", "lead", "manager"])
def test_staff_cannot_accept_the_nda(mfa_client, who, nda_v1):
    staff = person(who)
    client = mfa_client(staff)
    assert client.get(reverse("nda:nda-accept")).status_code == 403
    assert post_acceptance(client, nda_v1).status_code == 403
    with pytest.raises(PermissionDenied):
        accept(staff, nda_v1)
    assert not NdaAcceptance.objects.exists()


def test_a_stale_hash_is_refused_and_the_new_text_is_shown(mfa_client, lead, customer, nda_v1):
    client = mfa_client(customer)
    assert nda_v1.sha256 in client.get(reverse("nda:nda-accept")).content.decode()
    nda_v2 = services_nda.nda_publish(actor=lead, title="Mutual NDA", body=BODY_V2)
    response = post_acceptance(client, nda_v1)
    page = response.content.decode()
    assert response.status_code == 400
    assert "The NDA changed while you were reading" in page
    assert f'value="{nda_v2.sha256}"' in page and "Return it on request" in page
    assert not NdaAcceptance.objects.exists() and not organisation_covered(customer.organisation)


def test_a_forged_hash_is_refused(customer, nda_v1):
    with pytest.raises(ValidationError):
        services_nda.nda_accept(user=customer, nda_sha256="0" * 64, full_name="C", title="T")
    assert not NdaAcceptance.objects.exists()


def test_a_suspended_organisation_cannot_accept(customer, nda_v1):
    CustomerOrganisation.objects.filter(pk=customer.organisation_id).update(suspended_at="2026-01-01T00:00:00Z")
    customer.refresh_from_db()
    with pytest.raises(PermissionDenied):
        accept(customer, nda_v1)


# --- Staff pages and the signed record ------------------------------------------------------------


def test_staff_see_versions_and_who_of_each_organisation_accepted_which(
    mfa_client, manager, customer, other_organisation, nda_v1, django_assert_max_num_queries
):
    accept(customer, nda_v1)
    client = mfa_client(manager)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("nda:text-list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Casey Customer" in text and "Globex Logistics" in text and "Nobody has accepted yet" in text
    assert reverse("reports:nda-acceptance-pdf", args=[NdaAcceptance.objects.get().pk]) in text


def test_customers_never_reach_the_staff_nda_page(mfa_client, customer):
    assert mfa_client(customer).get(reverse("nda:text-list")).status_code == 403


def _pdf(client, acceptance):
    return client.get(reverse("reports:nda-acceptance-pdf", args=[acceptance.pk]))


def test_the_signed_acceptance_pdf_verifies_and_names_the_signer_and_the_hash(mfa_client, manager, customer, nda_v1):
    acceptance = accept(customer, nda_v1)
    response = _pdf(mfa_client(manager), acceptance)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    result = verify_pdf(response.content)
    assert result.ok, result.problems
    assert result.manifest["kind"] == "nda_acceptance"
    assert result.manifest["acceptance_id"] == acceptance.pk
    assert result.manifest["nda_sha256"] == nda_v1.sha256
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "Casey Customer" in text
    assert nda_v1.sha256 in "".join(text.split())
    assert AuditEvent.objects.filter(action="nda.acceptance_pdf_issued").exists()


def test_the_acceptance_pdf_passes_verify_pdf_and_the_verify_page(
    mfa_client, client, manager, customer, nda_v1, tmp_path, capsys
):
    acceptance = accept(customer, nda_v1)
    content = _pdf(mfa_client(manager), acceptance).content
    path = tmp_path / "acceptance.pdf"
    path.write_bytes(content)
    call_command("verify_pdf", str(path))
    assert "NDA acceptance" in capsys.readouterr().out
    client.logout()
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("a.pdf", content)})
    assert page.status_code == 200
    assert b"Valid" in page.content and b"NDA acceptance record" in page.content


def test_customers_and_other_organisations_get_404_for_the_acceptance_pdf(mfa_client, customer, other_customer, nda_v1):
    acceptance = accept(customer, nda_v1)
    assert _pdf(mfa_client(customer), acceptance).status_code == 404
    assert _pdf(mfa_client(other_customer), acceptance).status_code == 404


# --- Demo data ------------------------------------------------------------------------------------


def test_nda_seed_demo_publishes_version_one_once_and_nobody_has_accepted_it(lead, customer):
    first = services_nda.nda_seed_demo(publisher=lead)
    again = services_nda.nda_seed_demo(publisher=lead)
    assert first == again and first.version == 1
    assert "DEMO" in first.body
    assert not NdaAcceptance.objects.exists() and not organisation_covered(customer.organisation)


# --- Policies -------------------------------------------------------------------------------------

NDA_ROLE_TABLE = {
    #                                               admin  lead   manager customer inactive anonymous
    evidence.policies.can_manage_nda: (True, True, False, False, False, False),
    evidence.policies.can_view_nda_acceptances: (True, True, True, False, False, False),
    evidence.policies.can_accept_nda: (False, False, False, True, False, False),
}


@pytest.mark.parametrize("policy", list(NDA_ROLE_TABLE), ids=lambda p: p.__name__)
def test_nda_role_predicates(policy, organisation):
    answers = tuple(policy(person(who, organisation)) for who in WHO)
    assert answers == NDA_ROLE_TABLE[policy], dict(zip(WHO, answers, strict=True))


@pytest.mark.parametrize(
    ("who", "whose", "expected"),
    [
        ("admin", "own", True),
        ("lead", "other", True),
        ("manager", "own", True),
        ("customer", "own", False),  # even their own: the record is the vendor's
        ("customer", "other", False),
        ("inactive", "own", False),
        ("anonymous", "own", False),
        ("lead", "missing", False),
    ],
)
def test_nda_acceptance_door(who, whose, expected, organisation, other_organisation, nda_v1):
    owner = UserFactory(role=Role.CUSTOMER, organisation=organisation if whose != "other" else other_organisation)
    acceptance = accept(owner, nda_v1)
    asker = AnonymousUser() if who == "anonymous" else person(who, organisation)
    pk = acceptance.pk + 1000 if whose == "missing" else acceptance.pk
    assert evidence.policies.nda_acceptances_for(asker).filter(pk=pk).exists() is expected
    if expected:
        assert evidence.policies.nda_acceptance_get_for(asker, pk) == acceptance
    else:
        with pytest.raises(Http404):
            evidence.policies.nda_acceptance_get_for(asker, pk)


def test_the_cover_selector_lists_each_organisation_with_its_acceptances(customer, other_organisation, nda_v1):
    accept(customer, nda_v1)
    cover = {org.name: [a.full_name for a in org.nda_acceptances.all()] for org in selectors_nda.nda_cover_list()}
    assert cover == {"Acme Manufacturing": ["Casey Customer"], "Globex Logistics": []}


POLICY_TABLES = {
    **{f"evidence.policies.{policy.__name__}": test_nda_role_predicates for policy in NDA_ROLE_TABLE},
    "evidence.policies.nda_acceptances_for": test_nda_acceptance_door,
    "evidence.policies.nda_acceptance_get_for": test_nda_acceptance_door,
}
