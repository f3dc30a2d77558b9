"""Reads of the audit trail."""

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent


def event_list(
    *, action: str = "", actor: str = "", object_type: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[AuditEvent]:
    """Events newest first, narrowed by action prefix, actor email, object type and date range (inclusive)."""
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_email__icontains=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    if since:
        events = events.filter(at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until:
        events = events.filter(at__lte=timezone.make_aware(datetime.combine(until, time.max)))
    return events


def recent_events(*, limit: int, actor_id: int | None = None) -> list[AuditEvent]:
    """The newest events, of one actor when given."""
    events = AuditEvent.objects.all()
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    return list(events[:limit])


def action_choices() -> list[str]:
    """Every action recorded so far, for the filter menu."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def chain_status():
    """The chain's verification, reused for a minute while the newest event stays the same (walking a long
    trail on every page view would be slow); the nightly task and `audit_verify` always walk it all."""
    from django.core.cache import cache

    from .models import AuditChainHead
    from .services import audit_chain_verify

    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    key = f"audit-chain-status:{head[0]}:{head[1]}"
    report = cache.get(key)
    if report is None:
        report = audit_chain_verify()
        cache.set(key, report, timeout=60)
    return report
