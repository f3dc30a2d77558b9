"""Pages of the customer half: sharing and revoking (staff), the kill switch, leak lookup, and the customer portal."""

from datetime import UTC, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.policies import Intent, organisation_get_for
from accounts.step_up import require_step_up
from accounts.view_errors import error_message, errors_into_form, require
from fileformats import FileRejected
from fileformats.uploads import LEAKED_COPY, upload_check

from . import policies, selectors, sharing
from .forms import LeakLookupForm, ShareForm, SuspendForm
from .watermark import WatermarkError, fingerprint_in

# --- Staff: share, revoke, suspend, look up -------------------------------------------------------------


def _end_of_day(day) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


@login_required
@require_http_methods(["GET", "POST"])
def share_create(request: HttpRequest, reference: str) -> HttpResponse:
    package = policies.package_get_for(request.user, reference, for_=Intent.EDIT)
    require(policies.can_share_package(request.user))
    initial = {"expires_on": timezone.localdate() + timedelta(days=sharing.DEFAULT_SHARE_DAYS)}
    form = ShareForm(request.POST or None, initial=initial, documents=policies.shareable_documents())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share = sharing.share_create(
                actor=request.user,
                package=package,
                expires_at=_end_of_day(data["expires_on"]),
                note=data["note"],
                documents=list(data["documents"]),
                request=request,
                portal_url=request.build_absolute_uri(reverse("reports:portal-share-list")),
            )
        except (PermissionDenied, ValidationError) as error:
            errors_into_form(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            messages.success(
                request,
                f"Shared with {share.organisation.name} until {share.expires_at:%-d %b %Y}. Its customer users are "
                "being e-mailed.",
            )
            return redirect(reverse("reports:package-detail", args=[package.reference]) + "#shares")
    status = 400 if form.errors else 200
    return render(
        request,
        "reports/share_create.html",
        {"package": package, "form": form, "max_days": sharing.MAX_SHARE_DAYS},
        status=status,
    )


@login_required
@require_POST
def share_revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    share = policies.share_get_for(request.user, share_id, for_=Intent.EDIT)
    try:
        sharing.share_revoke(actor=request.user, share=share, request=request)
    except PermissionDenied as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Share with {share.organisation.name} revoked: its links stop working now.")
    return redirect(reverse("reports:package-detail", args=[share.package.reference]) + "#shares")


@login_required
@require_POST
@require_step_up
def organisation_suspend(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_get_for(request.user, organisation_id, for_=Intent.EDIT)
    form = SuspendForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        revoked = sharing.organisation_suspend(
            actor=request.user, organisation=organisation, reason=reason, request=request
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(
            request,
            f"{organisation.name} suspended: {revoked} share{'s' if revoked != 1 else ''} revoked and its users "
            "signed out. They cannot sign in until you reinstate the organisation.",
        )
    return redirect(reverse("workspace:organisation-detail", args=[organisation.pk]))


@login_required
@require_POST
@require_step_up
def organisation_reinstate(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_get_for(request.user, organisation_id, for_=Intent.EDIT)
    try:
        sharing.organisation_reinstate(actor=request.user, organisation=organisation, request=request)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(
            request, f"{organisation.name} reinstated: its users may sign in again. Earlier shares stay revoked."
        )
    return redirect(reverse("workspace:organisation-detail", args=[organisation.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def leak_lookup(request: HttpRequest) -> HttpResponse:
    require(policies.can_look_up_leaks(request.user))
    form = LeakLookupForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_mb": LEAKED_COPY.max_mb, "searched": False}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            query, upload = form.cleaned_data["query"], form.cleaned_data["file"]
            fingerprint = sha256 = ""
            if len(query) == 16:
                fingerprint = query
            elif query:
                sha256 = query
            if upload is not None:
                import hashlib

                data = upload.read(LEAKED_COPY.max_bytes + 1)
                try:
                    upload_check(LEAKED_COPY, upload.name, data)
                except FileRejected as error:
                    form.add_error("file", str(error))
                    status = 413 if len(data) > LEAKED_COPY.max_bytes else 400
                else:
                    fingerprint = fingerprint_in(data) or fingerprint
                    sha256 = hashlib.sha256(data).hexdigest()
                    context["read_fingerprint"] = fingerprint_in(data) or ""
                    context["file_sha256"] = sha256
            if status == 200:
                context.update(
                    searched=True,
                    fingerprint=fingerprint,
                    sha256=sha256,
                    matches=selectors.download_lookup(fingerprint=fingerprint, sha256=sha256),
                )
        else:
            status = 400
    return render(request, "reports/leak_lookup.html", context, status=status)


# --- The customer portal --------------------------------------------------------------------------------


@login_required
@require_GET
def portal_share_list(request: HttpRequest) -> HttpResponse:
    require(policies.can_use_portal(request.user))
    return render(request, "reports/share_list.html", {"shares": selectors.portal_share_list(user=request.user)})


@login_required
@require_GET
def portal_share_detail(request: HttpRequest, share_id: int) -> HttpResponse:
    require(policies.can_use_portal(request.user))
    share = policies.share_get_for(request.user, share_id)
    documents = selectors.share_documents(user=request.user, share=share)
    return render(
        request,
        "reports/share_detail.html",
        {
            "share": share,
            "pdf": share.package.latest_pdf,
            "documents": documents,
            "any_locked": any(not row["unlocked"] for row in documents),
        },
    )


def _attachment(delivery: sharing.Delivery) -> HttpResponse:
    """A delivered file: always a download, never rendered or sniffed by the browser, never cached."""
    response = HttpResponse(delivery.content, content_type=delivery.content_type)
    response["Content-Disposition"] = f'attachment; filename="{delivery.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "sandbox"
    return response


def _back_to_share(request: HttpRequest, share_id: int, error: Exception) -> HttpResponse:
    messages.error(request, error_message(error))
    return redirect(reverse("reports:portal-share-detail", args=[share_id]))


@login_required
@require_GET
def portal_package_download(request: HttpRequest, share_id: int) -> HttpResponse:
    require(policies.can_use_portal(request.user))
    share = policies.share_get_for(request.user, share_id)
    try:
        delivery = sharing.share_package_deliver(user=request.user, share=share, request=request)
    except ValidationError as error:
        return _back_to_share(request, share_id, error)
    return _attachment(delivery)


@login_required
@require_GET
def portal_questionnaire_download(request: HttpRequest, share_id: int) -> HttpResponse:
    require(policies.can_use_portal(request.user))
    share = policies.share_get_for(request.user, share_id)
    try:
        delivery = sharing.share_questionnaire_deliver(user=request.user, share=share, request=request)
    except ValidationError as error:
        return _back_to_share(request, share_id, error)
    return _attachment(delivery)


@login_required
@require_GET
def portal_document_download(request: HttpRequest, share_id: int, document_id: int) -> HttpResponse:
    require(policies.can_use_portal(request.user))
    share, document = policies.share_document_get_for(request.user, share_id, document_id)
    try:
        delivery = sharing.share_document_deliver(user=request.user, share=share, document=document, request=request)
    except WatermarkError as error:
        return _back_to_share(request, share_id, error)
    return _attachment(delivery)
