"""The answer library: entries and their versions, reviewed by a second person."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Classification(models.TextChoices):
    PUBLIC = "public", "Public"
    NDA = "nda", "NDA only"
    INTERNAL = "internal", "Internal"


class ShortAnswer(models.TextChoices):
    NONE = "", "—"
    YES = "Yes", "Yes"
    NO = "No", "No"
    NA = "NA", "Not applicable"


class Figure(models.TextChoices):
    NONE = "", "None"
    PUBLISH_DATA_PATH = "publish_data_path", "Particle.publish() data path (diagram)"
    FIREWALL_ALLOWLIST = "firewall_allowlist", "Firewall allow-list (table)"


class LibraryEntry(models.Model):
    """A topic in the library. Its text lives in versions; `approved_version` is the one in force."""

    key = models.SlugField(max_length=100, unique=True)
    category = models.SlugField(max_length=40)
    classification = models.CharField(max_length=10, choices=Classification.choices, default=Classification.NDA)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_entries")
    figure = models.CharField(max_length=40, choices=Figure.choices, blank=True, default="")
    review_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    review_reminded_on = models.DateField(null=True, blank=True)
    # Denormalised pointers, written only by the services that create and approve versions.
    latest_version = models.ForeignKey(
        "LibraryEntryVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_version = models.ForeignKey(
        "LibraryEntryVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "library entries"

    def __str__(self) -> str:
        return self.key

    @property
    def is_overdue(self) -> bool:
        return self.review_due is not None and self.review_due < timezone.localdate()

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)
FROZEN_STATUSES = (VersionStatus.APPROVED, VersionStatus.SUPERSEDED)


class LibraryEntryVersion(models.Model):
    """One wording of an entry. Once approved it never changes (a database trigger refuses it too)."""

    entry = models.ForeignKey(LibraryEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    question = models.TextField()
    answer = models.TextField()
    short_answer = models.CharField(max_length=3, choices=ShortAnswer.choices, blank=True, default="")
    aliases = models.TextField(blank=True, help_text="Other phrasings of the question, one per line.")
    sources = models.TextField(blank=True, help_text="Internal notes: where each fact comes from.")
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    last_edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    # Written only by the evidence app when this version cites evidence: the date the first cited document
    # version stops backing it (expires or is superseded). Past it, the wording may not leave the company.
    evidence_valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["entry", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="version_number_unique_per_entry"),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="approved"), name="one_approved_version_per_entry"
            ),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status__in=["draft", "in_review"]), name="one_open_version_per_entry"
            ),
            # Four eyes, held by the database as well as by the approval service.
            models.CheckConstraint(
                name="approver_is_not_author", condition=Q(approver__isnull=True) | ~Q(approver=F("author"))
            ),
            models.CheckConstraint(
                name="approved_has_approver",
                condition=~Q(status__in=["approved", "superseded"])
                | Q(approver__isnull=False, approved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.key} v{self.number}"

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
