"""Packages end to end: release rules, render and sign, verify, errata, the public verify page."""

import io
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Role
from accounts.services import StepUpRequired
from library import services as library
from library.models import LibraryEntry
from questionnaires import services as questionnaire_services
from reports import services
from reports.models import Package, PackageStatus, RenderStatus
from reports.selectors import superseded_items
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_lead(db):
    return UserFactory(role=Role.SECURITY_LEAD, email="lead2@example.com")


@pytest.fixture
def entries(manager, lead):
    return [
        library_entry(
            author=manager,
            approver=lead,
            key="particle-firewall-rules",
            question="Which ports must our firewall allow?",
            answer="Outbound UDP 5684 to *.udp.particle.io.",
            short_answer="",
        ),
        library_entry(
            author=manager, approver=lead, key="mfa-enforced", answer="Every user signs in with an app code."
        ),
    ]


def make_package(actor, organisation, entries):
    return services.package_create(actor=actor, organisation=organisation, title="Standard answers", entries=entries)


def released(manager, lead, organisation, entries, capture):
    package = make_package(manager, organisation, entries)
    with capture(execute=True):
        services.package_release(actor=lead, package=package, via_cli=True)
    package.refresh_from_db()
    return package


def pdf_bytes(package) -> bytes:
    pdf = package.latest_pdf
    assert pdf.status == RenderStatus.READY, pdf.error
    with pdf.file.open("rb") as handle:
        return handle.read()


def test_released_package_is_signed_and_verifies(
    manager, lead, organisation, entries, django_capture_on_commit_callbacks, tmp_path, capsys
):
    package = released(manager, lead, organisation, entries, django_capture_on_commit_callbacks)
    data = pdf_bytes(package)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert package.reference in text and "Outbound UDP 5684" in text and "Which ports must our firewall allow?" in text
    path = tmp_path / "package.pdf"
    path.write_bytes(data)
    call_command("verify_pdf", str(path))  # exit 0
    assert "valid" in capsys.readouterr().out
    manifest = package.latest_pdf.manifest
    assert manifest["package"] == package.reference
    assert {answer["library_key"] for answer in manifest["answers"]} == {"particle-firewall-rules", "mfa-enforced"}


