"""The public trust page (no sign-in) and the staff pages that decide its access requests."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.ids import id_from
from accounts.policies import organisations_for
from accounts.view_errors import error_message, errors_into_form, require
from audit.services import audit_record

from . import policies, trust
from .forms_trust import AccessRequestApproveForm, AccessRequestForm, TrustSearchForm, form_started_token
from .models import AccessRequestStatus

ANSWERS_PER_PAGE = 20


@require_GET
def trust_page(request: HttpRequest) -> HttpResponse:
    """Anyone: the vendor's public answers (searchable), its evidence documents, and a way to ask for more."""
    search = TrustSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    page = Paginator(trust.trust_answer_list(query=query), ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "vendor": settings.TRUSTPACK_VENDOR_NAME,
        "search": search,
        "query": query,
        "page": page,
        "documents": trust.trust_document_list(),
    }
    status = 400 if search.is_bound and not search.is_valid() else 200
    return render(request, "evidence/trust_page.html", context, status=status)


@require_GET
def trust_document_download(request: HttpRequest, pk: int) -> FileResponse:
    """Anyone: the current file of a public-class document, as a download the browser never renders."""
    version = trust.trust_public_version(id_from(str(pk)))
    if version is None:
        raise Http404
    audit_record(
        action="evidence.public_downloaded",
        obj=version,
        data={"document": version.document_id, "sha256": version.sha256},
        request=request,
    )
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _request_rate(group: str, request: HttpRequest) -> str:
    """ACCESS_REQUEST_RATE_LIMIT, read per request rather than when the module is imported."""
    return settings.ACCESS_REQUEST_RATE_LIMIT


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_request_rate, method="POST", block=True)
def trust_request_access(request: HttpRequest) -> HttpResponse:
    """Anyone: ask for access to NDA documents. Throttled per address; robots' posts are refused unstored."""
    form = AccessRequestForm(request.POST or None, initial={"started": form_started_token()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            trust.access_request_create(
                full_name=data["full_name"],
                email=data["email"],
                company=data["company"],
                message=data["message"],
                request=request,
            )
            return redirect(reverse("trust:request-sent"))
        # A fresh start time: a person who was refused for speed can simply send again.
        form.data = form.data.copy()
        form.data["started"] = form_started_token()
        status = 400
    context = {"form": form, "vendor": settings.TRUSTPACK_VENDOR_NAME}
    return render(request, "evidence/trust_request.html", context, status=status)


@require_GET
def trust_request_sent(request: HttpRequest) -> HttpResponse:
    """Anyone: the thank-you page after a request."""
    return render(request, "evidence/trust_request_sent.html", {"vendor": settings.TRUSTPACK_VENDOR_NAME})


# --- Staff: deciding access requests --------------------------------------------------------------


@login_required
@require_GET
def access_request_list(request: HttpRequest) -> HttpResponse:
    """Staff: requests waiting for a decision (or those decided, with ?status=approved|declined)."""
    require(policies.can_review_access_requests(request.user))
    status = request.GET.get("status", AccessRequestStatus.PENDING)
    if status not in AccessRequestStatus.values:
        status = AccessRequestStatus.PENDING
    page = Paginator(trust.access_request_list(user=request.user, status=status), 25).get_page(request.GET.get("page"))
    tabs = [(value, label) for value, label in AccessRequestStatus.choices]
    return render(request, "evidence/trust_request_list.html", {"page": page, "status": status, "tabs": tabs})


def _detail(request: HttpRequest, access_request, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "evidence/trust_request_detail.html",
        {"access_request": access_request, "form": form, "is_pending": access_request.status == "pending"},
        status=status,
    )


@login_required
@require_GET
def access_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: one request, with the choice of organisation to invite the person into."""
    access_request = policies.access_request_get_for(request.user, pk)
    form = AccessRequestApproveForm(
        initial={"new_organisation": access_request.company}, organisations=organisations_for(request.user)
    )
    return _detail(request, access_request, form)


@login_required
@require_POST
def access_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: approve into an invitation for the chosen (or a new) customer organisation."""
    access_request = policies.access_request_get_for(request.user, pk)
    form = AccessRequestApproveForm(request.POST, organisations=organisations_for(request.user))
    if form.is_valid():
        try:
            invitation = trust.access_request_approve(
                actor=request.user,
                access_request=access_request,
                organisation=form.cleaned_data["organisation"],
                new_organisation_name=form.cleaned_data["new_organisation"] or "",
                request=request,
            )
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email} for {invitation.organisation.name}.")
            return redirect(reverse("trust:request-list"))
    return _detail(request, access_request, form, status=400)


@login_required
@require_POST
def access_request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: decline a request; nothing is sent."""
    access_request = policies.access_request_get_for(request.user, pk)
    try:
        trust.access_request_decline(actor=request.user, access_request=access_request, request=request)
    except ValidationError as error:
        messages.error(request, error_message(error))
        return redirect(reverse("trust:request-detail", args=[pk]))
    messages.success(request, f"Request from {access_request.full_name} declined.")
    return redirect(reverse("trust:request-list"))
