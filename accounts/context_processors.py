"""Role-aware navigation for the base layout, and the policy answers templates need everywhere."""

from django.urls import reverse

from audit.policies import can_view_audit
from questionnaires.policies import can_edit_library, can_review_library, can_view_library
from reports.policies import can_assemble_package

from . import policies


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not policies.is_verified(user):
        return {"nav_items": [], "may_edit_library": False, "may_review_library": False}
    items = [("Dashboard", "accounts:dashboard")]
    if can_view_library(user):
        items.append(("Questionnaires", "questionnaires:questionnaire-list"))
        items.append(("Library", "questionnaires:entry-list"))
    if can_assemble_package(user):
        items.append(("Packages", "reports:package-list"))
    if policies.is_vendor_staff(user):
        items.append(("Organisations", "accounts:organisation-list"))
        items.append(("Invitations", "accounts:invitation-list"))
    elif user.organisation_id:
        items.append(("My organisation", reverse("accounts:organisation-detail", args=[user.organisation_id])))
    if policies.can_manage_users(user):
        items.append(("Users", "accounts:user-list"))
    if can_view_audit(user):
        items.append(("Audit trail", "audit:event-list"))
    nav_items = []
    for label, target in items:
        url = target if target.startswith("/") else reverse(target)
        active = request.path == url if url == "/" else request.path.startswith(url)
        nav_items.append({"label": label, "url": url, "active": active})
    return {
        "nav_items": nav_items,
        "may_edit_library": can_edit_library(user),
        "may_review_library": can_review_library(user),
    }
