"""Recording audit events and verifying the chain."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditEvent


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over a canonical JSON form of every recorded field and the previous hash."""
    payload = {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "data": event.data,
        "ip": event.ip,
        "via": event.via,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def client_ip(request: HttpRequest | None) -> str | None:
    """The peer address Django saw (a TLS proxy in front sets REMOTE_ADDR through the WSGI server)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    data: dict | None = None,
    request: HttpRequest | None = None,
    via: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (rolled back with it)."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        # Taking the head's row lock first serialises appends (PostgreSQL row lock, SQLite write lock).
        AuditChainHead.objects.get_or_create(pk=1)
        AuditChainHead.objects.filter(pk=1).update(seq=models.F("seq"))
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor,
            actor_email=getattr(actor, "email", "") or "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:200] if obj is not None else "",
            data=json.loads(json.dumps(data or {}, default=str)),
            ip=client_ip(request),
            via=via or (AuditEvent.Via.WEB if request is not None else AuditEvent.Via.CLI),
            prev_hash=head.hash,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    problem: str = ""
    event_seq: int | None = None


def audit_chain_verify() -> ChainReport:
    """Walk the whole chain in order; report the first event that was edited, removed or moved."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                f"event #{event.seq} follows #{expected_seq - 1}: events were deleted or renumbered",
                event.seq,
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                checked,
                f"event #{event.seq} does not link to the event before it: rows were deleted or reordered",
                event.seq,
            )
        if event_hash(event) != event.hash:
            return ChainReport(False, checked, f"event #{event.seq} ({event.action}) was edited", event.seq)
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (expected_seq - 1, expected_prev):
        return ChainReport(
            False,
            checked,
            f"the chain ends at #{expected_seq - 1} but the last recorded event is #{head_seq}: "
            "the newest events were removed",
            head_seq,
        )
    return ChainReport(True, checked)
