"""The company profile page: the vendor's own details that fill questionnaires' general questions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.policies import Intent
from accounts.view_errors import errors_into_form

from .. import policies, services
from ..forms import CompanyProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def company_profile(request: HttpRequest) -> HttpResponse:
    intent = Intent.EDIT if request.method == "POST" else Intent.VIEW
    profile = policies.company_profile_get_for(request.user, for_=intent)
    may_edit = policies.can_edit_company_profile(request.user)
    form = CompanyProfileForm(request.POST or None, instance=profile) if may_edit else None
    if form is not None and request.method == "POST" and form.is_valid():
        details = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.company_profile_update(actor=request.user, details=details, request=request)
        except ValidationError as error:
            errors_into_form(form, error)
        else:
            messages.success(request, "Company profile saved. New imports fill general questions from it.")
            return redirect(reverse("library:company-profile"))
    return render(
        request,
        "library/company_profile.html",
        {"profile": profile, "form": form, "may_edit": may_edit},
    )
