"""Learning from answered questionnaires: upload them, then confirm links, reject them or draft new entries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_POST

from accounts.policies import Intent
from accounts.view_errors import error_message, require
from fileformats import uploads

from .. import policies, selectors, services
from ..forms import ConfirmAboveForm, LearningUploadForm
from ..models import LearningBatch, LearningOutcome
from ..services.learning import CONFIRM_THRESHOLD


@login_required
@require_http_methods(["GET", "POST"])
def learning_create(request: HttpRequest) -> HttpResponse:
    require(policies.can_work_on_questionnaires(request.user))
    form = LearningUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            files = [
                (upload.name, upload.read(uploads.QUESTIONNAIRE.max_bytes + 1)) for upload in form.cleaned_data["files"]
            ]
            try:
                batch = services.learning_batch_create(actor=request.user, files=files, request=request)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("files", message)
            else:
                return redirect(reverse("questionnaires:learning-detail", args=[batch.pk]))
    return render(
        request,
        "questionnaires/learning_create.html",
        {"form": form, "batches": selectors.learning_batch_list(user=request.user)},
        status=status,
    )


def _proposal_groups(items) -> list[dict]:
    """Proposals with their near-duplicates folded under the first of each group."""
    groups: dict[str, dict] = {}
    for item in items:
        key = item.group_key or f"item-{item.pk}"
        if key in groups:
            groups[key]["others"].append(item)
        else:
            groups[key] = {"item": item, "others": []}
    return list(groups.values())


def _skipped_reasons(items) -> list[dict]:
    reasons: dict[str, dict] = {}
    for item in items:
        reasons.setdefault(item.reason, {"reason": item.reason, "items": []})["items"].append(item)
    return sorted(reasons.values(), key=lambda row: -len(row["items"]))


@login_required
@require_http_methods(["GET"])
def learning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch: LearningBatch = policies.learning_batch_get_for(request.user, pk)
    file_names = list(batch.file_names)
    shown_file = request.GET.get("file", "")
    if shown_file not in file_names:
        shown_file = ""
    waiting_only = request.GET.get("show") == "waiting"

    def shown(items):
        return [
            item
            for item in items
            if (not shown_file or item.file_name == shown_file) and (not waiting_only or item.is_pending)
        ]

    links = shown(selectors.learning_item_list(batch, outcome=LearningOutcome.LINKED))
    proposal_groups = [
        group
        for group in _proposal_groups(selectors.learning_item_list(batch, outcome=LearningOutcome.PROPOSED))
        if shown([group["item"], *group["others"]])
    ]
    skipped = [] if waiting_only else shown(selectors.learning_item_list(batch, outcome=LearningOutcome.SKIPPED))
    pending_links = [item for item in links if item.is_pending]
    return render(
        request,
        "questionnaires/learning_detail.html",
        {
            "batch": batch,
            "counts": selectors.learning_batch_counts(batch),
            "links": links,
            "pending_links": len(pending_links),
            "proposal_groups": proposal_groups,
            "skipped_reasons": _skipped_reasons(skipped),
            "file_names": file_names,
            "shown_file": shown_file,
            "waiting_only": waiting_only,
            "filtered": bool(shown_file or waiting_only),
            "skipped_count": len(skipped),
            "can_work": policies.can_work_on_questionnaires(request.user),
            "confirm_form": ConfirmAboveForm(initial={"percent": round(CONFIRM_THRESHOLD * 100)}),
        },
    )


def _back(batch: LearningBatch, anchor: str = "", **query: str) -> HttpResponse:
    shown = f"?{urlencode(query)}" if query else ""
    return redirect(reverse("questionnaires:learning-detail", args=[batch.pk]) + shown + anchor)


@login_required
@require_POST
def learning_item_confirm(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    batch = policies.learning_batch_get_for(request.user, pk, for_=Intent.EDIT)
    item = policies.learning_item_get_for(request.user, batch, item_pk, for_=Intent.EDIT)
    try:
        services.learning_item_confirm(actor=request.user, item=item, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(
            request, f"Learned: “{Truncator(item.question_text).chars(80)}” is answered by {item.suggested_entry.key}."
        )
    return _back(batch, "#links")


@login_required
@require_POST
def learning_item_reject(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    batch = policies.learning_batch_get_for(request.user, pk, for_=Intent.EDIT)
    item = policies.learning_item_get_for(request.user, batch, item_pk, for_=Intent.EDIT)
    try:
        services.learning_item_reject(actor=request.user, item=item, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_message(error))
    else:
        if item.outcome == LearningOutcome.PROPOSED:
            messages.success(
                request, f"Proposal from {item.file_name} {item.ref} dismissed; nothing was learned from it."
            )
            return _back(batch, "#proposals")
        messages.success(request, f"Link rejected for {item.file_name} {item.ref}; nothing was learned from it.")
    return _back(batch, "#links")


@login_required
@require_POST
def learning_item_draft(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    batch = policies.learning_batch_get_for(request.user, pk, for_=Intent.EDIT)
    item = policies.learning_item_get_for(request.user, batch, item_pk, for_=Intent.EDIT)
    try:
        entry = services.learning_item_draft(actor=request.user, item=item, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_message(error))
        return _back(batch, "#proposals")
    phrasings = len(entry.latest_version.alias_list)
    messages.success(
        request,
        f"Draft entry {entry.key} created"
        + (f" with {phrasings} more phrasing{'s' if phrasings != 1 else ''} of its question" if phrasings else "")
        + ". Edit and submit it for review in the library.",
    )
    return redirect(reverse("library:entry-detail", args=[entry.key]))


@login_required
@require_POST
def learning_confirm_above(request: HttpRequest, pk: int) -> HttpResponse:
    batch = policies.learning_batch_get_for(request.user, pk, for_=Intent.EDIT)
    form = ConfirmAboveForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Give a percentage between 0 and 100.", status=400, content_type="text/plain")
    percent, answer_only = form.cleaned_data["percent"], form.cleaned_data["answer_only"]
    file_name = form.cleaned_data["file"]
    confirmed = services.learning_batch_confirm_above(
        actor=request.user, batch=batch, threshold=percent / 100, answer_only=answer_only, file_name=file_name
    )
    messages.success(
        request,
        f"{confirmed} link{'s' if confirmed != 1 else ''} at or above {percent}%"
        + (" found by the answer's wording" if answer_only else "")
        + (f" in {file_name}" if file_name else "")
        + " confirmed.",
    )
    return _back(batch, "#links", **({"file": file_name} if file_name else {}))
