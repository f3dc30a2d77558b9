"""Questionnaires a customer sent, their questions and our responses to them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import Job
from library.models import LibraryEntry, LibraryEntryVersion

from .matching import confidence_percent


class QuestionnaireStatus(models.TextChoices):
    IMPORTING = "importing", "Importing"
    NEEDS_MAPPING = "needs_mapping", "Needs column mapping"
    FAILED = "failed", "Import failed"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class Questionnaire(Job):
    """A customer's questionnaire file and its questions, answered from the library."""

    job_running = QuestionnaireStatus.IMPORTING
    job_failed = QuestionnaireStatus.FAILED
    job_error_field = "import_error"

    title = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "accounts.CustomerOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questionnaires",
        help_text="The customer who sent it.",
    )
    source_file = models.FileField(upload_to="questionnaires/%Y/%m/")
    source_name = models.CharField(max_length=255)
    source_sha256 = models.CharField(max_length=64)
    source_size = models.PositiveIntegerField()
    format = models.CharField(max_length=20, blank=True)
    format_label = models.CharField(max_length=100, blank=True)
    mapping = models.JSONField(null=True, blank=True)
    layout_signature = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.IMPORTING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Import progress, 0 to 100.")
    import_error = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # What the import read: {"confidence": 0..1, "doubts": [...], "sheets": [{"sheet", "questions", "skipped",
    # "skipped_because"}, ...]}; {} before the first import.
    import_summary = models.JSONField(default=dict, blank=True)
    due_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_questionnaires")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    matching_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class AnswerKind(models.TextChoices):
    CHOICE = "choice", "Choice"
    TEXT = "text", "Free text"


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField()
    ref = models.CharField(max_length=120)
    text = models.TextField()
    section = models.CharField(max_length=300, blank=True)
    answer_kind = models.CharField(max_length=10, choices=AnswerKind.choices, default=AnswerKind.TEXT)
    choices = models.JSONField(default=list, blank=True)
    # Where answers go in the customer's file: [{"role", "sheet", "cell", "kind", "choices"}, …]
    slots = models.JSONField(default=list, blank=True)
    existing_answer = models.TextField(blank=True)

    class Meta:
        ordering = ["questionnaire", "order"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "order"], name="question_order_unique")]

    def __str__(self) -> str:
        return self.ref

    @property
    def choice_options(self) -> list[tuple[str, str]]:
        """(value written to the file, label shown to people) for each allowed choice; VSAQ stores ids."""
        main = next((slot for slot in self.slots if slot.get("role") == "answer"), {})
        labels = main.get("choice_labels") or []
        return [(value, labels[i] if i < len(labels) and labels[i] else value) for i, value in enumerate(self.choices)]

    def choice_label(self, value: str) -> str:
        return dict(self.choice_options).get(value, value)


class ResponseStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    ACCEPTED = "accepted", "Accepted"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    APPROVED = "approved", "Approved"


class Provenance(models.TextChoices):
    LIBRARY = "library", "Library, verbatim"
    EDITED = "edited", "Library, edited"
    NEW = "new", "Written new"
    PROFILE = "profile", "Company profile"
    NONE = "none", "No answer yet"


class UnfilledReason(models.TextChoices):
    """Why auto-fill left a question for a person; the label is the brief form shown on the review page."""

    NO_MATCH = "no_match", "No library entry matches"
    LOW_CONFIDENCE = "low_confidence", "Best match too uncertain"
    INTERNAL = "internal", "Matching entry is internal"
    OVERDUE = "overdue", "Matching entry is overdue for review"
    EVIDENCE = "evidence", "Matching entry cites expired evidence"
    NO_SHORT_ANSWER = "no_short_answer", "No Yes/No answer for this cell"
    COMPANY_DETAIL = "company_detail", "Company detail"


