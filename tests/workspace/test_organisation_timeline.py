"""The organisation page's timeline for staff: NDA, shares, downloads, revocations and suspensions, newest first."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import sharing
from reports.models import Download, DownloadKind
from tests.reports.conftest import accept_nda, make_share, publish_nda, released_package
from workspace.selectors import TIMELINE_CAP, organisation_timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(organisation, customer, manager, lead):
    package = released_package(organisation, assembler=manager, releaser=lead)
    accept_nda(customer, publish_nda(lead))
    share = make_share(package, created_by=manager)
    Download.objects.create(
        share=share, user=customer, kind=DownloadKind.PACKAGE_PDF, fingerprint="AAAABBBBCCCCDDDD", file_sha256="0" * 64
    )
    make_share(package, created_by=manager, days=-1)  # expired
    sharing.share_revoke(actor=manager, share=share)
    sharing.organisation_suspend(actor=lead, organisation=organisation, reason="test", via_cli=True)
    return package


def test_timeline_merges_everything_newest_first(history, organisation):
    events, total = organisation_timeline(organisation)
    kinds = [event.kind for event in events]
    assert {"nda", "share", "download", "revoke", "expire", "suspend"} <= set(kinds)
    assert [event.at for event in events] == sorted((event.at for event in events), reverse=True)
    assert kinds[0] == "suspend" and total == len(events)
    assert any(event.fingerprint == "AAAABBBBCCCCDDDD" for event in events)


def test_timeline_is_capped_with_a_way_to_show_all(mfa_client, lead, organisation, customer, manager):
    package = released_package(organisation, assembler=manager, releaser=lead)
    share = make_share(package, created_by=manager)
    Download.objects.bulk_create(
        Download(
            share=share,
            user=customer,
            kind=DownloadKind.PACKAGE_PDF,
            fingerprint=f"{n:016X}",
            file_sha256="0" * 64,
            at=timezone.now() - timedelta(minutes=n),
        )
        for n in range(TIMELINE_CAP + 5)
    )
    client = mfa_client(lead)
    page = client.get(reverse("workspace:organisation-detail", args=[organisation.pk]))
    assert len(page.context["timeline"]) == TIMELINE_CAP and b"Show all" in page.content
    everything = client.get(reverse("workspace:organisation-detail", args=[organisation.pk]) + "?timeline=all")
    assert len(everything.context["timeline"]) == TIMELINE_CAP + 6


def test_staff_see_the_nda_status_and_the_kill_switch(mfa_client, lead, history, organisation, customer):
    page = mfa_client(lead).get(reverse("workspace:organisation-detail", args=[organisation.pk]))
    assert b"NDA status" in page.content and b"version 1" in page.content and customer.email.encode() in page.content
    assert b"Reinstate" in page.content  # suspended by the history fixture


def test_managers_see_no_suspend_button(mfa_client, manager, organisation):
    page = mfa_client(manager).get(reverse("workspace:organisation-detail", args=[organisation.pk]))
    assert b"Suspend Acme" not in page.content and b"A security lead or an admin can suspend" in page.content


def test_customers_see_no_timeline_of_their_organisation(mfa_client, customer, organisation, manager, lead):
    package = released_package(organisation, assembler=manager, releaser=lead)
    make_share(package, created_by=manager)
    page = mfa_client(customer).get(reverse("workspace:organisation-detail", args=[organisation.pk]))
    assert page.status_code == 200 and b"Timeline" not in page.content and b"Suspend" not in page.content
