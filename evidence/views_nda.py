"""NDA pages: customers accept the text in force; staff publish versions and see who accepted what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.redirects import safe_next_url
from accounts.step_up import require_step_up
from accounts.view_errors import errors_into_form, require

from . import policies, selectors_nda, services_nda
from .forms_nda import NdaAcceptForm, NdaPublishForm
from .selectors import current_nda


@login_required
@require_http_methods(["GET", "POST"])
def nda_accept(request: HttpRequest) -> HttpResponse:
    """The customer user reads the NDA in force and accepts it for themself (never for anyone else)."""
    require(policies.can_accept_nda(request.user))
    nda = current_nda()
    acceptance = selectors_nda.nda_acceptance_of(request.user, nda)
    initial = {"nda_sha256": nda.sha256 if nda else "", "full_name": request.user.full_name}
    form = NdaAcceptForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and acceptance is not None:
        return redirect(safe_next_url(request, reverse("workspace:dashboard")))
    if request.method == "POST" and nda is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                services_nda.nda_accept(
                    user=request.user,
                    nda_sha256=data["nda_sha256"],
                    full_name=data["full_name"],
                    title=data["title"],
                    request=request,
                )
            except ValidationError as error:
                errors_into_form(form, error)
                # The reader is shown the text in force now, with its hash, and ticks the box again.
                form.data = form.data.copy()
                form.data["nda_sha256"] = nda.sha256
                form.data.pop("accept", None)
            else:
                messages.success(request, f"Thank you: you accepted NDA version {nda.version}.")
                return redirect(safe_next_url(request, reverse("workspace:dashboard")))
        status = 400
    context = {"nda": nda, "acceptance": acceptance, "form": form, "next": request.GET.get("next", "")}
    return render(request, "evidence/nda_accept.html", context, status=status)


@login_required
@require_GET
def nda_text_list(request: HttpRequest) -> HttpResponse:
    """Staff: every NDA version, and per organisation who accepted which version and when."""
    require(policies.can_view_nda_acceptances(request.user))
    context = {
        "texts": selectors_nda.nda_text_list(),
        "organisations": selectors_nda.nda_cover_list(),
        "current": current_nda(),
        "can_publish": policies.can_manage_nda(request.user),
    }
    return render(request, "evidence/nda_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@require_step_up
def nda_text_publish(request: HttpRequest) -> HttpResponse:
    """Security leads and admins publish the next version; every customer accepts again."""
    require(policies.can_manage_nda(request.user))
    current = current_nda()
    initial = {"title": current.title, "body": current.body} if current else {}
    form = NdaPublishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            nda = services_nda.nda_publish(
                actor=request.user, title=form.cleaned_data["title"], body=form.cleaned_data["body"], request=request
            )
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            messages.success(request, f"NDA version {nda.version} is in force. Every customer user accepts it again.")
            return redirect(reverse("nda:text-list"))
    return render(request, "evidence/nda_publish.html", {"form": form, "current": current})
