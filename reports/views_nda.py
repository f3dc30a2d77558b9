"""Staff download the signed record of an NDA acceptance."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from evidence.policies import nda_acceptance_get_for

from .nda_acceptance import nda_acceptance_pdf as render_signed


@login_required
@require_GET
def nda_acceptance_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Vendor staff: the acceptance as a PDF signed with the package key (404 for anyone else)."""
    acceptance = nda_acceptance_get_for(request.user, pk)
    signed = render_signed(actor=request.user, acceptance=acceptance, request=request)
    response = HttpResponse(signed.content, content_type="application/pdf")
    filename = f"nda-acceptance-{acceptance.pk}-v{acceptance.nda_text.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
