"""Packages for a customer: a frozen set of approved answers, released by a second person, rendered and signed."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import Job

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """A package ID that is short to read out and impossible to guess: TP-XXXX-XXXX."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"TP-{chars[:4]}-{chars[4:]}"


class PackageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RELEASED = "released", "Released"


class Package(models.Model):
    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    title = models.CharField(max_length=200)
    cover_note = models.TextField(blank=True)
    organisation = models.ForeignKey("accounts.CustomerOrganisation", on_delete=models.PROTECT, related_name="packages")
    questionnaire = models.ForeignKey(
        "questionnaires.Questionnaire", null=True, blank=True, on_delete=models.PROTECT, related_name="packages"
    )
    entries = models.ManyToManyField("library.LibraryEntry", blank=True, related_name="packages")
    status = models.CharField(max_length=10, choices=PackageStatus.choices, default=PackageStatus.DRAFT)
    assembled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assembled_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by")

    class Meta:
        ordering = ["-assembled_at"]
        constraints = [
            models.CheckConstraint(
                name="package_released_by_a_second_person",
                condition=Q(released_by__isnull=True) | ~Q(released_by=F("assembled_by")),
            ),
            models.CheckConstraint(
                name="package_released_has_releaser",
                condition=~Q(status="released") | Q(released_by__isnull=False, released_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_released(self) -> bool:
        return self.status == PackageStatus.RELEASED

    @property
    def latest_pdf(self) -> "RenderedPdf | None":
        return self.pdfs.order_by("-revision").first()


class PackageItem(models.Model):
    """One answer as released: a snapshot, so the PDF and its manifest can always be explained."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField()
    section = models.CharField(max_length=300, blank=True)
    ref = models.CharField(max_length=120)
    question = models.TextField()
    short_answer = models.CharField(max_length=200, blank=True)
    answer = models.TextField()
    provenance = models.CharField(max_length=40)
    library_version = models.ForeignKey(
        "library.LibraryEntryVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    text_sha256 = models.CharField(max_length=64)
    figure = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["package", "order"]
        constraints = [models.UniqueConstraint(fields=["package", "order"], name="package_item_order_unique")]

    def __str__(self) -> str:
        return f"{self.package.reference} {self.ref}"


class RenderStatus(models.TextChoices):
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Signed and ready"
    FAILED = "failed", "Failed"


class RenderedPdf(Job):
    """One issued revision of a package's PDF; re-rendering adds a revision, old ones remain."""

    job_running = RenderStatus.RENDERING
    job_failed = RenderStatus.FAILED
    job_error_field = "error"

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="pdfs")
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=RenderStatus.choices, default=RenderStatus.RENDERING)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="packages/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(default=0)
    signed_at = models.DateTimeField(null=True, blank=True)
    certificate_fingerprint = models.CharField(max_length=64, blank=True)
    signature_level = models.CharField(max_length=8, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["package", "-revision"]
        constraints = [models.UniqueConstraint(fields=["package", "revision"], name="pdf_revision_unique")]

    def __str__(self) -> str:
        return f"{self.package.reference} r{self.revision}"


class Share(models.Model):
    """A released package (and chosen evidence) made visible to one customer organisation until a date."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="shares")
    organisation = models.ForeignKey("accounts.CustomerOrganisation", on_delete=models.PROTECT, related_name="shares")
    documents = models.ManyToManyField("evidence.Document", blank=True, related_name="shares")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, help_text="Shown to the customer with the share.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.package.reference} → {self.organisation}"

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def status(self) -> str:
        """ "active", "expired" or "revoked" (a revocation is reported even after the expiry date)."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_active() else "expired"


class DownloadKind(models.TextChoices):
    PACKAGE_PDF = "package_pdf", "Signed package PDF"
    QUESTIONNAIRE = "questionnaire", "Filled-in questionnaire"
    EVIDENCE = "evidence", "Evidence document"


class Download(models.Model):
    """One file delivered to one customer user: who, what, when, and the fingerprint and hash of the copy."""

    share = models.ForeignKey(Share, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="downloads")
    kind = models.CharField(max_length=16, choices=DownloadKind.choices)
    document_version = models.ForeignKey(
        "evidence.DocumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="downloads"
    )
    fingerprint = models.CharField(max_length=32, unique=True, help_text="Printed on every watermarked page.")
    file_sha256 = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the file as delivered.")
    size = models.PositiveIntegerField(default=0)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.fingerprint} ({self.get_kind_display()})"