def test_verify_command_fails_on_a_flipped_byte(
    manager, lead, organisation, entries, django_capture_on_commit_callbacks, tmp_path
):
    data = bytearray(pdf_bytes(released(manager, lead, organisation, entries, django_capture_on_commit_callbacks)))
    data[len(data) // 3] ^= 0x01
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("verify_pdf", str(path), stdout=io.StringIO())


def test_assembler_cannot_release(lead, organisation, entries):
    package = make_package(lead, organisation, entries)
    with pytest.raises(Exception, match="someone else must release it"):
        services.package_release(actor=lead, package=package, via_cli=True)
    assert Package.objects.get(pk=package.pk).status == PackageStatus.DRAFT


def test_non_lead_cannot_release(manager, organisation, entries):
    package = make_package(manager, organisation, entries)
    other_manager = UserFactory(role=Role.ACCOUNT_MANAGER)
    with pytest.raises(Exception, match="Only a security lead"):
        services.package_release(actor=other_manager, package=package, via_cli=True)


def test_release_needs_step_up_on_the_web(mfa_client, manager, lead, organisation, entries):
    package = make_package(manager, organisation, entries)
    client = mfa_client(lead)
    session = client.session
    session["mfa_verified_at"] = time.time() - 3600
    session.save()
    page = reverse("reports:package-detail", args=[package.reference])
    response = client.post(reverse("reports:package-release", args=[package.reference]), HTTP_REFERER=page)
    assert response["Location"] == page
    assert Package.objects.get(pk=package.pk).status == PackageStatus.DRAFT
    with pytest.raises(StepUpRequired):
        services.package_release(actor=lead, package=package, request=None)


def test_overdue_content_blocks_release_and_says_so(manager, lead, organisation, entries):
    LibraryEntry.objects.filter(pk=entries[0].pk).update(review_due=timezone.localdate() - timedelta(days=1))
    package = make_package(manager, organisation, entries)
    check = services.package_release_check(package)
    assert not check.ok and "particle-firewall-rules" in check.blockers[0] and "overdue" in check.blockers[0]
    with pytest.raises(Exception, match="overdue"):
        services.package_release(actor=lead, package=package, via_cli=True)


def test_internal_answers_can_never_be_included(manager, lead, organisation, entries):
    secret = library_entry(author=manager, approver=lead, key="escalation-contacts", classification="internal")
    package = make_package(manager, organisation, [*entries, secret])
    check = services.package_release_check(package)
    assert any("internal-class" in blocker and "escalation-contacts" in blocker for blocker in check.blockers)


def test_nda_answers_are_left_out_for_now(manager, lead, organisation, entries, django_capture_on_commit_callbacks):
    nda = library_entry(author=manager, approver=lead, key="soc2-report", classification="nda")
    package = make_package(manager, organisation, [*entries, nda])
    check = services.package_release_check(package)
    assert check.ok and "soc2-report" in check.left_out[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.package_release(actor=lead, package=package, via_cli=True)
    assert "soc2-report" not in set(package.items.values_list("ref", flat=True))


def test_unapproved_questionnaire_responses_block_release(manager, lead, organisation):
    from questionnaires.models import Questionnaire

    questionnaire = questionnaire_services.questionnaire_create(
        actor=manager,
        filename="q.csv",
        data=b"ID,Question,Answer\r\nQ1,Is MFA enforced?,\r\n",
        organisation=organisation,
        queue_import=False,
    )
    questionnaire_services.questionnaire_import(questionnaire_id=questionnaire.pk)
    package = services.package_create(
        actor=manager, organisation=organisation, title="Answers", questionnaire=Questionnaire.objects.get()
    )
    check = services.package_release_check(package)
    assert not check.ok and "1 response is not approved yet: Q1" in check.blockers[0]


def test_errata_and_reissue(manager, lead, organisation, entries, django_capture_on_commit_callbacks):
    package = released(manager, lead, organisation, entries, django_capture_on_commit_callbacks)
    entry = LibraryEntry.objects.get(key="mfa-enforced")
    draft = library.version_save_draft(actor=manager, entry=entry, text=library.VersionText("Q?", "Newer wording."))
    library.version_submit(actor=manager, version=draft)
    library.version_approve(actor=lead, version=draft, via_cli=True)
    assert [item.ref for item in superseded_items(user=lead)] == ["mfa-enforced"]
    new = services.package_reissue(actor=manager, package=package)
    assert new.replaces == package and new.status == PackageStatus.DRAFT
    assert services.package_release_check(new).ok


def test_rerender_adds_a_revision_and_keeps_the_old_one(
    manager, lead, organisation, entries, django_capture_on_commit_callbacks, tmp_path
):
    package = released(manager, lead, organisation, entries, django_capture_on_commit_callbacks)
    out = tmp_path / "again.pdf"
    call_command("package_pdf", package.reference, "--out", str(out), stdout=io.StringIO())
    revisions = list(package.pdfs.order_by("revision").values_list("revision", "status"))
    assert revisions == [(1, RenderStatus.READY), (2, RenderStatus.READY)]
    assert out.read_bytes()[:5] == b"%PDF-"


def test_verify_page_is_public_and_hides_the_recipient_from_the_public(
    client, mfa_client, manager, lead, organisation, entries, django_capture_on_commit_callbacks
):
    data = pdf_bytes(released(manager, lead, organisation, entries, django_capture_on_commit_callbacks))
    anonymous = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("p.pdf", data)})
    assert anonymous.status_code == 200 and anonymous.context["result"].ok
    assert anonymous.context["report"]["issued_here"] and anonymous.context["report"]["recipient"] == ""
    staff = mfa_client(manager).post(reverse("reports:verify"), {"file": SimpleUploadedFile("p.pdf", data)})
    assert staff.context["report"]["recipient"] == organisation.name


