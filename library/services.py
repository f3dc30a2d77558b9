"""Writes to the answer library. Every approval, from any path, goes through `version_approve`."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import step_up_ensure
from audit.services import audit_record

from . import policies
from .file_format import LibraryRow
from .models import (
    COMPANY_PROFILE_FIELDS,
    OPEN_STATUSES,
    CompanyProfile,
    LibraryEntry,
    LibraryEntryVersion,
    VersionStatus,
)


@dataclass(frozen=True)
class VersionText:
    question: str
    answer: str
    short_answer: str = ""
    aliases: tuple[str, ...] = ()
    sources: str = ""

    def as_fields(self) -> dict:
        return {
            "question": self.question.strip(),
            "answer": self.answer.strip(),
            "short_answer": self.short_answer,
            "aliases": "\n".join(a.strip() for a in self.aliases if a.strip()),
            "sources": self.sources.strip(),
        }


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _next_number(entry: LibraryEntry) -> int:
    return (entry.versions.aggregate(top=Max("number"))["top"] or 0) + 1


def entry_create(
    *,
    actor: User,
    key: str,
    category: str,
    classification: str,
    owner: User | None = None,
    figure: str = "",
    text: VersionText,
    request: HttpRequest | None = None,
) -> LibraryEntry:
    """A new entry with its first version as a draft by `actor`."""
    _require(policies.can_edit_library(actor), "Only account managers and security leads write library entries.")
    if LibraryEntry.objects.filter(key=key).exists():
        raise ValidationError({"key": "An entry with this key already exists."})
    with transaction.atomic():
        entry = LibraryEntry.objects.create(
            key=key, category=category, classification=classification, owner=owner or actor, figure=figure
        )
        version = LibraryEntryVersion.objects.create(
            entry=entry, number=1, author=actor, last_edited_by=actor, **text.as_fields()
        )
        version.editors.add(actor)
        entry.latest_version = version
        entry.save(update_fields=["latest_version"])
        audit_record(action="library.entry_created", actor=actor, obj=entry, data={"version": 1}, request=request)
    return entry


def entry_update_settings(
    *,
    actor: User,
    entry: LibraryEntry,
    category: str,
    classification: str,
    owner: User,
    figure: str,
    request: HttpRequest | None = None,
) -> LibraryEntry:
    """Change an entry's category, classification, owner or figure (security leads), audited."""
    _require(policies.can_review_library(actor), "Only a security lead changes an entry's classification or owner.")
    with transaction.atomic():
        entry = LibraryEntry.objects.select_for_update().get(pk=entry.pk)
        before = {
            "category": entry.category,
            "classification": entry.classification,
            "owner": entry.owner.email,
            "figure": entry.figure,
        }
        entry.category, entry.classification, entry.owner, entry.figure = category, classification, owner, figure
        entry.save(update_fields=["category", "classification", "owner", "figure"])
        after = {"category": category, "classification": classification, "owner": owner.email, "figure": figure}
        if before != after:
            audit_record(
                action="library.entry_settings_changed",
                actor=actor,
                obj=entry,
                data={"from": before, "to": after},
                request=request,
            )
    return entry


def version_save_draft(
    *, actor: User, entry: LibraryEntry, text: VersionText, request: HttpRequest | None = None
) -> LibraryEntryVersion:
    """Edit the entry's open version, or start a new draft when the latest one is approved or closed.

    An approved version is never changed: editing it means a new draft based on it. Editing a version
    in review sends it back to draft, so reviewers approve exactly what was submitted."""
    _require(policies.can_edit_library(actor), "Only account managers and security leads write library entries.")
    if entry.is_retired:
        raise ValidationError("This entry is retired; restore it before editing.")
    fields = text.as_fields()
    with transaction.atomic():
        entry = LibraryEntry.objects.select_for_update().get(pk=entry.pk)
        version = entry.versions.select_for_update().filter(status__in=OPEN_STATUSES).first()
        if version is None:
            based_on = entry.latest_version
            version = LibraryEntryVersion.objects.create(
                entry=entry,
                number=_next_number(entry),
                author=actor,
                last_edited_by=actor,
                based_on=based_on,
                **fields,
            )
            entry.latest_version = version
            entry.save(update_fields=["latest_version"])
            action = "library.version_created"
        else:
            for name, value in fields.items():
                setattr(version, name, value)
            version.status = VersionStatus.DRAFT
            version.submitted_at = None
            version.last_edited_by = actor
            version.updated_at = timezone.now()
            version.save()
            action = "library.version_edited"
        version.editors.add(actor)
        audit_record(action=action, actor=actor, obj=entry, data={"version": version.number}, request=request)
    return version


