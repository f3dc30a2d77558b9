"""Evidence services: versions supersede, citations keep library wording's evidence date, reminders go once,
expired and internal documents never become shareable, and the demo seeds through the same checks."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from evidence import selectors, services
from evidence.models import DocumentVersion
from library import services as library_services
from library.models import LibraryEntry, LibraryEntryVersion
from tests.factories import UserFactory, library_entry

from .factories import document, new_version

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _valid_until(entry: LibraryEntry) -> date | None:
    return LibraryEntryVersion.objects.get(pk=entry.approved_version_id).evidence_valid_until


def test_a_new_version_supersedes_the_previous_and_keeps_it(manager):
    doc = document(actor=manager)
    first = doc.current_version
    second = new_version(actor=manager, doc=doc)
    doc.refresh_from_db()
    first.refresh_from_db()
    assert doc.current_version == second and second.number == 2 and second.is_current
    assert first.superseded_at is not None and doc.versions.count() == 2
    assert AuditEvent.objects.filter(action="evidence.version_added").count() == 1


def test_customers_cannot_upload_and_only_leads_make_documents_public(manager, lead, customer):
    with pytest.raises(PermissionDenied):
        document(actor=customer, owner=manager)
    with pytest.raises(ValidationError, match="security lead"):
        document(actor=manager, classification="public")
    assert document(actor=lead, classification="public").classification == "public"


def test_only_security_leads_change_classification(manager, lead):
    doc = document(actor=manager)
    with pytest.raises(PermissionDenied):
        services.document_classify(actor=manager, document=doc, classification="public")
    services.document_classify(actor=lead, document=doc, classification="internal")
    doc.refresh_from_db()
    assert doc.classification == "internal"
    assert AuditEvent.objects.filter(action="evidence.classification_changed").count() == 1


def test_citing_sets_the_wordings_evidence_date_to_the_documents_expiry(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    doc = document(actor=manager, expires_on=TODAY + timedelta(days=90))
    assert _valid_until(entry) is None
    services.citation_add(actor=manager, version=doc.current_version, keys=[entry.key])
    assert _valid_until(entry) == TODAY + timedelta(days=90)


def test_the_earliest_end_among_cited_documents_wins(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    later = document(actor=manager, title="ISO", expires_on=TODAY + timedelta(days=200))
    sooner = document(actor=manager, title="Pen test", expires_on=TODAY + timedelta(days=20))
    forever = document(actor=manager, title="Policy")
    for doc in (later, sooner, forever):
        services.citation_add(actor=manager, version=doc.current_version, keys=[entry.key])
    assert _valid_until(entry) == TODAY + timedelta(days=20)
    services.citation_remove(
        actor=manager, version=sooner.current_version, library_version_id=entry.approved_version_id
    )
    assert _valid_until(entry) == TODAY + timedelta(days=200)


def test_citing_only_documents_that_never_end_leaves_no_date(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    services.citation_add(actor=manager, version=document(actor=manager).current_version, keys=[entry.key])
    assert _valid_until(entry) is None


def test_superseding_a_cited_version_ends_the_wordings_evidence_the_day_before(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    doc = document(actor=manager, expires_on=TODAY + timedelta(days=90))
    services.citation_add(actor=manager, version=doc.current_version, keys=[entry.key])
    new_version(actor=manager, doc=doc, expires_on=TODAY + timedelta(days=400))
    assert _valid_until(entry) == TODAY - timedelta(days=1)


def test_changing_an_expiry_date_moves_the_wordings_evidence_date_and_restarts_reminders(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    doc = document(actor=manager, expires_on=TODAY + timedelta(days=5))
    version = doc.current_version
    DocumentVersion.objects.filter(pk=version.pk).update(expiry_reminded_days=7)
    services.citation_add(actor=manager, version=version, keys=[entry.key])
    services.version_expiry_set(actor=manager, version=version, expires_on=TODAY + timedelta(days=60))
    version.refresh_from_db()
    assert _valid_until(entry) == TODAY + timedelta(days=60) and version.expiry_reminded_days is None
    services.version_expiry_set(actor=manager, version=version, expires_on=None)
    assert _valid_until(entry) is None


def test_unknown_keys_cite_nothing(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    doc = document(actor=manager)
    with pytest.raises(ValidationError, match="no-such-key"):
        services.citation_add(actor=manager, version=doc.current_version, keys=[entry.key, "no-such-key"])
    assert doc.current_version.cited_by.count() == 0


def test_superseded_or_expired_versions_cannot_be_cited(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    doc = document(actor=manager)
    old = doc.current_version
    new_version(actor=manager, doc=doc)
    old.refresh_from_db()
    with pytest.raises(ValidationError, match="current version"):
        services.citation_add(actor=manager, version=old, keys=[entry.key])
    expired = document(actor=manager, title="Old cert", expires_on=TODAY - timedelta(days=1))
    with pytest.raises(ValidationError, match="expired"):
        services.citation_add(actor=manager, version=expired.current_version, keys=[entry.key])


def test_a_draft_of_the_entry_carries_the_citation_into_its_review(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    draft = library_services.version_save_draft(
        actor=manager, entry=entry, text=library_services.VersionText("Q?", "New answer.", "Yes")
    )
    cited = services.citation_add(actor=manager, version=document(actor=manager).current_version, keys=[entry.key])
    assert cited == [draft]


def test_approved_wording_keeps_a_citation_of_evidence_that_has_ended(manager, lead):
    entry = library_entry(author=manager, approver=lead)
    doc = document(actor=manager)
    services.citation_add(actor=manager, version=doc.current_version, keys=[entry.key])
    new_version(actor=manager, doc=doc)
    old = DocumentVersion.objects.get(document=doc, number=1)
    with pytest.raises(ValidationError, match="approved wording"):
        services.citation_remove(actor=manager, version=old, library_version_id=entry.approved_version_id)
    assert _valid_until(entry) == TODAY - timedelta(days=1)


# --- Reminders ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "threshold"), [(31, None), (30, 30), (12, 30), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None)]
)
def test_reminders_go_at_30_7_and_1_days_before_expiry(
    manager, lead, days_left, threshold, django_capture_on_commit_callbacks
):
    today = date(2026, 6, 1)
    doc = document(actor=manager, owner=lead, expires_on=today + timedelta(days=days_left))
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.evidence_reminders_send(today=today)
    assert sent == (1 if threshold else 0)
    assert DocumentVersion.objects.get(pk=doc.current_version_id).expiry_reminded_days == threshold
    if threshold:
        assert mail.outbox[-1].to == [lead.email] and doc.title in mail.outbox[-1].body


def test_each_reminder_goes_once_however_often_the_task_runs(manager, lead, django_capture_on_commit_callbacks):
    start = date(2026, 6, 1)
    document(actor=manager, owner=lead, expires_on=start + timedelta(days=30))
    sent = []
    for offset in range(32):
        for _run in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                sent.append(services.evidence_reminders_send(today=start + timedelta(days=offset)))
    assert sum(sent) == 3 and len(mail.outbox) == 3
    assert AuditEvent.objects.filter(action="evidence.expiry_reminder_sent").count() == 3


def test_superseded_versions_are_never_reminded(manager, lead, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    doc = document(actor=manager, owner=lead, expires_on=today + timedelta(days=7))
    new_version(actor=manager, doc=doc)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.evidence_reminders_send(today=today) == 0
    assert mail.outbox == []


def test_the_reminder_task_is_scheduled_daily(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["evidence-expiry-reminders-daily"]
    assert schedule["task"] == "evidence.tasks.evidence_expiry_reminders"
    assert schedule["schedule"] == timedelta(hours=24)


def test_the_reminder_task_runs_the_service(manager, lead, django_capture_on_commit_callbacks):
    from evidence.tasks import evidence_expiry_reminders

    document(actor=manager, owner=lead, expires_on=timezone.localdate() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_expiry_reminders.delay().get() == 1
    assert len(mail.outbox) == 1


# --- Shares and demo ------------------------------------------------------------------------------------


def test_only_current_unexpired_non_internal_versions_are_shareable(manager, lead):
    public = document(actor=lead, title="Overview", classification="public")
    nda = document(actor=manager, title="SOC 2", expires_on=TODAY)
    document(actor=manager, title="Runbook", classification="internal")
    document(actor=manager, title="Old ISO", expires_on=TODAY - timedelta(days=1))
    replaced = document(actor=manager, title="Pen test")
    current = new_version(actor=manager, doc=replaced)
    shareable = list(selectors.shareable_documents())
    assert set(shareable) == {public.current_version, nda.current_version, current}


def test_the_demo_seeds_three_checked_documents_and_cites_the_soc2_one_idempotently(manager, lead):
    entry = library_entry(author=manager, approver=lead, key="our-soc2-report")
    first = services.evidence_seed_demo(owner=lead, uploader=manager)
    again = services.evidence_seed_demo(owner=lead, uploader=manager)
    assert [d.pk for d in first] == [d.pk for d in again] and len(first) == 3
    soc2, overview, pentest = first
    assert soc2.current_version.content_type == "application/pdf" and soc2.classification == "nda"
    assert overview.classification == "public" and pentest.classification == "nda"
    assert {d.owner for d in first} == {lead} and soc2.current_version.uploaded_by == manager
    assert list(soc2.current_version.cited_by.all()) == [entry.approved_version]
    assert _valid_until(entry) == soc2.current_version.expires_on


def test_a_customer_owner_is_refused(manager):
    with pytest.raises(ValidationError, match="staff"):
        document(actor=manager, owner=UserFactory(role=Role.CUSTOMER))
