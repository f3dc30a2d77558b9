"""Library pages over HTTP: access, approval with step-up on every web path, search, diff, query counts."""

import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from library import services
from library.models import LibraryEntryVersion, VersionStatus
from tests.conftest import totp_code
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db


def stale_step_up(client):
    session = client.session
    session["mfa_verified_at"] = time.time() - 600
    session.save()


def approve_url(entry, number=1):
    return reverse("library:version-approve", args=[entry.key, number])


def test_customers_get_nothing_from_the_library(mfa_client, customer, manager, lead):
    entry = library_entry(author=manager, approver=lead)
    client = mfa_client(customer)
    for url in (
        reverse("library:entry-list"),
        reverse("library:review-queue"),
        reverse("library:library-health"),
        reverse("library:library-export", args=["csv"]),
        reverse("library:library-import"),
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(reverse("library:entry-detail", args=[entry.key])).status_code == 404
    assert client.post(approve_url(entry)).status_code in (302, 404)
    assert LibraryEntryVersion.objects.get(pk=entry.approved_version_id).approver == lead


def test_web_approval_asks_for_step_up_then_approves(mfa_client, manager, lead):
    entry = library_entry(author=manager)
    client = mfa_client(lead)
    stale_step_up(client)
    page = reverse("library:entry-detail", args=[entry.key])
    assert 'name="otp_code"' in client.get(page).content.decode()
    without_code = client.post(approve_url(entry), HTTP_REFERER=page, follow=True)
    assert "Enter the code from your authenticator app" in without_code.content.decode()
    wrong = client.post(approve_url(entry), {"otp_code": "000000"}, HTTP_REFERER=page, follow=True)
    assert "did not match" in wrong.content.decode() and "Nothing was changed" in wrong.content.decode()
    assert LibraryEntryVersion.objects.get(pk=entry.latest_version_id).status == VersionStatus.IN_REVIEW
    device = TOTPDevice.objects.get(user=lead)
    done = client.post(approve_url(entry), {"otp_code": totp_code(device)}, HTTP_REFERER=page, follow=True)
    assert "approved" in done.content.decode()
    assert LibraryEntryVersion.objects.get(pk=entry.latest_version_id).status == VersionStatus.APPROVED


def test_web_approval_refuses_the_author(mfa_client, lead):
    entry = library_entry(author=lead)
    response = mfa_client(lead).post(approve_url(entry), follow=True)
    assert "You wrote this version" in response.content.decode()
    assert LibraryEntryVersion.objects.get(pk=entry.latest_version_id).status == VersionStatus.IN_REVIEW


def test_account_manager_cannot_approve_over_http(mfa_client, manager):
    author = UserFactory(role=Role.ACCOUNT_MANAGER)
    entry = library_entry(author=author)
    mfa_client(manager).post(approve_url(entry))
    assert LibraryEntryVersion.objects.get(pk=entry.latest_version_id).status == VersionStatus.IN_REVIEW


def test_bulk_approval_skips_own_work(mfa_client, manager, lead):
    theirs = library_entry(author=manager, key="theirs")
    mine = library_entry(author=lead, key="mine")
    client = mfa_client(lead)
    queue = client.get(reverse("library:review-queue"))
    assert queue.status_code == 200
    client.post(reverse("library:review-approve-bulk"), {"version": [theirs.latest_version_id, mine.latest_version_id]})
    assert LibraryEntryVersion.objects.get(pk=theirs.latest_version_id).status == VersionStatus.APPROVED
    assert LibraryEntryVersion.objects.get(pk=mine.latest_version_id).status == VersionStatus.IN_REVIEW


def test_admin_site_approval_goes_through_the_same_rules(mfa_client, admin_user, manager):
    entry = library_entry(author=manager)
    client = mfa_client(admin_user)
    response = client.post(
        reverse("admin:library_libraryentryversion_changelist"),
        {"action": "approve_selected", "_selected_action": [entry.latest_version_id]},
        follow=True,
    )
    assert response.status_code == 200
    assert "security lead" in response.content.decode()
    assert LibraryEntryVersion.objects.get(pk=entry.latest_version_id).status == VersionStatus.IN_REVIEW


def test_admin_site_cannot_edit_versions(mfa_client, admin_user, manager, lead):
    entry = library_entry(author=manager, approver=lead)
    client = mfa_client(admin_user)
    url = reverse("admin:library_libraryentryversion_change", args=[entry.approved_version_id])
    client.post(url, {"answer": "Changed in the admin."})
    assert LibraryEntryVersion.objects.get(pk=entry.approved_version_id).answer != "Changed in the admin."


def test_edit_page_starts_a_new_version_for_approved_entries(mfa_client, manager, lead):
    entry = library_entry(author=manager, approver=lead)
    client = mfa_client(manager)
    page = client.get(reverse("library:entry-edit", args=[entry.key]))
    assert page.context["starts_new_version"]
    client.post(
        reverse("library:entry-edit", args=[entry.key]),
        {"question": "Q?", "answer": "New wording.", "short_answer": "Yes", "submit_for_review": "1"},
    )
    assert list(entry.versions.values_list("number", "status")) == [(2, "in_review"), (1, "approved")]


def test_entry_page_shows_history_and_a_word_diff(mfa_client, manager, lead):
    entry = library_entry(author=manager, approver=lead, answer="Traffic leaves on UDP port 5684.")
    services.version_save_draft(
        actor=manager,
        entry=entry,
        text=services.VersionText(entry.approved_version.question, "Traffic leaves on UDP port 5684 only."),
    )
    page = mfa_client(lead).get(reverse("library:entry-detail", args=[entry.key]), {"old": 1, "new": 2})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<del>5684.</del>" in html and "<ins>5684 only.</ins>" in html
    assert len(page.context["versions"]) == 2


def test_search_finds_words_in_answers_and_aliases(mfa_client, manager, lead):
    library_entry(author=manager, approver=lead, key="ports", answer="Allow UDP 5684 outbound to the device cloud.")
    library_entry(author=manager, approver=lead, key="training", answer="Staff complete awareness training yearly.")
    client = mfa_client(manager)
    found = client.get(reverse("library:entry-list"), {"q": "outbound UDP"})
    assert [e.key for e in found.context["page"].object_list] == ["ports"]


def test_library_list_query_count_does_not_grow_with_page_size(
    mfa_client, manager, lead, django_assert_max_num_queries
):
    for i in range(30):
        library_entry(author=manager, approver=lead, key=f"entry-q{i:02d}")
    client = mfa_client(manager)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("library:entry-list")).status_code == 200


