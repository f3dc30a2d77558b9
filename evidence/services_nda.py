"""Writes for the NDA: publishing versions, customers accepting them, and the cover of their organisations.

Who accepts, and what an acceptance covers (decided here, once):

* Each customer user accepts for themself. The acceptance, the watermark on what they download and the
  download log then name the same person, and a colleague's click never binds someone who did not read
  the text. `nda_accept` therefore takes the acting user only; nothing from a form names the signer's
  account.
* An organisation counts as covered (`CustomerOrganisation.is_nda_covered`, which
  `library.policies.nda_covers` reads for packages and exports) while at least one of its users has
  accepted the current NDA text: the contract is between the vendor and the customer company, and one
  authorised signature binds it.
* Publishing a new NDA version clears the cover of every organisation until one of its users accepts the
  new text. These services are the only writers of `is_nda_covered`.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import CustomerOrganisation, Role, User
from audit.services import audit_record, client_ip

from . import policies
from .models import NdaAcceptance, NdaText
from .selectors import current_nda

USER_AGENT_MAX = NdaAcceptance._meta.get_field("user_agent").max_length


def nda_body_normalise(body: str) -> str:
    """The body as stored and hashed: Unix line endings, no trailing spaces on lines, no blank lines at the ends."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def nda_sha256(body: str) -> str:
    """SHA-256 (hex) of the NDA body's UTF-8 bytes, exactly as stored and shown."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def nda_publish(*, actor: User, title: str, body: str, request: HttpRequest | None = None) -> NdaText:
    """Publish the next NDA version (security leads and admins), audited; every organisation loses its cover
    until one of its users accepts the new text."""
    if not policies.can_manage_nda(actor):
        raise PermissionDenied("Only security leads and admins publish NDA texts.")
    title = " ".join(title.split()) or "Mutual non-disclosure agreement"
    body = nda_body_normalise(body)
    if not body:
        raise ValidationError({"body": "Write the text customers will accept."})
    digest = nda_sha256(body)
    with transaction.atomic():
        # Every organisation row is locked first, in the same order `nda_accept` locks one: an acceptance of
        # the old text either commits before this (and is then cleared) or waits and sees the new text.
        organisations = list(
            CustomerOrganisation.objects.select_for_update().order_by("pk").values_list("pk", flat=True)
        )
        current = NdaText.objects.select_for_update().order_by("-version").first()
        if current is not None and current.sha256 == digest and current.title == title:
            raise ValidationError({"body": f"This is the text of version {current.version} already in force."})
        version = (NdaText.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        nda = NdaText.objects.create(version=version, title=title, body=body, sha256=digest, published_by=actor)
        uncovered = CustomerOrganisation.objects.filter(pk__in=organisations, is_nda_covered=True).update(
            is_nda_covered=False
        )
        audit_record(
            action="nda.published",
            actor=actor,
            obj=nda,
            data={"version": version, "sha256": digest, "title": title, "organisations_uncovered": uncovered},
            request=request,
        )
    return nda


def nda_accept(
    *, user: User, nda_sha256: str, full_name: str, title: str, request: HttpRequest | None = None
) -> NdaAcceptance:
    """Record that `user` (always the acting user, never one named by a form) accepted the NDA text in force,
    whose hash they were shown; the organisation is covered from then on. Refused when the text changed
    since it was shown. Accepting the same version twice returns the first acceptance unchanged."""
    if not policies.can_accept_nda(user):
        raise PermissionDenied("Only customer users accept the NDA, each for themself.")
    full_name, title = " ".join(full_name.split()), " ".join(title.split())
    errors = {}
    if not full_name:
        errors["full_name"] = "Type your full name as your signature."
    if not title:
        errors["title"] = "Type your job title."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organisation = CustomerOrganisation.objects.select_for_update().get(pk=user.organisation_id)
        if organisation.suspended_at is not None:
            raise PermissionDenied("Your organisation's access is suspended.")
        nda = current_nda()
        if nda is None:
            raise ValidationError("No NDA has been published yet; there is nothing to accept.")
        if (nda_sha256 or "").strip().lower() != nda.sha256:
            raise ValidationError("The NDA changed while you were reading; read the new version and accept it.")
        existing = NdaAcceptance.objects.filter(user=user, nda_text=nda).first()
        if existing is not None:
            return existing
        acceptance = NdaAcceptance.objects.create(
            user=user,
            organisation=organisation,
            nda_text=nda,
            nda_sha256=nda.sha256,
            full_name=full_name,
            title=title,
            ip=client_ip(request),
            user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:USER_AGENT_MAX],
            accepted_at=timezone.now(),
        )
        if not organisation.is_nda_covered:
            organisation.is_nda_covered = True
            organisation.save(update_fields=["is_nda_covered"])
        audit_record(
            action="nda.accepted",
            actor=user,
            obj=acceptance,
            data={
                "organisation": organisation.name,
                "version": nda.version,
                "sha256": nda.sha256,
                "full_name": full_name,
                "title": title,
            },
            request=request,
        )
        transaction.on_commit(lambda: _queue_acceptance_notice(acceptance.pk))
    return acceptance


def _queue_acceptance_notice(acceptance_id: int) -> None:
    from .tasks import nda_acceptance_notify_task

    nda_acceptance_notify_task.delay(acceptance_id)


def security_lead_emails() -> list[str]:
    """Addresses of the active security leads, who hear of NDA acceptances."""
    return list(
        User.objects.filter(role=Role.SECURITY_LEAD, is_active=True).order_by("email").values_list("email", flat=True)
    )


def nda_acceptance_notify(*, acceptance_id: int) -> int:
    """Mail the security leads that an NDA was accepted; returns how many were told (0 when the record is gone)."""
    acceptance = (
        NdaAcceptance.objects.select_related("user", "organisation", "nda_text").filter(pk=acceptance_id).first()
    )
    recipients = security_lead_emails()
    if acceptance is None or not recipients:
        return 0
    body = render_to_string("evidence/email/nda_accepted.txt", {"acceptance": acceptance})
    subject = f"[Trustpack] {acceptance.organisation.name} accepted NDA v{acceptance.nda_text.version}"
    send_mail(subject, body, None, recipients, fail_silently=False)
    return len(recipients)


DEMO_NDA_TITLE = "Mutual non-disclosure agreement (demo)"


def nda_seed_demo(*, publisher: User) -> NdaText:
    """The demo NDA (version 1), published once; nobody has accepted it, so the customer's journey starts there."""
    nda = current_nda()
    if nda is not None:
        return nda
    return nda_publish(
        actor=publisher,
        title=DEMO_NDA_TITLE,
        body=render_to_string("evidence/nda_demo.txt", {"vendor": settings.TRUSTPACK_VENDOR_NAME}),
    )
