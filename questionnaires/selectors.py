"""Shared reads of questionnaires and their questions."""

from django.db.models import Count, F, Min, Q, QuerySet

from library.models import LibraryEntry
from library.policies import LeaveRefusal, leave_refusal

from . import policies
from .matching import confidence_percent
from .models import (
    LearningBatch,
    LearningItem,
    LearningOutcome,
    Question,
    Questionnaire,
    QuestionnaireStatus,
    ResponseStatus,
)

COUNT_NAMES = ("total", "suggested", "accepted", "attention", "approved")


def _response_counts() -> dict:
    """Per-status counts over Question rows (each question has at most one response, so nothing counts twice)."""
    return {
        "total": Count("pk"),
        "suggested": Count("pk", filter=Q(response__status=ResponseStatus.SUGGESTED)),
        "accepted": Count("pk", filter=Q(response__status=ResponseStatus.ACCEPTED)),
        "attention": Count("pk", filter=Q(response__status=ResponseStatus.NEEDS_ATTENTION)),
        "approved": Count("pk", filter=Q(response__status=ResponseStatus.APPROVED)),
    }


def questionnaire_list(*, user, include_completed: bool = False) -> QuerySet[Questionnaire]:
    """Questionnaires the user may see, soonest due first; `questionnaires_with_counts` adds their progress."""
    questionnaires = policies.questionnaires_for(user).select_related("organisation", "owner")
    if not include_completed:
        questionnaires = questionnaires.exclude(status=QuestionnaireStatus.COMPLETED)
    return questionnaires.order_by(F("due_on").asc(nulls_last=True), "-created_at")


def questionnaires_with_counts(questionnaires) -> list[Questionnaire]:
    """The given questionnaires as a list, each with its per-status counts (`total`, `approved`, …) from one
    grouped query over their questions alone, however many questions or questionnaires there are."""
    rows = list(questionnaires)
    grouped = (
        Question.objects.filter(questionnaire__in=[row.pk for row in rows])
        .order_by()
        .values("questionnaire_id")
        .annotate(**_response_counts())
    )
    counts = {group["questionnaire_id"]: group for group in grouped} if rows else {}
    for row in rows:
        for name in COUNT_NAMES:
            setattr(row, name, counts.get(row.pk, {}).get(name, 0))
    return rows


def questionnaire_counts(questionnaire, *, user=None) -> dict:
    """Per-status response counts of one questionnaire, plus `approvable`: how many of its responses `user` may
    approve (what approve-all acts on; 0 without a user). One aggregate query."""
    extra = {}
    if user is not None:
        approvable = policies.responses_approvable_by(user).filter(question__questionnaire=questionnaire)
        extra["approvable"] = Count("pk", filter=Q(response__in=approvable.values("pk")))
    counts = Question.objects.filter(questionnaire=questionnaire).aggregate(**_response_counts(), **extra)
    counts.setdefault("approvable", 0)
    return counts


def approvable_response_ids(questionnaire, *, user) -> set[int]:
    """The ids of the questionnaire's responses `user` may approve (what approve-all acts on), by the four-eyes
    rule's bulk form."""
    approvable = policies.responses_approvable_by(user).filter(question__questionnaire=questionnaire)
    return set(approvable.values_list("pk", flat=True))


def _questions_matching(*, questionnaire, status: str, assignee_id: int | None, query: str) -> QuerySet[Question]:
    questions = Question.objects.filter(questionnaire=questionnaire)
    if status == "flagged":
        questions = questions.filter(response__is_flagged=True)
    elif status:
        questions = questions.filter(response__status=status)
    if assignee_id:
        questions = questions.filter(response__assignee_id=assignee_id)
    if query:
        questions = questions.filter(Q(ref__icontains=query) | Q(text__icontains=query))
    return questions


