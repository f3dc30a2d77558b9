"""Answer library pages: list, entry with history, edit, review queue, health."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.ids import id_from
from accounts.policies import Intent
from accounts.redirects import safe_next_url
from accounts.selectors import colleague_list
from accounts.step_up import require_step_up
from accounts.view_errors import error_message, errors_into_form, require

from .. import content, policies, selectors, services
from ..forms import (
    DiffForm,
    EntryCreateForm,
    EntrySettingsForm,
    LibraryFilterForm,
    RejectForm,
    VersionTextForm,
)
from ..models import LibraryEntry, LibraryEntryVersion, VersionStatus
from ..wording_diff import version_diff


def _text_from(form) -> services.VersionText:
    data = form.cleaned_data
    return services.VersionText(
        question=data["question"],
        answer=data["answer"],
        short_answer=data.get("short_answer") or "",
        aliases=tuple(data.get("aliases", "").splitlines()),
        sources=data.get("sources", ""),
    )


# --- Lists ----------------------------------------------------------------------------------------


@login_required
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    require(policies.can_view_library(request.user))
    owners = colleague_list()
    form = LibraryFilterForm(request.GET or None, categories=selectors.category_list(user=request.user), owners=owners)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.entry_list(
        user=request.user,
        query=filters.get("q", ""),
        category=filters.get("category", ""),
        classification=filters.get("classification", ""),
        status=filters.get("status", ""),
        owner_id=filters["owner"].pk if filters.get("owner") else None,
    )
    page = Paginator(entries, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "library/entry_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status_chips": _status_chips(selectors.status_counts(user=request.user)),
            "can_edit": policies.can_edit_library(request.user),
            "today": timezone.localdate(),
        },
    )


def _status_chips(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(name, label, counts[name]) for name, label in selectors.STATUS_FILTERS.items()]


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    require(policies.can_review_library(request.user))
    versions = list(selectors.review_queue(user=request.user))
    rows = [(version, policies.approval_refusal(request.user, version)) for version in versions]
    return render(request, "library/review_queue.html", {"rows": rows})


@login_required
@require_GET
def my_drafts(request: HttpRequest) -> HttpResponse:
    require(policies.can_edit_library(request.user))
    return render(request, "library/my_drafts.html", {"versions": selectors.my_drafts(user=request.user)})


@login_required
@require_GET
def due_for_review(request: HttpRequest) -> HttpResponse:
    require(policies.can_view_library(request.user))
    return render(
        request,
        "library/due_for_review.html",
        {"entries": selectors.due_for_review(user=request.user), "today": timezone.localdate()},
    )


@login_required
@require_GET
def library_health(request: HttpRequest) -> HttpResponse:
    require(policies.can_view_library(request.user))
    health = selectors.library_health(user=request.user)
    return render(request, "library/library_health.html", {"health": health, "chart": _health_chart(health)})


def _health_chart(health: dict) -> dict:
    """Geometry of a horizontal stacked bar chart (approved / other / overdue per category), drawn as SVG."""
    rows = health["by_category"]
    scale_max = max((row["total"] for row in rows), default=1) or 1
    bar_area = 560
    bars = []
    for index, row in enumerate(rows):
        approved = row["approved"]
        overdue = row["overdue"]
        other = max(row["total"] - approved - overdue, 0)
        widths = [round(bar_area * value / scale_max, 1) for value in (approved, other, overdue)]
        bars.append(
            {
                "y": 10 + index * 30,
                "label_y": 10 + index * 30 + 15,
                "category": row["category"],
                "total": row["total"],
                "approved_w": widths[0],
                "other_x": 150 + widths[0],
                "other_w": widths[1],
                "overdue_x": 150 + widths[0] + widths[1],
                "overdue_w": widths[2],
                "total_x": 150 + sum(widths) + 8,
                "approved": approved,
                "overdue": overdue,
                "other": other,
            }
        )
    return {"bars": bars, "height": 20 + len(rows) * 30}


# --- One entry ------------------------------------------------------------------------------------


@login_required
@require_GET
def entry_detail(request: HttpRequest, key: str) -> HttpResponse:
    entry = policies.entry_get_for(request.user, key)
    versions = list(entry.versions.select_related("author", "approver", "reviewed_by", "last_edited_by"))
    diff = None
    diff_form = DiffForm(request.GET or None)
    if request.GET and diff_form.is_valid():
        by_number = {v.number: v for v in versions}
        old, new = by_number.get(diff_form.cleaned_data["old"]), by_number.get(diff_form.cleaned_data["new"])
        if old and new:
            diff = {"old": old, "new": new, "fields": version_diff(old, new)}
    open_version = next((v for v in versions if v.is_open), None)
    return render(
        request,
        "library/entry_detail.html",
        {
            "entry": entry,
            "approved": entry.approved_version,
            "open_version": open_version,
            "versions": versions,
            "diff": diff,
            "can_edit": policies.can_edit_library(request.user) and not entry.is_retired,
            "can_review": policies.can_review_library(request.user),
            "approval_refusal": policies.approval_refusal(request.user, open_version) if open_version else None,
            "reject_form": RejectForm(),
            "allowlist": content.firewall_allowlist() if entry.figure == "firewall_allowlist" else [],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest) -> HttpResponse:
    require(policies.can_edit_library(request.user))
    form = EntryCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                actor=request.user,
                key=form.cleaned_data["key"],
                category=form.cleaned_data["category"],
                classification=form.cleaned_data["classification"],
                text=_text_from(form),
                request=request,
            )
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            messages.success(request, "Draft saved. Submit it for review when it is ready.")
            return redirect(reverse("library:entry-detail", args=[entry.key]))
    return render(request, "library/entry_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, key: str) -> HttpResponse:
    entry = policies.entry_get_for(request.user, key, for_=Intent.EDIT)
    source = (
        entry.versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]).first() or entry.latest_version
    )
    initial = {
        "question": source.question,
        "answer": source.answer,
        "short_answer": source.short_answer,
        "aliases": source.aliases,
        "sources": source.sources,
    }
    form = VersionTextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_save_draft(
                actor=request.user, entry=entry, text=_text_from(form), request=request
            )
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            if request.POST.get("submit_for_review"):
                services.version_submit(actor=request.user, version=version, request=request)
                messages.success(request, f"Version {version.number} submitted for review.")
            else:
                messages.success(request, f"Draft version {version.number} saved.")
            return redirect(reverse("library:entry-detail", args=[entry.key]))
    return render(
        request,
        "library/entry_edit.html",
        {"entry": entry, "form": form, "source": source, "starts_new_version": not source.is_open},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_settings(request: HttpRequest, key: str) -> HttpResponse:
    entry = policies.entry_get_for(request.user, key, for_=Intent.APPROVE)
    form = EntrySettingsForm(
        request.POST or None,
        initial={
            "category": entry.category,
            "classification": entry.classification,
            "owner": entry.owner,
            "figure": entry.figure,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.entry_update_settings(actor=request.user, entry=entry, request=request, **form.cleaned_data)
        messages.success(request, "Entry settings saved.")
        return redirect(reverse("library:entry-detail", args=[entry.key]))
    return render(request, "library/entry_settings.html", {"entry": entry, "form": form})


def _version(request: HttpRequest, key: str, number: int, *, for_: Intent) -> tuple[LibraryEntry, LibraryEntryVersion]:
    entry = policies.entry_get_for(request.user, key, for_=for_)
    return entry, policies.version_get_for(request.user, entry, number, for_=for_)


def _back(request: HttpRequest, entry: LibraryEntry) -> HttpResponse:
    return redirect(safe_next_url(request, reverse("library:entry-detail", args=[entry.key])))


@login_required
@require_POST
def version_submit(request: HttpRequest, key: str, number: int) -> HttpResponse:
    entry, version = _version(request, key, number, for_=Intent.EDIT)
    try:
        services.version_submit(actor=request.user, version=version, request=request)
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Version {number} is in the review queue.")
    return _back(request, entry)


@login_required
@require_POST
@require_step_up
def version_approve(request: HttpRequest, key: str, number: int) -> HttpResponse:
    entry, version = _version(request, key, number, for_=Intent.APPROVE)
    try:
        services.version_approve(actor=request.user, version=version, request=request)
    except PermissionDenied as error:
        messages.error(request, error_message(error, default="You may not approve this version."))
        return _back(request, entry)
    messages.success(request, f"Version {number} of {key} approved. It is now the answer in force.")
    return _back(request, entry)


@login_required
@require_POST
@require_step_up
def review_approve_bulk(request: HttpRequest) -> HttpResponse:
    require(policies.can_review_library(request.user))
    ids = [pk for pk in map(id_from, request.POST.getlist("version")[:500]) if pk]
    approved, refused = 0, []
    for version in selectors.review_queue(user=request.user).filter(pk__in=ids):
        try:
            services.version_approve(actor=request.user, version=version, request=request)
            approved += 1
        except PermissionDenied as error:
            refused.append(f"{version.entry.key}: {error}")
    if approved:
        messages.success(request, f"{approved} version{'s' if approved != 1 else ''} approved.")
    for message in refused[:10]:
        messages.error(request, message)
    if not approved and not refused:
        messages.info(request, "Select the versions to approve first.")
    return redirect(reverse("library:review-queue"))


@login_required
@require_POST
def version_reject(request: HttpRequest, key: str, number: int) -> HttpResponse:
    entry, version = _version(request, key, number, for_=Intent.APPROVE)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A rejection needs a comment saying what must change.")
        return _back(request, entry)
    try:
        services.version_reject(
            actor=request.user, version=version, comment=form.cleaned_data["comment"], request=request
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Version {number} sent back to its author.")
    return _back(request, entry)


@login_required
@require_POST
def entry_retire(request: HttpRequest, key: str) -> HttpResponse:
    entry = policies.entry_get_for(request.user, key, for_=Intent.APPROVE)
    if request.POST.get("restore"):
        services.entry_restore(actor=request.user, entry=entry, request=request)
        messages.success(request, f"{key} restored.")
    else:
        services.entry_retire(actor=request.user, entry=entry, request=request)
        messages.success(request, f"{key} retired: auto-fill and exports no longer use it.")
    return _back(request, entry)