class Response(models.Model):
    """The answer to one question: proposed by auto-fill or written, accepted, then approved."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="response")
    text = models.TextField(blank=True, help_text="The full answer (free-text cells, comment columns).")
    choice = models.CharField(max_length=200, blank=True, help_text="The value for a dropdown cell.")
    source_version = models.ForeignKey(
        LibraryEntryVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    suggested_entry = models.ForeignKey(
        LibraryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The library draft written from this answer: its writers count as the answer's writers (four eyes).
    proposed_version = models.ForeignKey(
        LibraryEntryVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(null=True, blank=True)
    provenance = models.CharField(max_length=10, choices=Provenance.choices, default=Provenance.NONE)
    status = models.CharField(max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.NEEDS_ATTENTION)
    is_flagged = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_responses"
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set at import when auto-fill left the question for a person: why, in brief and in full, and the
    # best library entries it weighed, [{"entry_id", "key", "question", "confidence"}, ...] best first.
    unfilled_reason = models.CharField(max_length=20, choices=UnfilledReason.choices, blank=True)
    unfilled_detail = models.TextField(blank=True)
    candidates = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="response_approver_is_not_last_editor",
                condition=Q(approver__isnull=True) | Q(last_edited_by__isnull=True) | ~Q(approver=F("last_edited_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Response to {self.question.ref}"

    @property
    def choice_label(self) -> str:
        """The chosen value as people read it (VSAQ stores choice ids in the file)."""
        return self.question.choice_label(self.choice) if self.choice else ""

    @property
    def internal_match(self) -> bool:
        """Auto-fill matched an internal entry: an answer exists but must be rewritten for customers."""
        return (
            self.source_version_id is None
            and self.suggested_entry_id is not None
            and self.unfilled_reason in ("", UnfilledReason.INTERNAL)
        )


class ResponseComment(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.response}"


class MatchFeedback(models.Model):
    """What reviewers taught auto-fill: this phrasing is (or is not) answered by this entry."""

    entry = models.ForeignKey(LibraryEntry, on_delete=models.CASCADE, related_name="match_feedback")
    question_text = models.TextField()
    is_positive = models.BooleanField()
    response = models.ForeignKey(Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{'+' if self.is_positive else '-'} {self.entry.key}"


class SavedMapping(models.Model):
    """A confirmed column mapping, reused for files of the same layout."""

    layout_signature = models.CharField(max_length=64, unique=True)
    mapping = models.JSONField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Mapping {self.layout_signature[:12]}"


class LearningBatch(models.Model):
    """Answered questionnaires read back to teach the library: what each answered question maps to."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # One {"name", "sha256", "size", "format", "questions", "answered"} per file read.
    files = models.JSONField(default=list)
    via_cli = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "learning batches"

    def __str__(self) -> str:
        return f"Learning batch {self.pk}"

    @property
    def file_names(self) -> list[str]:
        return [meta.get("name", "") for meta in self.files]


class LearningOutcome(models.TextChoices):
    LINKED = "linked", "Linked to an entry"
    PROPOSED = "proposed", "Proposed as a new entry"
    SKIPPED = "skipped", "Skipped"


class LearningDecision(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    DRAFTED = "drafted", "Draft entry created"


class LearningItem(models.Model):
    """One answered question of a batch: the entry its answer came from, a proposed new entry, or skipped."""

    batch = models.ForeignKey(LearningBatch, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField()
    file_name = models.CharField(max_length=255)
    ref = models.CharField(max_length=120, blank=True)
    question_text = models.TextField()
    choice = models.CharField(max_length=200, blank=True, help_text="The value in the file's choice cell.")
    answer_text = models.TextField(blank=True, help_text="The written answer (or the bare choice when none).")
    short_answer = models.CharField(max_length=3, blank=True)
    suggested_entry = models.ForeignKey(
        LibraryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(null=True, blank=True)
    matched_by = models.CharField(max_length=10, blank=True, help_text="answer or question")
    outcome = models.CharField(max_length=10, choices=LearningOutcome.choices)
    reason = models.CharField(max_length=200, blank=True)
    # Proposals whose answers are near-duplicates share a key; the first item of a group stands for it.
    group_key = models.CharField(max_length=40, blank=True)
    decision = models.CharField(max_length=10, choices=LearningDecision.choices, default=LearningDecision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    drafted_entry = models.ForeignKey(LibraryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["batch", "order"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "order"], name="learning_item_order_unique"),
            models.CheckConstraint(
                name="learning_item_decided_has_decider",
                condition=Q(decision="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} {self.ref}".strip()

    @property
    def is_pending(self) -> bool:
        return self.decision == LearningDecision.PENDING

    @property
    def confidence_percent(self) -> int | None:
        return None if self.confidence is None else confidence_percent(self.confidence)
