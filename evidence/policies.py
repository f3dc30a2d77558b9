"""Who may do what with evidence, NDA texts, NDA acceptances and access requests; the one door to them."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from accounts.policies import has_role, is_vendor_staff

from .models import AccessRequest, NdaAcceptance


def can_manage_nda(user) -> bool:
    """Security leads and admins publish NDA texts."""
    return has_role(user, Role.SECURITY_LEAD, Role.ADMIN)


def can_view_nda_acceptances(user) -> bool:
    """Vendor staff see who accepted which NDA version, and download the signed record."""
    return is_vendor_staff(user)


def can_accept_nda(user) -> bool:
    """Only an active customer user of an organisation accepts the NDA, and only for themself."""
    return bool(has_role(user, Role.CUSTOMER) and user.organisation_id is not None)


def can_review_access_requests(user) -> bool:
    """Vendor staff (who may invite customer users) approve or decline requests from the trust page."""
    return is_vendor_staff(user)


def nda_acceptances_for(user) -> QuerySet[NdaAcceptance]:
    """Every acceptance for vendor staff; none for anyone else (a customer's record is kept by the vendor)."""
    if can_view_nda_acceptances(user):
        return NdaAcceptance.objects.all()
    return NdaAcceptance.objects.none()


def nda_acceptance_get_for(user, pk) -> NdaAcceptance:
    """The acceptance with its user, organisation and NDA text, or 404 when missing or not the user's to see."""
    return get_object_or_404(
        nda_acceptances_for(user).select_related("user", "organisation", "nda_text"),
        pk=pk,
    )


def access_requests_for(user) -> QuerySet[AccessRequest]:
    """Every access request for vendor staff; none for anyone else."""
    if can_review_access_requests(user):
        return AccessRequest.objects.all()
    return AccessRequest.objects.none()


def access_request_get_for(user, pk) -> AccessRequest:
    """The access request, or 404 when it is missing or not the user's to see."""
    return get_object_or_404(access_requests_for(user), pk=pk)