def version_submit(
    *, actor: User, version: LibraryEntryVersion, request: HttpRequest | None = None
) -> LibraryEntryVersion:
    """Send a draft to the security leads' review queue."""
    _require(policies.can_edit_library(actor), "Only account managers and security leads submit library entries.")
    with transaction.atomic():
        version = LibraryEntryVersion.objects.select_for_update().select_related("entry").get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise ValidationError("Only drafts can be submitted for review.")
        version.status = VersionStatus.IN_REVIEW
        version.submitted_at = timezone.now()
        version.save(update_fields=["status", "submitted_at"])
        audit_record(
            action="library.version_submitted",
            actor=actor,
            obj=version.entry,
            data={"version": version.number},
            request=request,
        )
    return version


def version_approve(
    *, actor: User, version: LibraryEntryVersion, request: HttpRequest | None = None, via_cli: bool = False
) -> LibraryEntryVersion:
    """Approve a version in review: the one place that does. The approver is a security lead who
    neither wrote nor edited it, and has passed a second factor within the last few minutes (command
    line runs are trusted as the operator's, and say so in the audit trail). The previous approved
    version is superseded and stays in the history. Concurrent approvals yield exactly one."""
    step_up_ensure(request, via_cli=via_cli, action="Approving")
    with transaction.atomic():
        version = LibraryEntryVersion.objects.select_for_update().get(pk=version.pk)
        entry = LibraryEntry.objects.select_for_update().get(pk=version.entry_id)
        refusal = policies.approval_refusal(actor, version)
        if refusal:
            raise PermissionDenied(refusal)
        now = timezone.now()
        previous = entry.approved_version
        if previous is not None:
            LibraryEntryVersion.objects.filter(pk=previous.pk).update(
                status=VersionStatus.SUPERSEDED, superseded_at=now
            )
        version.status = VersionStatus.APPROVED
        version.approver = actor
        version.approved_at = now
        version.reviewed_by = actor
        version.save(update_fields=["status", "approver", "approved_at", "reviewed_by"])
        entry.approved_version = version
        entry.review_due = timezone.localdate() + timedelta(days=settings.LIBRARY_REVIEW_INTERVAL_DAYS)
        entry.review_reminded_on = None
        entry.save(update_fields=["approved_version", "review_due", "review_reminded_on"])
        audit_record(
            action="library.version_approved",
            actor=actor,
            obj=entry,
            data={
                "version": version.number,
                "author": version.author.email,
                "superseded": previous.number if previous else None,
                "via": "command line" if via_cli else "web",
            },
            request=request,
            via="cli" if via_cli else None,
        )
    return version


def version_reject(
    *, actor: User, version: LibraryEntryVersion, comment: str, request: HttpRequest | None = None
) -> LibraryEntryVersion:
    """Send a version in review back to its author with a comment (security leads)."""
    if not comment.strip():
        raise ValidationError({"comment": "Say what needs to change: a rejection needs a comment."})
    with transaction.atomic():
        version = LibraryEntryVersion.objects.select_for_update().select_related("entry").get(pk=version.pk)
        _require(policies.can_reject_entry_version(actor, version), "Only a security lead rejects versions in review.")
        version.status = VersionStatus.REJECTED
        version.reviewed_by = actor
        version.review_comment = comment.strip()
        version.save(update_fields=["status", "reviewed_by", "review_comment"])
        audit_record(
            action="library.version_rejected",
            actor=actor,
            obj=version.entry,
            data={"version": version.number, "comment": comment.strip()[:500]},
            request=request,
        )
    return version


def entry_retire(*, actor: User, entry: LibraryEntry, request: HttpRequest | None = None) -> LibraryEntry:
    """Take an entry out of use (security leads); its history stays."""
    _require(policies.can_review_library(actor), "Only a security lead retires entries.")
    with transaction.atomic():
        entry = LibraryEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.retired_at is None:
            entry.retired_at = timezone.now()
            entry.save(update_fields=["retired_at"])
            audit_record(action="library.entry_retired", actor=actor, obj=entry, request=request)
    return entry


def entry_restore(*, actor: User, entry: LibraryEntry, request: HttpRequest | None = None) -> LibraryEntry:
    """Bring a retired entry back (security leads)."""
    _require(policies.can_review_library(actor), "Only a security lead restores entries.")
    with transaction.atomic():
        entry = LibraryEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.retired_at is not None:
            entry.retired_at = None
            entry.save(update_fields=["retired_at"])
            audit_record(action="library.entry_restored", actor=actor, obj=entry, request=request)
    return entry


# --- Import ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _same_text(version: LibraryEntryVersion | None, fields: dict) -> bool:
    return version is not None and all(getattr(version, name) == value for name, value in fields.items())


