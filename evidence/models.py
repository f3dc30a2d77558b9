"""The evidence vault (documents and their versions, cited by library answers) and the NDA customers accept."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DocumentKind(models.TextChoices):
    SOC2 = "soc2", "SOC 2 report"
    PENTEST = "pentest", "Penetration test summary"
    ISO = "iso", "ISO certificate"
    POLICY = "policy", "Policy"
    DIAGRAM = "diagram", "Architecture diagram"
    OTHER = "other", "Other"


class DocumentClassification(models.TextChoices):
    PUBLIC = "public", "Public"
    NDA = "nda", "NDA only"
    INTERNAL = "internal", "Internal"


def evidence_upload_to(instance: "DocumentVersion", filename: str) -> str:
    """Server-generated names: nothing of the uploader's file name reaches the file system."""
    return f"evidence/{uuid.uuid4().hex}.bin"


class Document(models.Model):
    """A piece of evidence (a SOC 2 report, a policy…). Its content lives in versions."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    classification = models.CharField(
        max_length=10, choices=DocumentClassification.choices, default=DocumentClassification.NDA
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_documents")
    description = models.TextField(blank=True, help_text="What the document shows, for the trust page and portal.")
    created_at = models.DateTimeField(default=timezone.now)
    # Denormalised pointer, written only by the service that adds versions.
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One uploaded file of a document. A newer version supersedes it; old versions stay for the record."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(max_length=200, help_text="As uploaded; shown, never used as a path.")
    content_type = models.CharField(max_length=100, help_text="Detected from the content, not the upload.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    period_start = models.DateField(null=True, blank=True, help_text="First day of the period the document covers.")
    period_end = models.DateField(null=True, blank=True, help_text="Last day of the period the document covers.")
    effective_on = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(
        null=True, blank=True, help_text="After this day the document no longer backs answers."
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)
    expiry_reminded_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The last reminder sent (30, 7 or 1 days before expiry), so none repeats."
    )
    cited_by = models.ManyToManyField("library.LibraryEntryVersion", blank=True, related_name="cited_evidence")

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_number_unique"),
            models.CheckConstraint(
                name="document_period_in_order",
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=models.F("period_end")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def is_expired(self, today=None) -> bool:
        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())


class NdaText(models.Model):
    """One version of the NDA customers accept. Publishing a new version asks everyone to accept again."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200, default="Mutual non-disclosure agreement")
    body = models.TextField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the body as shown to the customer.")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"NDA v{self.version}"


class NdaAcceptance(models.Model):
    """A customer user's acceptance of one NDA version, with what identifies the moment it happened."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nda_acceptances")
    organisation = models.ForeignKey(
        "accounts.CustomerOrganisation", on_delete=models.PROTECT, related_name="nda_acceptances"
    )
    nda_text = models.ForeignKey(NdaText, on_delete=models.PROTECT, related_name="acceptances")
    nda_sha256 = models.CharField(max_length=64)
    full_name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, help_text="The signer's job title.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "nda_text"], name="one_acceptance_per_user_and_nda_version"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} accepted {self.nda_text}"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Invited"
    DECLINED = "declined", "Declined"


class AccessRequest(models.Model):
    """Someone on the public trust page asking for access to NDA documents; staff approve it into an invitation."""

    full_name = models.CharField(max_length=200)
    email = models.EmailField()
    company = models.CharField(max_length=200)
    message = models.TextField(blank=True, max_length=2000)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    organisation = models.ForeignKey(
        "accounts.CustomerOrganisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.company})"
