"""Questionnaire pages: list, upload, review with progress, one response, mapping, export."""

import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.policies import Intent, organisations_for
from accounts.redirects import safe_next_url
from accounts.selectors import colleague_list
from accounts.step_up import require_step_up
from accounts.view_errors import error_message, errors_into_form, require
from audit.services import audit_record
from fileformats import uploads
from library import policies as library_policies
from library import selectors as library_selectors

from .. import exporting, policies, selectors, services
from ..forms import (
    AssignForm,
    CommentForm,
    QuestionnaireSettingsForm,
    QuestionnaireUploadForm,
    ResponseEditForm,
)
from ..models import Questionnaire, QuestionnaireStatus, ResponseStatus

QUESTIONS_PER_PAGE = 100
REVIEW_FILTERS = {
    "": "All",
    ResponseStatus.NEEDS_ATTENTION: "Needs attention",
    ResponseStatus.SUGGESTED: "Suggested",
    ResponseStatus.ACCEPTED: "Accepted",
    ResponseStatus.APPROVED: "Approved",
    "flagged": "Flagged",
}


def _workers():
    return colleague_list()


@login_required
@require_GET
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    require(policies.can_view_library(request.user))
    show_all = request.GET.get("all") == "1"
    questionnaires = selectors.questionnaires_with_counts(
        selectors.questionnaire_list(user=request.user, include_completed=show_all)
    )
    return render(
        request,
        "questionnaires/questionnaire_list.html",
        {
            "questionnaires": questionnaires,
            "show_all": show_all,
            "can_upload": policies.can_work_on_questionnaires(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_create(request: HttpRequest) -> HttpResponse:
    require(policies.can_work_on_questionnaires(request.user))
    form = QuestionnaireUploadForm(
        request.POST or None, request.FILES or None, organisations=organisations_for(request.user)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                questionnaire = services.questionnaire_create(
                    actor=request.user,
                    filename=upload.name,
                    data=upload.read(uploads.QUESTIONNAIRE.max_bytes + 1),
                    title=form.cleaned_data["title"],
                    organisation=form.cleaned_data["organisation"],
                    due_on=form.cleaned_data["due_on"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error("file", error_message(error))
            else:
                questionnaire.refresh_from_db()
                if questionnaire.status == QuestionnaireStatus.FAILED:
                    # Tasks ran in-process and the parser refused the file: report it here, keep nothing.
                    message = questionnaire.import_error
                    questionnaire.source_file.delete(save=False)
                    questionnaire.delete()
                    form.add_error("file", message)
                else:
                    return redirect(reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]))
    return render(request, "questionnaires/questionnaire_create.html", {"form": form}, status=status)


@login_required
@require_GET
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = policies.questionnaire_get_for(request.user, pk)
    if questionnaire.status in (
        QuestionnaireStatus.IMPORTING,
        QuestionnaireStatus.FAILED,
        QuestionnaireStatus.NEEDS_MAPPING,
    ):
        return render(
            request,
            "questionnaires/questionnaire_importing.html",
            {"questionnaire": questionnaire, "can_retry": policies.can_work_on_questionnaires(request.user)},
        )
    status = request.GET.get("status", "")
    if status not in REVIEW_FILTERS:
        status = ""
    query = request.GET.get("q", "").strip()[:200]
    assignee_id = request.user.pk if request.GET.get("mine") == "1" else None
    filters = {"questionnaire": questionnaire, "status": status, "assignee_id": assignee_id, "query": query}
    # A junk or out-of-range page number shows the first or last page rather than an error.
    questions_found = selectors.question_list(**filters, with_contributors=False)
    page = Paginator(questions_found, QUESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    user = request.user
    can_review = policies.can_review_library(user)
    questions = list(page.object_list)
    # The four-eyes rule for the whole questionnaire in one query (its bulk form): the rows' Approve buttons and
    # the approve-all count, rather than row by row with everyone's edits and again inside the counts.
    approvable = selectors.approvable_response_ids(questionnaire, user=user) if can_review else set()
    urls = _ReviewRowUrls(questionnaire.pk)
    for question in questions:
        response = getattr(question, "response", None)
        question.approval_allowed = response is not None and response.pk in approvable
        question.urls = urls.for_question(question)
    section_index = _section_index(selectors.question_section_list(**filters))
    counts = {**selectors.questionnaire_counts(questionnaire), "approvable": len(approvable)}
    page_query = request.GET.copy()
    page_query.pop("page", None)
    return render(
        request,
        "questionnaires/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "page": page,
            "page_query": page_query.urlencode(),
            "sections": _page_sections(questions, section_index),
            "section_index": section_index,
            "counts": counts,
            "bar": _progress_bar(counts),
            "filters": REVIEW_FILTERS,
            "status": status,
            "query": query,
            "mine": assignee_id is not None,
            "can_work": policies.can_work_on_questionnaires(user),
            "can_review": can_review,
            "approvable": counts["approvable"],
        },
    )


class _ReviewRowUrls:
    """The links of each review row, from one `reverse()` per kind of link rather than several per row: a page of
    100 rows spent more time resolving URLs than reading its rows."""

    PLACEHOLDER = "987654321987654321"  # an integer no row has; the question's pk replaces its last occurrence

    def __init__(self, questionnaire_pk: int):
        self.patterns = {
            "detail": reverse("questionnaires:response-detail", args=[questionnaire_pk, self.PLACEHOLDER]),
            "accept": reverse("questionnaires:response-action", args=[questionnaire_pk, self.PLACEHOLDER, "accept"]),
            "approve": reverse("questionnaires:response-approve", args=[questionnaire_pk, self.PLACEHOLDER]),
        }
        self.entries: dict[str, str] = {}

    def entry(self, key: str) -> str:
        if key not in self.entries:
            self.entries[key] = reverse("library:entry-detail", args=[key])
        return self.entries[key]

    def for_question(self, question) -> dict[str, str]:
        pk = str(question.pk)
        urls = {}
        for name, pattern in self.patterns.items():
            before, _, after = pattern.rpartition(self.PLACEHOLDER)
            urls[name] = f"{before}{pk}{after}"
        response = getattr(question, "response", None)
        if response is not None and response.source_version is not None:
            urls["source_entry"] = self.entry(response.source_version.entry.key)
        if response is not None and response.internal_match:
            urls["suggested_entry"] = self.entry(response.suggested_entry.key)
        return urls


def _section_index(sections: list[dict]) -> list[dict]:
    """Each matching section with its anchor number and the page its first question is on."""
    return [
        {**section, "number": number, "page": section["start"] // QUESTIONS_PER_PAGE + 1}
        for number, section in enumerate(sections, start=1)
    ]


def _page_sections(questions: list, section_index: list[dict]) -> list[dict]:
    """The page's questions in runs of one section, each run knowing its whole section (count, anchor) and
    whether it continues from the previous page."""
    by_name = {section["name"]: section for section in section_index}
    runs = []
    for name, items in itertools.groupby(questions, key=lambda question: question.section):
        rows = list(items)
        section = by_name.get(name, {"name": name, "count": len(rows), "number": 0, "first": rows[0].order})
        runs.append({"section": section, "questions": rows, "continued": rows[0].order != section["first"]})
    return runs


def _progress_bar(counts: dict) -> list[dict]:
    total = counts["total"] or 1
    parts = [
        ("approved", "Approved"),
        ("accepted", "Accepted"),
        ("suggested", "Suggested"),
        ("attention", "Needs attention"),
    ]
    bar, offset = [], 0.0
    for name, label in parts:
        percent = round(100 * counts[name] / total, 2)
        bar.append(
            {"name": name, "label": label, "count": counts[name], "percent": percent, "offset": round(offset, 2)}
        )
        offset += percent
    return bar


@login_required
@require_GET
def questionnaire_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Import progress for the page's progress bar (polled while importing)."""
    questionnaire = policies.questionnaire_get_for(request.user, pk)
    return JsonResponse(
        {"status": questionnaire.status, "progress": questionnaire.progress, "error": questionnaire.import_error}
    )


@login_required
@require_POST
def questionnaire_import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = policies.questionnaire_get_for(request.user, pk)
    require(policies.can_work_on_questionnaires(request.user))
    try:
        services.questionnaire_import_retry(actor=request.user, questionnaire=questionnaire, request=request)
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "The import was queued again.")
    return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_settings(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = policies.questionnaire_get_for(request.user, pk, for_=Intent.EDIT)
    form = QuestionnaireSettingsForm(
        request.POST or None,
        initial={
            "title": questionnaire.title,
            "organisation": questionnaire.organisation,
            "due_on": questionnaire.due_on,
            "owner": questionnaire.owner,
        },
        organisations=organisations_for(request.user),
        owners=_workers(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_update(
                actor=request.user, questionnaire=questionnaire, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            messages.success(request, "Questionnaire details saved.")
            return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))
    status = 400 if form.errors else 200
    context = {"questionnaire": questionnaire, "form": form}
    return render(request, "questionnaires/questionnaire_settings.html", context, status=status)


@login_required
@require_POST
def questionnaire_complete(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = policies.questionnaire_get_for(request.user, pk, for_=Intent.EDIT)
    if request.POST.get("confirm") != "delivered":
        messages.error(request, "Tick the box to confirm the answers were sent to the customer. Nothing was changed.")
        return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))
    try:
        services.questionnaire_complete(actor=request.user, questionnaire=questionnaire, request=request)
    except ValidationError as error:
        messages.error(request, error_message(error))
        return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))
    messages.success(request, f"{questionnaire.title} marked as delivered.")
    return redirect(reverse("questionnaires:questionnaire-list"))


@login_required
@require_GET
def questionnaire_export(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = policies.questionnaire_get_for(request.user, pk)
    draft = request.GET.get("draft") == "1"
    try:
        exported = exporting.questionnaire_export(questionnaire, draft=draft)
    except exporting.ExportError as error:
        messages.error(request, error_message(error))
        return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))
    audit_record(
        action="questionnaire.exported",
        obj=questionnaire,
        data={"draft": draft, "written": exported.written, "skipped": len(exported.skipped)},
        request=request,
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


# --- One response ---------------------------------------------------------------------------------


def _response_page(request: HttpRequest, questionnaire: Questionnaire, response, *, edit_form=None, status=200):
    query = request.GET.get("entry_q", "").strip()[:200]
    candidates = []
    if query:
        candidates = list(
            library_selectors.entry_list(user=request.user, query=query, status="approved").exclude(
                classification="internal"
            )[:10]
        )
    return render(
        request,
        "questionnaires/response_detail.html",
        {
            "questionnaire": questionnaire,
            "response": response,
            "question": response.question,
            "edit_form": edit_form
            or ResponseEditForm(
                initial={"text": response.text, "choice": response.choice}, options=response.question.choice_options
            ),
            "assign_form": AssignForm(initial={"assignee": response.assignee}, people=_workers()),
            "comment_form": CommentForm(),
            "comments": response.comments.select_related("author"),
            "entry_query": query,
            "candidates": candidates,
            "match_candidates": selectors.response_candidate_list(response),
            "can_work": policies.can_work_on_questionnaires(request.user),
            "approval_refusal": policies.response_approval_refusal(request.user, response),
            "can_review": policies.can_review_library(request.user),
            "neighbours": _neighbours(questionnaire, response.question),
        },
        status=status,
    )


def _neighbours(questionnaire: Questionnaire, question) -> dict:
    order = question.order
    questions = questionnaire.questions
    return {
        "previous": questions.filter(order__lt=order).order_by("-order").values_list("pk", flat=True).first(),
        "next": questions.filter(order__gt=order).order_by("order").values_list("pk", flat=True).first(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def response_detail(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire = policies.questionnaire_get_for(request.user, pk)
    response = policies.response_get_for(request.user, questionnaire, question_pk)
    if request.method == "POST":
        response = policies.response_get_for(request.user, questionnaire, question_pk, for_=Intent.EDIT)
        form = ResponseEditForm(request.POST, options=response.question.choice_options)
        if form.is_valid():
            try:
                services.response_edit(
                    actor=request.user,
                    response=response,
                    text=form.cleaned_data["text"],
                    choice=form.cleaned_data.get("choice", ""),
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, error_message(error))
            else:
                messages.success(request, f"Answer to {response.question.ref} saved and accepted.")
                return redirect(_next_url(request, questionnaire, response))
        return _response_page(request, questionnaire, response, edit_form=form, status=400)
    return _response_page(request, questionnaire, response)


def _next_url(request: HttpRequest, questionnaire: Questionnaire, response) -> str:
    fallback = reverse("questionnaires:response-detail", args=[questionnaire.pk, response.question_id])
    return safe_next_url(request, fallback)


@login_required
@require_POST
def response_action(request: HttpRequest, pk: int, question_pk: int, action: str) -> HttpResponse:
    """Small actions from the review page and the response page: accept, flag, unflag, assign,
    comment, use-entry, propose, reopen."""
    intent = Intent.APPROVE if action == "reopen" else Intent.EDIT
    questionnaire = policies.questionnaire_get_for(request.user, pk, for_=intent)
    response = policies.response_get_for(request.user, questionnaire, question_pk, for_=intent)
    user = request.user
    try:
        if action == "accept":
            services.response_accept(actor=user, response=response, request=request)
        elif action in ("flag", "unflag"):
            services.response_flag(actor=user, response=response, flagged=action == "flag", request=request)
        elif action == "assign":
            form = AssignForm(request.POST, people=_workers())
            if not form.is_valid():
                raise ValidationError("Choose a colleague from the list.")
            services.response_assign(
                actor=user, response=response, assignee=form.cleaned_data["assignee"], request=request
            )
        elif action == "comment":
            form = CommentForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Write a comment first.")
            services.response_comment(actor=user, response=response, body=form.cleaned_data["body"], request=request)
        elif action == "use-entry":
            try:
                entry = library_policies.entry_get_for(user, request.POST.get("entry", "")[:100])
            except Http404:
                raise ValidationError("No library entry with that key.") from None
            services.response_use_entry(actor=user, response=response, entry=entry, request=request)
        elif action == "propose":
            version = services.response_propose_to_library(actor=user, response=response, request=request)
            messages.success(request, f"Proposed as draft version {version.number} of {version.entry.key}.")
        elif action == "reopen":
            services.response_reopen(actor=user, response=response, request=request)
        else:
            raise PermissionDenied
    except ValidationError as error:
        messages.error(request, error_message(error))
    except PermissionDenied as error:
        if not str(error):
            raise  # a bare refusal (an unknown action) is a 403 page, not a message
        messages.error(request, error_message(error))
    return redirect(_next_url(request, questionnaire, response))


@login_required
@require_POST
@require_step_up
def response_approve(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire = policies.questionnaire_get_for(request.user, pk, for_=Intent.APPROVE)
    response = policies.response_get_for(request.user, questionnaire, question_pk, for_=Intent.APPROVE)
    try:
        services.response_approve(actor=request.user, response=response, request=request)
    except PermissionDenied as error:
        messages.error(request, error_message(error, default="You may not approve this response."))
    else:
        messages.success(request, f"Answer to {response.question.ref} approved.")
    return redirect(_next_url(request, questionnaire, response))


@login_required
@require_POST
@require_step_up
def questionnaire_approve_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve every accepted response this lead may approve (not those they last edited)."""
    questionnaire = policies.questionnaire_get_for(request.user, pk, for_=Intent.APPROVE)
    approved = skipped = 0
    for question in selectors.question_list(questionnaire=questionnaire, status=ResponseStatus.ACCEPTED):
        if not policies.can_approve_response(request.user, question.response):
            skipped += 1
            continue
        services.response_approve(actor=request.user, response=question.response, request=request)
        approved += 1
    messages.success(
        request,
        f"{approved} response{'s' if approved != 1 else ''} approved."
        + (f" {skipped} you wrote or edited were left for another lead." if skipped else ""),
    )
    return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))


@login_required
@require_POST
def questionnaire_accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept every suggested response as proposed; each still needs a security lead's approval."""
    questionnaire = policies.questionnaire_get_for(request.user, pk, for_=Intent.EDIT)
    accepted = 0
    for question in selectors.question_list(questionnaire=questionnaire, status=ResponseStatus.SUGGESTED):
        try:
            services.response_accept(actor=request.user, response=question.response, request=request)
        except ValidationError:
            continue  # e.g. a dropdown with no matching value: left for a person
        accepted += 1
    messages.success(
        request, f"{accepted} suggested answer{'s' if accepted != 1 else ''} accepted; they now wait for approval."
    )
    return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))
