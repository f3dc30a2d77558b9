"""The answer library: entries and their versions, reviewed by a second person."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
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


PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9][0-9 ().-]{4,30}(\s*(ext\.?|x)\s*[0-9]{1,6})?$",
    "Digits, spaces and + ( ) - only, e.g. +44 20 7946 0000 (an extension may follow as \u201cext 12\u201d).",
)
EMPLOYEES_VALIDATOR = RegexValidator(
    r"^[0-9][0-9,. ]*(\+|\s*(-|\u2013|to)\s*[0-9][0-9,. ]*)?$",
    "A number or a range, e.g. 120, 51-200 or 1000+.",
)
DUNS_VALIDATOR = RegexValidator(r"^[0-9]{2}-?[0-9]{3}-?[0-9]{4}$", "A DUNS number is nine digits, e.g. 15-048-3782.")


class CompanyProfile(models.Model):
    """The vendor's own public details (one row), which fill questionnaires' "General information" questions."""

    legal_name = models.CharField(
        "Legal name", max_length=200, help_text="The registered company name, as on contracts and invoices."
    )
    trading_name = models.CharField(
        "Trading name", max_length=200, blank=True, help_text="The name you trade under, when it differs."
    )
    address = models.TextField(
        "Address", max_length=500, blank=True, help_text="Registered or head-office postal address, as one block."
    )
    headquarters_country = models.CharField("Headquarters country", max_length=100, blank=True)
    product_name = models.CharField(
        "Product name", max_length=200, blank=True, help_text="What customers buy and assess, e.g. the product suite."
    )
    product_description = models.TextField(
        "Product description",
        max_length=600,
        blank=True,
        help_text="Two or three plain sentences; answers \u201cProduct description\u201d questions word for word.",
    )
    website = models.URLField("Website", max_length=200, blank=True)
    security_contact_name = models.CharField("Security contact name", max_length=200, blank=True)
    security_contact_title = models.CharField("Security contact job title", max_length=200, blank=True)
    security_contact_email = models.EmailField(
        "Security contact email", blank=True, help_text="A shared mailbox outlives people, e.g. security@\u2026"
    )
    security_contact_phone = models.CharField(
        "Security contact phone", max_length=40, blank=True, validators=[PHONE_VALIDATOR]
    )
    primary_contact_name = models.CharField(
        "Primary contact name", max_length=200, blank=True, help_text="Sales or account contact customers write to."
    )
    primary_contact_title = models.CharField("Primary contact job title", max_length=200, blank=True)
    primary_contact_email = models.EmailField("Primary contact email", blank=True)
    primary_contact_phone = models.CharField(
        "Primary contact phone", max_length=40, blank=True, validators=[PHONE_VALIDATOR]
    )
    year_founded = models.PositiveSmallIntegerField(
        "Year founded",
        null=True,
        blank=True,
        validators=[MinValueValidator(1800)],
        help_text="Years in business are counted from it.",
    )
    employee_count = models.CharField(
        "Number of employees",
        max_length=40,
        blank=True,
        validators=[EMPLOYEES_VALIDATOR],
        help_text="A number or a range, e.g. 120 or 51-200.",
    )
    duns_number = models.CharField(
        "DUNS number", max_length=15, blank=True, validators=[DUNS_VALIDATOR], help_text="Nine digits, if you have one."
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(name="company_profile_is_one_row", condition=Q(pk=1))]

    def __str__(self) -> str:
        return self.legal_name or "Company profile"

    @classmethod
    def current(cls) -> "CompanyProfile":
        """The profile, or an unsaved blank one before anyone has filled it in."""
        return cls.objects.select_related("updated_by").filter(pk=1).first() or cls()

    @property
    def is_filled(self) -> bool:
        return bool(self.pk and self.legal_name)

    @property
    def years_in_business(self) -> int | None:
        if self.year_founded is None:
            return None
        return max(timezone.localdate().year - self.year_founded, 0)

    def detail_fields(self) -> list[tuple[str, str, object]]:
        """(name, label, value) of each detail people keep, in the order the edit page shows them."""
        return [(name, self._meta.get_field(name).verbose_name, getattr(self, name)) for name in COMPANY_PROFILE_FIELDS]


COMPANY_PROFILE_FIELDS = [
    "legal_name",
    "trading_name",
    "address",
    "headquarters_country",
    "website",
    "year_founded",
    "employee_count",
    "duns_number",
    "product_name",
    "product_description",
    "primary_contact_name",
    "primary_contact_title",
    "primary_contact_email",
    "primary_contact_phone",
    "security_contact_name",
    "security_contact_title",
    "security_contact_email",
    "security_contact_phone",
]
