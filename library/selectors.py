"""Shared reads of the answer library."""

from datetime import timedelta

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from . import policies
from .models import Classification, CompanyProfile, LibraryEntry, LibraryEntryVersion, VersionStatus

STATUS_FILTERS = {
    "approved": "Approved and current",
    "in_review": "In review",
    "draft": "Draft",
    "rejected": "Rejected",
    "overdue": "Overdue for review",
    "never_approved": "Never approved",
    "retired": "Retired",
}


def matchable_entries() -> QuerySet[LibraryEntry]:
    """Entries auto-fill may match: approved, not retired, review not overdue. Internal ones included, so
    staff learn an answer exists; whether its words may go out is `policies.leave_refusal`'s to say."""
    return LibraryEntry.objects.filter(
        approved_version__isnull=False, retired_at__isnull=True, review_due__gte=timezone.localdate()
    ).select_related("approved_version__entry")


def leaving_entries(*, nda_covered: bool) -> QuerySet[LibraryEntry]:
    """Entries whose approved wording may leave the company: `policies.leave_refusal` as a query (a test
    holds the two to the same answers)."""
    entries = matchable_entries().exclude(classification=Classification.INTERNAL)
    entries = entries.exclude(approved_version__evidence_valid_until__lt=timezone.localdate())
    if not nda_covered:
        entries = entries.exclude(classification=Classification.NDA)
    return entries


def _status_q(status: str) -> Q:
    today = timezone.localdate()
    return {
        "approved": Q(approved_version__isnull=False, retired_at__isnull=True, review_due__gte=today),
        "in_review": Q(latest_version__status=VersionStatus.IN_REVIEW, retired_at__isnull=True),
        "draft": Q(latest_version__status=VersionStatus.DRAFT, retired_at__isnull=True),
        "rejected": Q(latest_version__status=VersionStatus.REJECTED, retired_at__isnull=True),
        "overdue": Q(review_due__lt=today, retired_at__isnull=True),
        "never_approved": Q(approved_version__isnull=True, retired_at__isnull=True),
        "retired": Q(retired_at__isnull=False),
    }[status]


def _search(entries: QuerySet[LibraryEntry], query: str) -> QuerySet[LibraryEntry]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("key", weight="A")
            + SearchVector("latest_version__question", weight="A")
            + SearchVector("latest_version__aliases", weight="B")
            + SearchVector("latest_version__answer", weight="C")
        )
        search = SearchQuery(query, search_type="websearch", config="english")
        return (
            entries.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(Q(document=search) | Q(key__icontains=query))
            .order_by("-rank", "key")
        )
    # SQLite: every word must appear somewhere in the key, question, answer or aliases.
    for word in query.split()[:12]:
        entries = entries.filter(
            Q(key__icontains=word)
            | Q(latest_version__question__icontains=word)
            | Q(latest_version__answer__icontains=word)
            | Q(latest_version__aliases__icontains=word)
        )
    return entries


def entry_list(
    *,
    user,
    query: str = "",
    category: str = "",
    classification: str = "",
    status: str = "",
    owner_id: int | None = None,
) -> QuerySet[LibraryEntry]:
    """Entries the user may see, filtered and searched, with what the list shows joined in."""
    entries = policies.entries_for(user).select_related("latest_version", "approved_version", "owner")
    if category:
        entries = entries.filter(category=category)
    if classification:
        entries = entries.filter(classification=classification)
    if status in STATUS_FILTERS:
        entries = entries.filter(_status_q(status))
    if owner_id:
        entries = entries.filter(owner_id=owner_id)
    if query.strip():
        return _search(entries, query.strip())
    return entries.order_by("key")


def status_counts(*, user, names: tuple[str, ...] = tuple(STATUS_FILTERS)) -> dict[str, int]:
    """How many entries the user may see fall under each status filter (or only the `names` asked for: each
    filtered count makes the query dearer to build)."""
    entries = policies.entries_for(user)
    return entries.aggregate(**{name: Count("pk", filter=_status_q(name)) for name in names})


def category_list(*, user) -> list[str]:
    """Categories in use, for the filter menu."""
    return list(policies.entries_for(user).order_by("category").values_list("category", flat=True).distinct())


def review_queue(*, user) -> QuerySet[LibraryEntryVersion]:
    """Versions waiting for a security lead, oldest submission first."""
    return (
        LibraryEntryVersion.objects.filter(entry__in=policies.entries_for(user), status=VersionStatus.IN_REVIEW)
        .select_related("entry", "author", "last_edited_by", "entry__approved_version")
        .prefetch_related("editors")
        .order_by("submitted_at")
    )


def my_drafts(*, user) -> QuerySet[LibraryEntryVersion]:
    """Open or rejected versions the user wrote or edited."""
    return (
        LibraryEntryVersion.objects.filter(
            entry__in=policies.entries_for(user),
            status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.REJECTED],
        )
        .filter(Q(author=user) | Q(editors=user))
        .filter(entry__latest_version=F("pk"))
        .distinct()
        .select_related("entry", "reviewed_by")
        .order_by("-updated_at")
    )


def due_for_review(*, user, within_days: int = 30) -> QuerySet[LibraryEntry]:
    """Approved, unretired entries whose review date falls within `within_days` (overdue ones first)."""
    horizon = timezone.localdate() + timedelta(days=within_days)
    return (
        policies.entries_for(user)
        .filter(approved_version__isnull=False, retired_at__isnull=True, review_due__lte=horizon)
        .select_related("owner", "approved_version")
        .order_by("review_due", "key")
    )


def library_health(*, user) -> dict:
    """Entries by status and by category, overdue and never used — for the health view."""
    entries = policies.entries_for(user)
    by_category = list(
        entries.filter(retired_at__isnull=True)
        .values("category")
        .annotate(
            total=Count("pk"),
            approved=Count("pk", filter=_status_q("approved")),
            overdue=Count("pk", filter=_status_q("overdue")),
        )
        .order_by("-total", "category")
    )
    counts = status_counts(user=user)
    counts["never_used"] = entries.filter(_status_q("approved"), last_used_at__isnull=True).count()
    return {"counts": counts, "by_category": by_category}


def existing_keys(*, user, keys: list[str]) -> dict[str, int]:
    """Which of these keys the library already holds (key → entry id), for an import preview."""
    return dict(policies.entries_for(user).filter(key__in=keys).values_list("key", "pk"))


def company_profile_get() -> CompanyProfile:
    """The company profile, or an unsaved blank one before anyone has filled it in."""
    return CompanyProfile.current()
