"""Package pages for staff, and the public verify page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.ids import id_from
from accounts.policies import Intent, is_verified, organisations_for
from accounts.step_up import require_step_up
from accounts.view_errors import error_message, require
from audit.services import audit_record
from fileformats.uploads import SIGNED_PDF
from library.selectors import leaving_entries
from questionnaires.policies import questionnaire_get_for, questionnaires_for

from . import policies, selectors, services
from .forms import PackageForm, VerifyForm
from .models import RenderStatus


@login_required
@require_GET
def package_list(request: HttpRequest) -> HttpResponse:
    require(policies.can_assemble_package(request.user) or policies.packages_for(request.user).exists())
    return render(
        request,
        "reports/package_list.html",
        {
            "packages": selectors.package_list(user=request.user),
            "errata_count": selectors.superseded_items(user=request.user).count(),
            "can_assemble": policies.can_assemble_package(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def package_create(request: HttpRequest) -> HttpResponse:
    require(policies.can_assemble_package(request.user))
    initial = {}
    if questionnaire_id := id_from(request.GET.get("questionnaire")):
        questionnaire = questionnaire_get_for(request.user, questionnaire_id)
        if questionnaire is not None:
            initial = {
                "questionnaire": questionnaire,
                "organisation": questionnaire.organisation,
                "title": questionnaire.title,
            }
    form = PackageForm(
        request.POST or None,
        initial=initial,
        organisations=organisations_for(request.user),
        questionnaires=questionnaires_for(request.user).order_by("-created_at"),
        entries=leaving_entries(nda_covered=False),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            package = services.package_create(
                actor=request.user,
                organisation=data["organisation"],
                title=data["title"],
                cover_note=data["cover_note"],
                questionnaire=data["questionnaire"],
                entries=list(data["entries"]),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Package {package.reference} assembled. A second security lead releases it.")
            return redirect(reverse("reports:package-detail", args=[package.reference]))
    return render(request, "reports/package_create.html", {"form": form})


@login_required
@require_GET
def package_detail(request: HttpRequest, reference: str) -> HttpResponse:
    package = policies.package_get_for(request.user, reference)
    pdfs = list(package.pdfs.select_related("requested_by"))
    context = {
        "package": package,
        "pdfs": pdfs,
        "rendering": any(pdf.status == RenderStatus.RENDERING for pdf in pdfs),
        "can_assemble": policies.can_assemble_package(request.user),
        "release_refusal": policies.release_refusal(request.user, package),
        "errata": list(selectors.superseded_items(user=request.user).filter(package=package)),
        "can_share": policies.can_share_package(request.user),
        "shares": selectors.package_share_list(user=request.user, package=package) if package.is_released else [],
    }
    if package.is_released:
        context["items"] = package.items.select_related("approver", "library_version__entry")
    else:
        context["check"] = services.package_release_check(package)
    return render(request, "reports/package_detail.html", context)


@login_required
@require_POST
@require_step_up
def package_release(request: HttpRequest, reference: str) -> HttpResponse:
    package = policies.package_get_for(request.user, reference, for_=Intent.RELEASE)
    try:
        services.package_release(actor=request.user, package=package, request=request)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"{package.reference} released. The signed PDF is being rendered.")
    return redirect(reverse("reports:package-detail", args=[reference]))


@login_required
@require_POST
def package_rerender(request: HttpRequest, reference: str) -> HttpResponse:
    package = policies.package_get_for(request.user, reference, for_=Intent.EDIT)
    try:
        pdf = services.package_rerender(actor=request.user, package=package, request=request)
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Revision {pdf.revision} is being rendered; earlier revisions remain valid.")
    return redirect(reverse("reports:package-detail", args=[reference]))


@login_required
@require_POST
def package_render_retry(request: HttpRequest, reference: str, revision: int) -> HttpResponse:
    pdf = policies.pdf_get_for(request.user, reference, revision, for_=Intent.EDIT)
    try:
        services.package_render_retry(actor=request.user, pdf=pdf, request=request)
    except ValidationError as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Revision {revision} is being rendered again.")
    return redirect(reverse("reports:package-detail", args=[reference]))


@login_required
@require_POST
def package_reissue(request: HttpRequest, reference: str) -> HttpResponse:
    package = policies.package_get_for(request.user, reference, for_=Intent.EDIT)
    new = services.package_reissue(actor=request.user, package=package, request=request)
    messages.success(request, f"Draft {new.reference} replaces {package.reference} with today's approved answers.")
    return redirect(reverse("reports:package-detail", args=[new.reference]))


@login_required
@require_GET
def package_download(request: HttpRequest, reference: str, revision: int) -> FileResponse:
    pdf = policies.pdf_get_for(request.user, reference, revision)
    package = pdf.package
    if pdf.status != RenderStatus.READY:
        raise Http404
    audit_record(
        action="package.downloaded", obj=package, data={"revision": revision, "sha256": pdf.sha256}, request=request
    )
    return FileResponse(
        pdf.file.open("rb"),
        as_attachment=True,
        filename=f"{package.reference}-r{revision}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_GET
def errata(request: HttpRequest) -> HttpResponse:
    require(policies.can_assemble_package(request.user))
    return render(request, "reports/errata.html", {"items": selectors.superseded_items(user=request.user)})


# --- Public verification --------------------------------------------------------------------------


def _verify_rate(group: str, request: HttpRequest) -> str:
    """VERIFY_RATE_LIMIT, read per request rather than when the module is imported."""
    return settings.VERIFY_RATE_LIMIT


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_verify_rate, method="POST", block=True)
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a package PDF: signature, trust, whole-file coverage and manifest."""
    from .verification import verify_pdf

    form = VerifyForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_mb": SIGNED_PDF.max_mb}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > SIGNED_PDF.max_bytes:
                form.add_error("file", f"The file is larger than {context['max_mb']} MB.")
                status = 413
            else:
                data = upload.read()
                result = verify_pdf(data)
                context["result"] = result
                context["report"] = selectors.verification_details(
                    result, data, show_recipient=is_verified(request.user) and policies.can_see_recipient(request.user)
                )
                audit_record(
                    action="package.verified",
                    request=request,
                    data={
                        "ok": result.ok,
                        "package": (result.manifest or {}).get("package"),
                        "problems": result.problems[:3],
                    },
                )
        else:
            status = 400
    return render(request, "reports/verify.html", context, status=status)


@require_GET
def ca_certificate(request: HttpRequest) -> HttpResponse:
    """Our document-signing CA certificate, to trust in a PDF reader or check the chain by hand."""
    from .signing import ca_certificate_pem

    response = HttpResponse(ca_certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="trustpack-signing-ca.pem"'
    return response
