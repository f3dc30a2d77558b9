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


def action_choices() -> list[str]:
    """Every action recorded so far, for the filter menu."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