@pytest.mark.parametrize(
    "name", ["review-queue", "my-drafts", "due-for-review", "library-health", "entry-create", "library-import"]
)
def test_library_pages_render_for_a_lead(mfa_client, manager, lead, name):
    library_entry(author=manager, approver=lead)
    library_entry(author=manager)
    assert mfa_client(lead).get(reverse(f"library:{name}")).status_code == 200


def test_health_page_draws_a_chart(mfa_client, manager, lead):
    library_entry(author=manager, approver=lead)
    page = mfa_client(lead).get(reverse("library:library-health"))
    assert b"<svg" in page.content and page.context["health"]["counts"]["approved"] == 1


def test_rejection_without_comment_is_refused(mfa_client, manager, lead):
    entry = library_entry(author=manager)
    client = mfa_client(lead)
    client.post(reverse("library:version-reject", args=[entry.key, 1]), {"comment": ""})
    assert LibraryEntryVersion.objects.get(pk=entry.latest_version_id).status == VersionStatus.IN_REVIEW
    client.post(reverse("library:version-reject", args=[entry.key, 1]), {"comment": "Needs a source."})
    assert LibraryEntryVersion.objects.get(pk=entry.latest_version_id).status == VersionStatus.REJECTED


def test_unknown_entry_is_404(mfa_client, manager):
    assert mfa_client(manager).get(reverse("library:entry-detail", args=["no-such-entry"])).status_code == 404