def library_import(
    *,
    rows: list[LibraryRow],
    author: User,
    approver: User | None = None,
    request: HttpRequest | None = None,
    via_cli: bool = False,
) -> ImportResult:
    """Create or update entries from validated rows, all or nothing. Each changed row becomes a version
    written by `author`; with an `approver` it is approved through `version_approve` (same four-eyes
    rules), otherwise it waits in the review queue."""
    _require(policies.can_edit_library(author), f"{author.email} may not write library entries.")
    if approver is not None:
        if approver.pk == author.pk:
            raise PermissionDenied("The author and the approver must be two different people.")
        _require(policies.can_review_library(approver), f"{approver.email} is not a security lead and cannot approve.")
    result = ImportResult()
    with transaction.atomic():
        for row in rows:
            text = VersionText(row.question, row.answer, row.short_answer, tuple(row.aliases), row.sources)
            entry = LibraryEntry.objects.filter(key=row.key).first()
            if entry is None:
                entry = entry_create(
                    actor=author,
                    key=row.key,
                    category=row.category,
                    classification=row.classification,
                    text=text,
                    request=request,
                )
                version = entry.latest_version
                result.created += 1
            else:
                if _same_text(entry.approved_version, text.as_fields()) and (entry.category, entry.classification) == (
                    row.category,
                    row.classification,
                ):
                    result.unchanged += 1
                    continue
                if (entry.category, entry.classification) != (row.category, row.classification):
                    LibraryEntry.objects.filter(pk=entry.pk).update(
                        category=row.category, classification=row.classification
                    )
                    audit_record(
                        action="library.entry_settings_changed",
                        actor=author,
                        obj=entry,
                        data={
                            "to": {"category": row.category, "classification": row.classification},
                            "source": "import",
                        },
                        request=request,
                    )
                version = version_save_draft(actor=author, entry=entry, text=text, request=request)
                result.updated += 1
            version_submit(actor=author, version=version, request=request)
            if approver is not None:
                version_approve(actor=approver, version=version, request=request, via_cli=via_cli)
        audit_record(
            action="library.imported",
            actor=author,
            data={
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "approver": approver.email if approver else None,
            },
            request=request,
            via="cli" if via_cli else None,
        )
    return result


# --- Review reminders -----------------------------------------------------------------------------


def library_review_reminders_send(*, today: date | None = None) -> int:
    """Email each owner about entries due for review in 30 days or today. Sends each reminder once a
    day at most, so re-running the task is harmless. Returns the number of entries reminded."""
    today = today or timezone.localdate()
    lead_days = settings.LIBRARY_REVIEW_REMINDER_DAYS
    due = (
        LibraryEntry.objects.filter(retired_at__isnull=True, review_due__in=[today, today + timedelta(days=lead_days)])
        .exclude(review_reminded_on=today)
        .select_related("owner")
    )
    by_owner: dict[User, list[LibraryEntry]] = {}
    for entry in due:
        by_owner.setdefault(entry.owner, []).append(entry)
    for owner, entries in by_owner.items():
        lines = [f"- {e.key}: review due {e.review_due:%d %B %Y}" for e in entries]
        body = (
            "These library entries are due for review. Until they are re-approved, auto-fill and exports "
            "stop using them once the date has passed:\n\n" + "\n".join(lines) + "\n"
        )
        send_mail("[Trustpack] Library entries due for review", body, None, [owner.email])
        LibraryEntry.objects.filter(pk__in=[e.pk for e in entries]).update(review_reminded_on=today)
        for entry in entries:
            audit_record(
                action="library.review_reminder_sent", obj=entry, data={"due": str(entry.review_due)}, via="task"
            )
    return sum(len(entries) for entries in by_owner.values())


def library_load_shipped_content(*, author: User, approver: User) -> ImportResult:
    """Load the Particle answer library shipped with Trustpack (demo seeding), idempotently."""
    from .content import FIGURE_KEYS, PARTICLE_LIBRARY
    from .file_format import parse_library_file

    parsed = parse_library_file(PARTICLE_LIBRARY.name, PARTICLE_LIBRARY.read_bytes())
    if not parsed.ok:
        raise ValidationError(parsed.errors)
    result = library_import(rows=parsed.rows, author=author, approver=approver, via_cli=True)
    for key, figure in FIGURE_KEYS.items():
        LibraryEntry.objects.filter(key=key, figure="").update(figure=figure)
    return result


def company_profile_update(*, actor: User, details: dict, request: HttpRequest | None = None) -> CompanyProfile:
    """Save the company profile (admins and security leads); every changed detail is audited as old → new."""
    _require(policies.can_edit_company_profile(actor), "Only an admin or a security lead edits the company profile.")
    unknown = set(details) - set(COMPANY_PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"Not a company profile detail: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        profile = CompanyProfile.objects.select_for_update().filter(pk=1).first() or CompanyProfile(pk=1)
        changes = {
            name: {"from": getattr(profile, name), "to": value}
            for name, value in details.items()
            if getattr(profile, name) != value
        }
        if not changes:
            return profile
        for name, value in details.items():
            setattr(profile, name, value)
        profile.full_clean(exclude=["updated_by"])
        profile.updated_at, profile.updated_by = timezone.now(), actor
        profile.save()
        audit_record(
            action="library.company_profile_changed",
            actor=actor,
            obj=profile,
            data={"changes": changes},
            request=request,
        )
    return profile
