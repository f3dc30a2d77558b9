"""The customer portal: only the organisation's active shares, byte-exact signed PDFs, NDA-locked evidence,
and doors that shut at once (revocation, expiry, suspension)."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reports import sharing
from reports.models import Download, DownloadKind, Share
from tests.factories import PASSWORD
from tests.reports.conftest import accept_nda, make_document, make_share, publish_nda

pytestmark = pytest.mark.django_db


def portal_urls(share, document) -> list[str]:
    return [
        reverse("reports:portal-share-detail", args=[share.pk]),
        reverse("reports:portal-package-download", args=[share.pk]),
        reverse("reports:portal-document-download", args=[share.pk, document.pk]),
    ]


def _state():
    return (
        list(Download.objects.values_list("pk")),
        list(Share.objects.values_list("pk", "revoked_at", "expires_at")),
    )


def test_the_list_shows_only_active_shares_of_the_users_own_organisation_newest_first(
    mfa_client, customer, share, other_share, package, manager
):
    newer = make_share(package, created_by=manager, days=5)
    make_share(package, created_by=manager, revoked_at=timezone.now())
    client = mfa_client(customer)
    for url in (reverse("reports:portal-share-list"), reverse("workspace:dashboard")):
        page = client.get(url)
        assert page.status_code == 200
        assert list(page.context["shares"]) == [newer, share]
    assert other_share.package.reference.encode() not in page.content


def test_the_list_page_query_count_is_pinned(mfa_client, customer, package, manager, django_assert_max_num_queries):
    for _ in range(5):
        make_share(package, created_by=manager)
    client = mfa_client(customer)
    with django_assert_max_num_queries(20):
        client.get(reverse("reports:portal-share-list"))


def test_a_user_of_another_organisation_gets_404_everywhere_and_nothing_is_logged(
    mfa_client, share, other_customer, public_document
):
    client = mfa_client(other_customer)
    before = _state()
    for url in portal_urls(share, public_document):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("reports:portal-questionnaire-download", args=[share.pk])).status_code == 404
    assert _state() == before


def test_staff_do_not_use_the_portal(mfa_client, share, manager, public_document):
    client = mfa_client(manager)
    for url in portal_urls(share, public_document):
        assert client.get(url).status_code == 403
    assert not Download.objects.exists()


def test_the_signed_pdf_is_delivered_byte_identical_and_logged(mfa_client, customer, share, package):
    reply = mfa_client(customer).get(reverse("reports:portal-package-download", args=[share.pk]))
    assert reply.status_code == 200
    data = reply.content
    pdf = package.latest_pdf
    assert hashlib.sha256(data).hexdigest() == pdf.sha256
    download = Download.objects.get()
    assert download.kind == DownloadKind.PACKAGE_PDF and download.file_sha256 == pdf.sha256
    assert len(download.fingerprint) == 16 and download.user == customer and download.share == share
    assert reply["Content-Disposition"].startswith("attachment;")
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in reply["Cache-Control"]
    assert reply["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_an_ended_share_refuses_at_once(mfa_client, customer, share, manager, public_document, how):
    client = mfa_client(customer)
    assert client.get(reverse("reports:portal-share-detail", args=[share.pk])).status_code == 200
    if how == "revoked":
        sharing.share_revoke(actor=manager, share=share)
    else:
        Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = _state()
    for url in portal_urls(share, public_document):
        assert client.get(url).status_code == 404, url
    assert _state() == before


def test_a_suspended_organisations_user_is_signed_out_on_the_next_request(mfa_client, customer, share, lead):
    client = mfa_client(customer)
    assert client.get(reverse("reports:portal-share-list")).status_code == 200
    sharing.organisation_suspend(actor=lead, organisation=customer.organisation, via_cli=True)
    reply = client.get(reverse("reports:portal-share-list"))
    assert reply.status_code == 302 and "/accounts/login/" in reply["Location"]
    assert "_auth_user_id" not in client.session
    assert not Download.objects.exists()


def test_a_suspended_session_that_survived_the_generation_bump_is_still_ended(mfa_client, customer, share):
    """The middleware checks the organisation itself, whatever the session hash says."""
    client = mfa_client(customer)
    organisation = customer.organisation
    organisation.suspended_at = timezone.now()
    organisation.save()
    reply = client.get(reverse("workspace:dashboard"), follow=True)
    assert "_auth_user_id" not in client.session
    assert b"access has been suspended" in reply.content


def test_a_suspended_organisations_user_is_refused_at_sign_in(client, customer):
    organisation = customer.organisation
    organisation.suspended_at = timezone.now()
    organisation.save()
    reply = client.post(reverse("account_login"), {"login": customer.email, "password": PASSWORD}, follow=True)
    assert "_auth_user_id" not in client.session
    assert b"access has been suspended" in reply.content


# --- NDA-class evidence ------------------------------------------------------------------------------------


def test_nda_documents_are_locked_before_acceptance_even_by_direct_url(mfa_client, customer, share, nda_document, lead):
    publish_nda(lead)
    client = mfa_client(customer)
    page = client.get(reverse("reports:portal-share-detail", args=[share.pk]))
    assert b"Accept the NDA to unlock" in page.content
    assert reverse("reports:portal-document-download", args=[share.pk, nda_document.pk]).encode() not in page.content
    reply = client.get(reverse("reports:portal-document-download", args=[share.pk, nda_document.pk]))
    assert reply.status_code in (403, 404)
    assert not Download.objects.exists()


def test_no_nda_published_means_nda_documents_stay_locked(mfa_client, customer, share, nda_document):
    reply = mfa_client(customer).get(reverse("reports:portal-document-download", args=[share.pk, nda_document.pk]))
    assert reply.status_code == 403
    assert not Download.objects.exists()


def test_accepting_unlocks_and_a_new_nda_version_locks_again(mfa_client, customer, share, nda_document, lead):
    accept_nda(customer, publish_nda(lead, version=1))
    client = mfa_client(customer)
    url = reverse("reports:portal-document-download", args=[share.pk, nda_document.pk])
    assert client.get(url).status_code == 200
    assert Download.objects.filter(kind=DownloadKind.EVIDENCE).count() == 1
    publish_nda(lead, version=2)
    assert client.get(url).status_code == 403
    assert Download.objects.count() == 1
    assert b"Accept the NDA to unlock" in client.get(reverse("reports:portal-share-detail", args=[share.pk])).content


def test_public_documents_are_open_without_an_nda(mfa_client, customer, share, public_document):
    reply = mfa_client(customer).get(reverse("reports:portal-document-download", args=[share.pk, public_document.pk]))
    assert reply.status_code == 200
    assert PdfReader(io.BytesIO(reply.content)).metadata["/TrustpackFingerprint"] == Download.objects.get().fingerprint


def test_a_document_not_in_the_share_is_404(mfa_client, customer, share, lead):
    elsewhere = make_document(lead, title="Other", classification="public")
    reply = mfa_client(customer).get(reverse("reports:portal-document-download", args=[share.pk, elsewhere.pk]))
    assert reply.status_code == 404
    assert not Download.objects.exists()


def test_a_document_that_expired_after_sharing_is_no_longer_delivered(mfa_client, customer, share, public_document):
    version = public_document.current_version
    version.expires_on = timezone.localdate() - timedelta(days=1)
    version.save()
    reply = mfa_client(customer).get(reverse("reports:portal-document-download", args=[share.pk, public_document.pk]))
    assert reply.status_code == 404


def test_images_are_served_as_they_are_and_logged(mfa_client, customer, package, manager, lead):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    image = make_document(lead, title="Diagram", classification="public", data=png, content_type="image/png")
    share = make_share(package, created_by=manager, documents=[image])
    reply = mfa_client(customer).get(reverse("reports:portal-document-download", args=[share.pk, image.pk]))
    assert reply.content == png
    assert Download.objects.get().file_sha256 == hashlib.sha256(png).hexdigest()


def test_a_package_without_a_questionnaire_offers_no_questionnaire_file(mfa_client, customer, share):
    client = mfa_client(customer)
    reply = client.get(reverse("reports:portal-questionnaire-download", args=[share.pk]), follow=True)
    assert b"not built from a questionnaire" in reply.content
    assert not Download.objects.exists()