def question_list(
    *,
    questionnaire,
    status: str = "",
    assignee_id: int | None = None,
    query: str = "",
    with_contributors: bool = True,
):
    """The questionnaire's questions in file order with their responses, the entries they use and who they are
    assigned to, in a fixed number of queries however many rows are read; with `with_contributors`, also everyone
    whose words are in each response and its approver, for the four-eyes check row by row. (The review page checks
    four eyes in bulk and goes without: joining the user table twice more made planning the query cost more than
    running it.)"""
    questions = _questions_matching(questionnaire=questionnaire, status=status, assignee_id=assignee_id, query=query)
    questions = questions.select_related(
        "response", "response__source_version__entry", "response__suggested_entry", "response__assignee"
    ).order_by("order")
    if with_contributors:
        questions = questions.select_related("response__last_edited_by", "response__approver").prefetch_related(
            "response__editors", "response__source_version__editors"
        )
    return questions


def question_section_list(
    *, questionnaire, status: str = "", assignee_id: int | None = None, query: str = ""
) -> list[dict]:
    """The sections of the questions `question_list` returns for the same filters, in file order, each with
    `name`, `count` and `start` (how many matching questions come before its first one). One grouped query."""
    questions = _questions_matching(questionnaire=questionnaire, status=status, assignee_id=assignee_id, query=query)
    grouped = questions.order_by().values("section").annotate(count=Count("pk"), first=Min("order")).order_by("first")
    sections, start = [], 0
    for group in grouped:
        sections.append({"name": group["section"], "count": group["count"], "start": start, "first": group["first"]})
        start += group["count"]
    return sections


def learning_batch_list(*, user, limit: int = 20) -> QuerySet[LearningBatch]:
    """The user's view of recent learning batches, newest first, with who uploaded them."""
    return policies.learning_batches_for(user).select_related("uploaded_by")[:limit]


def learning_batch_counts(batch: LearningBatch) -> dict[str, int]:
    """How many files, questions and answered questions the batch read, and its links, proposals and skips."""
    outcomes = dict.fromkeys(LearningOutcome.values, 0)
    for row in batch.items.values("outcome").annotate(n=Count("pk")):
        outcomes[row["outcome"]] = row["n"]
    return {
        "files": len(batch.files),
        "questions": sum(meta["questions"] for meta in batch.files),
        "answered": sum(meta["answered"] for meta in batch.files),
        **outcomes,
    }


def learning_item_list(batch: LearningBatch, *, outcome: str):
    """The batch's items with one outcome, in file order, with their entries."""
    return (
        batch.items.filter(outcome=outcome)
        .select_related("suggested_entry__approved_version", "drafted_entry")
        .order_by("order")
    )


def learning_group_list(item: LearningItem) -> list[LearningItem]:
    """The item and the near-duplicate answers grouped with it in its batch, in file order."""
    if not item.group_key:
        return [item]
    return list(item.batch.items.filter(group_key=item.group_key).order_by("order"))


def response_candidate_list(response) -> list[dict]:
    """The library entries auto-fill weighed for a response, best first, each with `refusal`: why its answer
    may not be used here (`library.policies.leave_refusal`, drafting rules), or None. Entries since deleted
    are left out; one query."""
    stored = response.candidates or []
    entries = LibraryEntry.objects.select_related("approved_version__entry").in_bulk(
        [candidate["entry_id"] for candidate in stored]
    )
    rows = []
    for candidate in stored:
        entry = entries.get(candidate["entry_id"])
        if entry is None:
            continue
        version = entry.approved_version
        refusal = leave_refusal(version, nda_covered=True) if version is not None else LeaveRefusal.NOT_APPROVED
        rows.append(
            {
                "entry": entry,
                "question": version.question if version is not None else candidate.get("question", ""),
                "confidence": candidate["confidence"],
                "percent": confidence_percent(candidate["confidence"]),
                "refusal": refusal.label if refusal else None,
                "is_current": response.source_version_id is not None
                and response.source_version_id == entry.approved_version_id,
            }
        )
    return rows