def test_verify_page_reports_tampering_and_junk(
    client, manager, lead, organisation, entries, django_capture_on_commit_callbacks
):
    data = bytearray(pdf_bytes(released(manager, lead, organisation, entries, django_capture_on_commit_callbacks)))
    data[len(data) // 2] ^= 0x01
    response = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("p.pdf", bytes(data))})
    assert response.status_code == 200 and not response.context["result"].ok
    junk = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("p.pdf", b"not a pdf")})
    assert junk.status_code == 200 and not junk.context["result"].ok


def test_verify_page_caps_size(client, monkeypatch):
    import dataclasses

    from reports import views

    monkeypatch.setattr(views, "SIGNED_PDF", dataclasses.replace(views.SIGNED_PDF, max_bytes=1024))
    big = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2048)})
    assert big.status_code == 413


def test_verify_page_limits_checks_per_address_with_a_styled_429(client, settings):
    settings.VERIFY_RATE_LIMIT = "2/h"

    def check(address="192.0.2.10"):
        upload = SimpleUploadedFile("x.pdf", b"x")
        return client.post(reverse("reports:verify"), {"file": upload}, REMOTE_ADDR=address)

    assert [check().status_code for _ in range(2)] == [200, 200]
    limited = check()
    assert limited.status_code == 429
    assert b"Too many requests" in limited.content and b"Wait a while" in limited.content
    assert client.get(reverse("reports:verify"), REMOTE_ADDR="192.0.2.10").status_code == 200  # reading is free
    assert check("192.0.2.11").status_code == 200


def test_verify_limit_counts_an_ipv6_network_as_one_address(client, settings):
    settings.VERIFY_RATE_LIMIT = "1/h"
    upload = SimpleUploadedFile("x.pdf", b"x")
    first = client.post(reverse("reports:verify"), {"file": upload}, REMOTE_ADDR="2001:db8::1")
    upload = SimpleUploadedFile("x.pdf", b"x")
    second = client.post(reverse("reports:verify"), {"file": upload}, REMOTE_ADDR="2001:db8::2")
    assert (first.status_code, second.status_code) == (200, 429)


def test_ca_certificate_is_downloadable_without_signing_in(client):
    response = client.get(reverse("reports:ca-certificate"))
    assert response.status_code == 200 and response.content.startswith(b"-----BEGIN CERTIFICATE-----")


def test_customers_cannot_reach_packages(mfa_client, customer, manager, organisation, entries):
    package = make_package(manager, organisation, entries)
    client = mfa_client(customer)
    assert client.get(reverse("reports:package-detail", args=[package.reference])).status_code == 404
    assert client.get(reverse("reports:package-list")).status_code == 403


def test_package_pages_render_for_staff(
    mfa_client, manager, lead, organisation, entries, django_capture_on_commit_callbacks
):
    package = released(manager, lead, organisation, entries, django_capture_on_commit_callbacks)
    draft = make_package(manager, organisation, entries)
    client = mfa_client(lead)
    for url in (
        reverse("reports:package-list"),
        reverse("reports:package-create"),
        reverse("reports:errata"),
        reverse("reports:package-detail", args=[package.reference]),
        reverse("reports:package-detail", args=[draft.reference]),
    ):
        assert client.get(url).status_code == 200, url
    download = client.get(reverse("reports:package-download", args=[package.reference, 1]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_seed_demo_leaves_a_released_package_and_prints_it_last(capsys):
    call_command("seed_demo")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("demo package: TP-")
    package = Package.objects.get(reference=lines[-1].split(": ")[1])
    assert package.is_released and package.latest_pdf.status == RenderStatus.READY
