"""The public trust page: what it shows to anyone (public answers, the list of evidence documents), and the
access requests it takes in, which staff approve into an invitation or decline."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import CustomerOrganisation, Invitation, Role, User
from accounts.services import invitation_create, organisation_create
from audit.services import audit_record, client_ip
from library.models import Classification, LibraryEntry
from library.selectors import leaving_entries

from . import policies
from .models import AccessRequest, AccessRequestStatus, Document, DocumentClassification, DocumentVersion

MAX_QUERY_WORDS = 12


# --- What anyone may read -------------------------------------------------------------------------


def trust_answer_list(*, query: str = "") -> QuerySet[LibraryEntry]:
    """Public-class answers that may leave the company to anyone (`leaving_entries` without NDA cover), with
    their approved wording; when `query` is given, only those holding every word of it."""
    entries = (
        leaving_entries(nda_covered=False)
        .filter(classification=Classification.PUBLIC)
        .select_related("approved_version")
        .order_by("category", "key")
    )
    for word in query.split()[:MAX_QUERY_WORDS]:
        entries = entries.filter(
            Q(approved_version__question__icontains=word) | Q(approved_version__answer__icontains=word)
        )
    return entries


def _current_documents() -> QuerySet[Document]:
    today = timezone.localdate()
    return (
        Document.objects.filter(current_version__isnull=False, current_version__superseded_at__isnull=True)
        .exclude(current_version__expires_on__lt=today)
        .select_related("current_version")
    )


def trust_document_list() -> QuerySet[Document]:
    """Documents the trust page lists: a current, unexpired version, never internal ones (NDA ones by title only)."""
    return _current_documents().exclude(classification=DocumentClassification.INTERNAL).order_by("title")


def trust_public_version(document_id: int | None) -> DocumentVersion | None:
    """The current version of a public-class document anyone may download, or None for every other document."""
    if document_id is None:
        return None
    document = _current_documents().filter(pk=document_id, classification=DocumentClassification.PUBLIC).first()
    return document.current_version if document is not None else None


# --- Access requests ------------------------------------------------------------------------------


def access_request_create(
    *, full_name: str, email: str, company: str, message: str = "", request: HttpRequest | None = None
) -> AccessRequest:
    """Store a request for access from the public trust page, audited; vendor staff hear of it after commit."""
    with transaction.atomic():
        access_request = AccessRequest.objects.create(
            full_name=" ".join(full_name.split()),
            email=User.objects.normalize_email(email).lower(),
            company=" ".join(company.split()),
            message=message.strip(),
            ip=client_ip(request),
        )
        audit_record(
            action="access_request.received",
            obj=access_request,
            data={"email": access_request.email, "company": access_request.company},
            request=request,
        )
        transaction.on_commit(lambda: _queue_request_notice(access_request.pk))
    return access_request


def _queue_request_notice(access_request_id: int) -> None:
    from .tasks import access_request_notify_task

    access_request_notify_task.delay(access_request_id)


def access_request_notify(*, access_request_id: int) -> int:
    """Mail the active account managers and security leads about a new access request; returns how many."""
    access_request = AccessRequest.objects.filter(pk=access_request_id).first()
    recipients = list(
        User.objects.filter(role__in=[Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD], is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )
    if access_request is None or not recipients:
        return 0
    body = render_to_string("evidence/email/access_requested.txt", {"access_request": access_request})
    send_mail(f"[Trustpack] Access requested by {access_request.company}", body, None, recipients, fail_silently=False)
    return len(recipients)


def _locked_pending(access_request: AccessRequest) -> AccessRequest:
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status != AccessRequestStatus.PENDING:
        raise ValidationError(f"This request was already decided ({locked.get_status_display().lower()}).")
    return locked


def access_request_approve(
    *,
    actor: User,
    access_request: AccessRequest,
    organisation: CustomerOrganisation | None = None,
    new_organisation_name: str = "",
    request: HttpRequest | None = None,
) -> Invitation:
    """Approve a pending request: invite its e-mail address as a customer user of the chosen organisation, or of
    one created for it, and mark it approved; all or nothing, audited. Two staff deciding at once: one wins."""
    if not policies.can_review_access_requests(actor):
        raise PermissionDenied("Only vendor staff decide access requests.")
    if (organisation is None) == (not new_organisation_name.strip()):
        raise ValidationError("Choose an existing organisation or name a new one (one of the two).")
    with transaction.atomic():
        locked = _locked_pending(access_request)
        if organisation is None:
            organisation = organisation_create(actor=actor, name=new_organisation_name, request=request)
        invitation, _token = invitation_create(
            actor=actor, email=locked.email, role=Role.CUSTOMER, organisation=organisation, request=request
        )
        locked.status = AccessRequestStatus.APPROVED
        locked.decided_by, locked.decided_at, locked.organisation = actor, timezone.now(), organisation
        locked.save(update_fields=["status", "decided_by", "decided_at", "organisation"])
        audit_record(
            action="access_request.approved",
            actor=actor,
            obj=locked,
            data={"email": locked.email, "organisation": organisation.name, "invitation": invitation.pk},
            request=request,
        )
    return invitation


def access_request_decline(*, actor: User, access_request: AccessRequest, request: HttpRequest | None = None) -> None:
    """Decline a pending request (nobody is told: the trust page promised only a review), audited."""
    if not policies.can_review_access_requests(actor):
        raise PermissionDenied("Only vendor staff decide access requests.")
    with transaction.atomic():
        locked = _locked_pending(access_request)
        locked.status = AccessRequestStatus.DECLINED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            action="access_request.declined", actor=actor, obj=locked, data={"email": locked.email}, request=request
        )


def access_request_list(*, user, status: str = AccessRequestStatus.PENDING) -> QuerySet[AccessRequest]:
    """Requests the user may decide, in one status, oldest pending first (newest first once decided)."""
    requests = policies.access_requests_for(user).filter(status=status).select_related("decided_by", "organisation")
    return requests.order_by("created_at" if status == AccessRequestStatus.PENDING else "-decided_at")
