"""Role-aware navigation for the base layout, and the policy answers templates need everywhere."""

from django.urls import reverse

from accounts import policies
from accounts.services import mfa_verified_recently
from audit.policies import can_view_audit
from evidence.policies import can_accept_nda, can_view_evidence
from library.policies import can_edit_company_profile, can_edit_library, can_review_library, can_view_library
from reports.policies import can_assemble_package, can_use_portal


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not policies.is_verified(user):
        return {"nav_items": [], "may_edit_library": False, "may_review_library": False, "step_up_due": False}
    # (label, URL, further URLs whose pages belong under this item)
    items = [("Dashboard", reverse("workspace:dashboard"), ())]
    if can_use_portal(user):
        items.append(("Shared with you", reverse("reports:portal-share-list"), ()))
    if can_view_library(user):
        items.append(("Questionnaires", reverse("questionnaires:questionnaire-list"), ()))
        items.append(("Library", reverse("library:entry-list"), ()))
    if can_view_evidence(user):
        # NDA texts and acceptances are evidence administration for staff: reached from the evidence page.
        items.append(("Evidence", reverse("evidence:document-list"), (reverse("nda:text-list"),)))
    if can_assemble_package(user):
        items.append(("Packages", reverse("reports:package-list"), (reverse("reports:leak-lookup"),)))
    if policies.is_vendor_staff(user):
        # Access requests from the trust center end as invitations, so they sit with the organisations.
        organisation_pages = (reverse("accounts:invitation-list"), reverse("trust:request-list"))
        items.append(("Organisations", reverse("accounts:organisation-list"), organisation_pages))
    elif user.organisation_id:
        items.append(("My organisation", reverse("workspace:organisation-detail", args=[user.organisation_id]), ()))
    if can_accept_nda(user):
        items.append(("NDA", reverse("nda:nda-accept"), ()))
    if can_edit_company_profile(user):
        items.append(("Company profile", reverse("library:company-profile"), ()))
    if policies.can_manage_users(user):
        items.append(("Users", reverse("accounts:user-list"), ()))
    if can_view_audit(user):
        items.append(("Audit trail", reverse("audit:event-list"), ()))
    if policies.can_view_system_status(user):
        items.append(("System", reverse("workspace:system-status"), ()))
    nav_items = []
    for label, url, related in items:
        active = request.path == url if url == "/" else request.path.startswith((url, *related))
        nav_items.append({"label": label, "url": url, "active": active})
    return {
        "nav_items": nav_items,
        "may_edit_library": can_edit_library(user),
        "may_review_library": can_review_library(user),
        # Forms of sensitive actions show a code field while a fresh second factor is due.
        "step_up_due": not mfa_verified_recently(request),
    }
