"""Library workflow: drafts, four-eyes approval on every path, immutability, review dates, reminders."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Role
from accounts.services import StepUpRequired
from audit.models import AuditEvent
from library import services
from library.models import LibraryEntry, LibraryEntryVersion, VersionStatus
from library.selectors import matchable_entries
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db


def fresh_request(user, *, seconds_ago=10):
    """A request whose session passed the second factor `seconds_ago` seconds ago."""
    import time

    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().post("/")
    request.user = user
    request.user.is_verified = lambda: True
    request.session = SessionStore()
    request.session["mfa_verified_at"] = time.time() - seconds_ago
    return request


@pytest.fixture
def second_lead(db):
    return UserFactory(role=Role.SECURITY_LEAD, email="lead2@example.com")


def test_author_cannot_approve_own_version(lead):
    entry = library_entry(author=lead)
    with pytest.raises(PermissionDenied, match="You wrote this version"):
        services.version_approve(actor=lead, version=entry.latest_version, request=fresh_request(lead))


def test_editor_cannot_approve_a_version_they_edited(manager, lead, second_lead):
    entry = library_entry(author=manager)
    version = services.version_save_draft(
        actor=lead, entry=entry, text=services.VersionText("Q?", "Edited by the lead.")
    )
    services.version_submit(actor=manager, version=version)
    with pytest.raises(PermissionDenied, match="You edited this version"):
        services.version_approve(actor=lead, version=version, request=fresh_request(lead))
    services.version_approve(actor=second_lead, version=version, request=fresh_request(second_lead))
    assert LibraryEntryVersion.objects.get(pk=version.pk).status == VersionStatus.APPROVED


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.ADMIN, Role.CUSTOMER])
def test_only_security_leads_approve(manager, role):
    entry = library_entry(author=manager)
    other = UserFactory(role=role)
    with pytest.raises(PermissionDenied, match="security lead"):
        services.version_approve(actor=other, version=entry.latest_version, request=fresh_request(other))


def test_approval_needs_a_fresh_second_factor(manager, lead):
    entry = library_entry(author=manager)
    with pytest.raises(StepUpRequired):
        services.version_approve(actor=lead, version=entry.latest_version, request=fresh_request(lead, seconds_ago=301))
    with pytest.raises(StepUpRequired):
        services.version_approve(actor=lead, version=entry.latest_version, request=None)
    services.version_approve(actor=lead, version=entry.latest_version, request=fresh_request(lead, seconds_ago=30))


def test_only_versions_in_review_can_be_approved(manager, lead):
    entry = services.entry_create(
        actor=manager,
        key="draft-only",
        category="network",
        classification="public",
        text=services.VersionText("Q?", "A."),
    )
    with pytest.raises(PermissionDenied, match="Only versions in review"):
        services.version_approve(actor=lead, version=entry.latest_version, via_cli=True)


def test_the_database_refuses_an_approver_who_is_the_author(manager):
    entry = library_entry(author=manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        LibraryEntryVersion.objects.filter(pk=entry.latest_version_id).update(
            status=VersionStatus.APPROVED, approver=manager, approved_at=timezone.now()
        )


def test_editing_an_approved_entry_starts_a_new_version_and_keeps_history(manager, lead):
    entry = library_entry(author=manager, approver=lead, answer="Original answer.")
    approved = entry.approved_version
    draft = services.version_save_draft(actor=manager, entry=entry, text=services.VersionText("Q?", "New answer."))
    assert draft.pk != approved.pk and draft.number == 2 and draft.based_on_id == approved.pk
    approved.refresh_from_db()
    assert approved.answer == "Original answer." and approved.status == VersionStatus.APPROVED
    services.version_submit(actor=manager, version=draft)
    services.version_approve(actor=lead, version=draft, via_cli=True)
    approved.refresh_from_db()
    entry.refresh_from_db()
    assert approved.status == VersionStatus.SUPERSEDED and approved.answer == "Original answer."
    assert entry.approved_version_id == draft.pk
    assert list(entry.versions.values_list("number", "status")) == [(2, "approved"), (1, "superseded")]


@pytest.mark.parametrize("status", [VersionStatus.APPROVED, VersionStatus.SUPERSEDED])
def test_the_database_refuses_changes_to_approved_text(manager, lead, status):
    entry = library_entry(author=manager, approver=lead)
    version = entry.approved_version
    if status == VersionStatus.SUPERSEDED:
        new = services.version_save_draft(actor=manager, entry=entry, text=services.VersionText("Q?", "Newer."))
        services.version_submit(actor=manager, version=new)
        services.version_approve(actor=lead, version=new, via_cli=True)
    for change in ({"answer": "Quietly changed."}, {"approver": manager}, {"status": VersionStatus.DRAFT}):
        with pytest.raises(DatabaseError, match=r"immutable|four eyes"), transaction.atomic():
            LibraryEntryVersion.objects.filter(pk=version.pk).update(**change)
    version.refresh_from_db()
    assert version.answer.startswith("Answer about")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the delete guard exists on PostgreSQL only")
def test_postgresql_refuses_deleting_an_approved_version(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM library_libraryentryversion WHERE id = %s", [entry.approved_version_id])


def test_editing_a_version_in_review_sends_it_back_to_draft(manager, lead):
    entry = library_entry(author=manager)
    version = services.version_save_draft(actor=manager, entry=entry, text=services.VersionText("Q?", "Changed."))
    assert version.status == VersionStatus.DRAFT and version.number == 1


def test_rejection_needs_a_comment_and_is_audited(manager, lead):
    entry = library_entry(author=manager)
    with pytest.raises(ValidationError):
        services.version_reject(actor=lead, version=entry.latest_version, comment="  ")
    services.version_reject(actor=lead, version=entry.latest_version, comment="Cite the source.")
    version = LibraryEntryVersion.objects.get(pk=entry.latest_version_id)
    assert version.status == VersionStatus.REJECTED and version.review_comment == "Cite the source."
    assert AuditEvent.objects.filter(action="library.version_rejected").exists()


def test_every_step_is_audited(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    services.version_save_draft(actor=manager, entry=entry, text=services.VersionText("Q?", "B."))
    services.entry_retire(actor=lead, entry=entry)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "library.entry_created",
        "library.version_submitted",
        "library.version_approved",
        "library.version_created",
        "library.entry_retired",
    } <= actions


def test_approval_sets_the_review_date_a_year_out(manager, lead, settings):
    entry = library_entry(author=manager, approver=lead)
    assert entry.review_due == timezone.localdate() + timedelta(days=settings.LIBRARY_REVIEW_INTERVAL_DAYS)


def test_overdue_retired_and_unapproved_entries_are_not_matched(manager, lead):
    current = library_entry(author=manager, approver=lead, key="current")
    overdue = library_entry(author=manager, approver=lead, key="overdue")
    retired = library_entry(author=manager, approver=lead, key="retired")
    library_entry(author=manager, key="unapproved")
    LibraryEntry.objects.filter(pk=overdue.pk).update(review_due=timezone.localdate() - timedelta(days=1))
    services.entry_retire(actor=lead, entry=retired)
    assert list(matchable_entries().values_list("key", flat=True)) == [current.key]


def test_review_reminders_go_30_days_before_and_on_the_day_once(manager, lead):
    today = timezone.localdate()
    soon = library_entry(author=manager, approver=lead, key="due-soon")
    due = library_entry(author=manager, approver=lead, key="due-today")
    later = library_entry(author=manager, approver=lead, key="due-later")
    LibraryEntry.objects.filter(pk=soon.pk).update(review_due=today + timedelta(days=30))
    LibraryEntry.objects.filter(pk=due.pk).update(review_due=today)
    LibraryEntry.objects.filter(pk=later.pk).update(review_due=today + timedelta(days=31))
    assert services.library_review_reminders_send(today=today) == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [manager.email]
    assert (
        "due-soon" in mail.outbox[0].body
        and "due-today" in mail.outbox[0].body
        and "due-later" not in mail.outbox[0].body
    )
    assert services.library_review_reminders_send(today=today) == 0  # the task can run twice safely


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers; the race shows on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_produce_exactly_one(manager, lead, second_lead):
    entry = library_entry(author=manager)
    version_id = entry.latest_version_id
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            barrier.wait(timeout=10)
            services.version_approve(actor=user, version=LibraryEntryVersion.objects.get(pk=version_id), via_cli=True)
            outcomes.append("approved")
        except PermissionDenied:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (lead, second_lead)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert AuditEvent.objects.filter(action="library.version_approved").count() == 1
