"""Reads for the NDA pages: published versions, and who of each organisation accepted which version."""

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import CustomerOrganisation

from .models import NdaAcceptance, NdaText


def nda_text_list() -> QuerySet[NdaText]:
    """Every published NDA version, newest first, with its publisher and how many users accepted it."""
    return NdaText.objects.select_related("published_by").annotate(acceptance_count=Count("acceptances"))


def nda_cover_list() -> QuerySet[CustomerOrganisation]:
    """Every customer organisation with its NDA cover and its users' acceptances (newest first)."""
    acceptances = NdaAcceptance.objects.select_related("user", "nda_text").order_by("-accepted_at")
    return CustomerOrganisation.objects.order_by("name").prefetch_related(
        Prefetch("nda_acceptances", queryset=acceptances)
    )


def nda_acceptance_of(user, nda: NdaText | None) -> NdaAcceptance | None:
    """This user's own acceptance of `nda`, or None."""
    if nda is None or not user.is_authenticated:
        return None
    return NdaAcceptance.objects.filter(user_id=user.pk, nda_text=nda, nda_sha256=nda.sha256).first()
