"""Pages that compose the other apps for people: health, dashboard, organisation overview."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts import policies as account_policies
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Role
from accounts.selectors import pending_only
from accounts.view_errors import require
from audit.policies import can_view_audit
from audit.selectors import recent_events
from jobs.selectors import worker_status_list
from jobs.services import HEARTBEAT_INTERVAL, STALE_AFTER
from library import selectors as library_selectors
from questionnaires import selectors as questionnaire_selectors
from questionnaires.policies import questionnaires_for
from reports import selectors as report_selectors
from reports.policies import can_suspend_organisation, packages_for

from . import selectors
from .health import health_checks


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers, over plain HTTP: 200 when the database, cache and broker answer, else 503 naming
    the failing component. Reveals nothing else."""
    checks = health_checks()
    failing = [name for name, result in checks.items() if result == "unavailable"]
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})


@login_required
@require_GET
def system_status(request: HttpRequest) -> HttpResponse:
    """For admins: what the load balancer's probe sees, and which background workers are alive."""
    require(account_policies.can_view_system_status(request.user))
    checks = health_checks()
    workers = worker_status_list()
    context = {
        "checks": checks,
        "workers": workers,
        "alive": sum(worker.alive for worker in workers),
        "in_process": settings.CELERY_TASK_ALWAYS_EAGER,
        "interval_seconds": int(HEARTBEAT_INTERVAL.total_seconds()),
        "stale_minutes": int(STALE_AFTER.total_seconds() // 60),
    }
    return render(request, "workspace/system_status.html", context)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "is_staff_member": account_policies.is_vendor_staff(user),
        "can_view_audit": can_view_audit(user),
        "can_manage_users": account_policies.can_manage_users(user),
        "recovery_codes_left": account_services.mfa_remaining_recovery_codes(user),
    }
    if context["is_staff_member"]:
        context["organisations"] = account_selectors.organisation_list(user=user)[:6]
        context["organisation_count"] = account_policies.organisations_for(user).count()
        context["pending_invitations"] = account_selectors.invitation_list(user=user).filter(pending_only()).count()
        open_questionnaires = questionnaire_selectors.questionnaire_list(user=user)
        context["open_questionnaires"] = questionnaire_selectors.questionnaires_with_counts(open_questionnaires[:8])
        context["open_questionnaire_count"] = open_questionnaires.count()
        context["review_waiting"] = library_selectors.review_queue(user=user).count()
        context["overdue_entries"] = library_selectors.status_counts(user=user, names=("overdue",))["overdue"]
    else:
        context["organisation"] = user.organisation
        context["shares"] = report_selectors.portal_share_list(user=user)
    if context["can_view_audit"]:
        context["recent_events"] = recent_events(limit=8)
    if context["can_manage_users"]:
        context["users_without_mfa"] = (
            account_selectors.user_list(actor=user).filter(has_mfa=False, is_active=True).count()
        )
    return render(request, "workspace/dashboard.html", context)


@login_required
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = account_policies.organisation_get_for(request.user, pk)
    is_staff_member = account_policies.is_vendor_staff(request.user)
    show_all = request.GET.get("timeline") == "all"
    timeline, timeline_total = (
        selectors.organisation_timeline(organisation, limit=None if show_all else selectors.TIMELINE_CAP)
        if is_staff_member
        else ([], 0)
    )
    return render(
        request,
        "workspace/organisation_detail.html",
        {
            "timeline": timeline,
            "timeline_total": timeline_total,
            "nda_status": selectors.organisation_nda_status(organisation) if is_staff_member else {},
            "can_suspend": can_suspend_organisation(request.user),
            "organisation": organisation,
            "members": organisation.users.order_by("email"),
            "invitations": account_selectors.invitation_list(user=request.user).filter(organisation=organisation)
            if is_staff_member
            else [],
            "can_invite": account_policies.can_invite(request.user, Role.CUSTOMER),
            "questionnaires": questionnaires_for(request.user)
            .filter(organisation=organisation)
            .order_by("-created_at"),
            "packages": packages_for(request.user).filter(organisation=organisation).order_by("-assembled_at"),
        },
    )


@login_required
@require_GET
def organisation_mine(request: HttpRequest) -> HttpResponse:
    if not request.user.organisation_id:
        raise PermissionDenied
    return redirect(reverse("workspace:organisation-detail", args=[request.user.organisation_id]))
