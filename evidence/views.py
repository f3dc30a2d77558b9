"""Evidence vault pages for staff: documents, their versions and downloads, classification and citations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.policies import Intent
from accounts.selectors import colleague_list
from accounts.step_up import require_step_up
from accounts.view_errors import error_message, errors_into_form, require

from . import policies, selectors, services
from .forms import (
    CitationForm,
    CitationRemoveForm,
    ClassificationForm,
    DocumentCreateForm,
    DocumentFilterForm,
    ExpiryForm,
    VersionForm,
)


def _dates(data: dict) -> services.VersionDates:
    return services.VersionDates(
        effective_on=data.get("effective_on"),
        expires_on=data.get("expires_on"),
        period_start=data.get("period_start"),
        period_end=data.get("period_end"),
    )


@login_required
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    require(policies.can_view_evidence(request.user))
    form = DocumentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    documents = selectors.document_list(
        user=request.user, kind=filters.get("kind", ""), classification=filters.get("classification", "")
    )
    return render(
        request,
        "evidence/document_list.html",
        {
            "form": form,
            "documents": documents,
            "filtered": bool(filters.get("kind") or filters.get("classification")),
            "can_manage": policies.can_manage_evidence(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    require(policies.can_manage_evidence(request.user))
    form = DocumentCreateForm(request.POST or None, request.FILES or None, owners=colleague_list())
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                document = services.document_create(
                    actor=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    classification=data["classification"],
                    owner=data["owner"],
                    description=data["description"],
                    filename=upload.name,
                    data=upload.read(),
                    dates=_dates(data),
                    request=request,
                )
            except ValidationError as error:
                errors_into_form(form, error)
            else:
                messages.success(request, f"{document.title} added. The file passed every check.")
                return redirect("evidence:document-detail", pk=document.pk)
        return render(request, "evidence/document_create.html", {"form": form}, status=400)
    return render(request, "evidence/document_create.html", {"form": form})


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = policies.document_get_for(request.user, pk)
    current = document.current_version
    return render(
        request,
        "evidence/document_detail.html",
        {
            "document": document,
            "current": current,
            "versions": selectors.version_history(document=document),
            "can_manage": policies.can_manage_evidence(request.user),
            "can_classify": policies.can_classify_evidence(request.user),
            "classification_form": ClassificationForm(initial={"classification": document.classification}),
            "citation_form": CitationForm(),
            "expiry_form": ExpiryForm(initial={"expires_on": current.expires_on if current else None}),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    document = policies.document_get_for(request.user, pk, for_=Intent.EDIT)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = services.version_add(
                    actor=request.user,
                    document=document,
                    filename=upload.name,
                    data=upload.read(),
                    dates=_dates(form.cleaned_data),
                    request=request,
                )
            except ValidationError as error:
                errors_into_form(form, error)
            else:
                messages.success(request, f"Version {version.number} is now current; the previous one is superseded.")
                return redirect("evidence:document-detail", pk=document.pk)
        return render(request, "evidence/version_create.html", {"document": document, "form": form}, status=400)
    return render(request, "evidence/version_create.html", {"document": document, "form": form})


@login_required
@require_GET
def version_download(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = policies.version_get_for(request.user, pk, number)
    response = FileResponse(
        services.version_open(actor=request.user, version=version, request=request),
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    # Never rendered in our origin, never cached: a hostile file that slipped past the checks stays inert.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
@require_POST
def version_expiry(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = policies.version_get_for(request.user, pk, number, for_=Intent.EDIT)
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the expiry date as a date, or leave it empty.")
        return redirect("evidence:document-detail", pk=pk)
    try:
        services.version_expiry_set(
            actor=request.user, version=version, expires_on=form.cleaned_data["expires_on"], request=request
        )
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Expiry date of version {number} saved.")
    return redirect("evidence:document-detail", pk=pk)


@login_required
@require_POST
@require_step_up
def document_classify(request: HttpRequest, pk: int) -> HttpResponse:
    document = policies.document_get_for(request.user, pk, for_=Intent.APPROVE)
    form = ClassificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose public, NDA only or internal.")
        return redirect("evidence:document-detail", pk=pk)
    document = services.document_classify(
        actor=request.user, document=document, classification=form.cleaned_data["classification"], request=request
    )
    messages.success(request, f"{document.title} is now {document.get_classification_display().lower()}.")
    return redirect("evidence:document-detail", pk=pk)


@login_required
@require_POST
def citation_add(request: HttpRequest, pk: int) -> HttpResponse:
    document = policies.document_get_for(request.user, pk, for_=Intent.EDIT)
    form = CitationForm(request.POST)
    if document.current_version is None:
        messages.error(request, "This document has no version to cite yet.")
    elif not form.is_valid():
        messages.error(request, " ".join(form.errors.get("keys", ["Name at least one library entry by its key."])))
    else:
        try:
            cited = services.citation_add(
                actor=request.user, version=document.current_version, keys=form.cleaned_data["keys"], request=request
            )
        except ValidationError as error:
            messages.error(request, error_message(error))
        else:
            messages.success(request, f"Cited by {', '.join(str(v) for v in cited)}.")
    return redirect("evidence:document-detail", pk=pk)


@login_required
@require_POST
def citation_remove(request: HttpRequest, pk: int) -> HttpResponse:
    document = policies.document_get_for(request.user, pk, for_=Intent.EDIT)
    form = CitationRemoveForm(request.POST)
    if document.current_version is None or not form.is_valid():
        messages.error(request, "Choose a citation to remove.")
        return redirect("evidence:document-detail", pk=pk)
    try:
        services.citation_remove(
            actor=request.user,
            version=document.current_version,
            library_version_id=form.cleaned_data["library_version"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "Citation removed.")
    return redirect("evidence:document-detail", pk=pk)
