"""Recording audit events, checkpointing the chain outside the database, and verifying both.

Whoever can write the database can rewrite rows and the chain head, so neither alone proves anything:
each event's hash is an HMAC under AUDIT_HMAC_KEY, which the database never holds, and after each
append a signed checkpoint (seq, hash) goes to the file store, which the database role cannot reach.
"""

import hmac
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditEvent

CHECKPOINT_DIR = "audit-checkpoints"
# Every append writes a checkpoint and removes the one before it unless that one's seq is a multiple
# of this: the folder stays at about (events / 1000) files, so verification reads few of them, while
# the newest checkpoint always pins the whole chain.
CHECKPOINT_KEEP_EVERY = 1000
# "<seq>.json", or "<seq>_<suffix>.json" when two writers raced for the same seq (the storage renames).
CHECKPOINT_NAME = re.compile(r"^(\d+)(_[^.]*)?\.json$")


def _mac(message: bytes) -> str:
    return hmac.digest(settings.AUDIT_HMAC_KEY.encode(), message, "sha256").hex()


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(event: AuditEvent) -> str:
    """HMAC-SHA256, under a key the database never holds, of every recorded field and the previous hash."""
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
    return _mac(_canonical(payload))


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N > 0 the X-Forwarded-For entry
    N-th from the right (the peer the outermost trusted proxy saw), when that entry is a valid address."""
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        # No proxy in front: anyone can send the header, so it is never read.
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < trusted:
        # Too short: the request did not come through every proxy we were told about.
        return peer
    try:
        return str(ipaddress.ip_address(hops[-trusted]))
    except ValueError:
        return peer


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
        # After commit only, so a rolled-back event is never checkpointed; robust, because the event is
        # committed by then and a storage outage must not turn the request into an error (the nightly
        # verification writes the missing checkpoint).
        transaction.on_commit(partial(audit_checkpoint_write, seq=event.seq, hash=event.hash), robust=True)
    return event


def _checkpoint_name(seq: int) -> str:
    # Zero-padded so that names sort in chain order.
    return f"{CHECKPOINT_DIR}/{seq:012d}.json"


def _checkpoint_mac(seq: int, hash: str, at: str) -> str:
    # Labelled, so that a checkpoint's MAC can never be passed off as an event hash or the reverse.
    return _mac(b"checkpoint:" + _canonical({"seq": seq, "hash": hash, "at": at}))


def audit_checkpoint_write(*, seq: int, hash: str) -> None:
    """Store a signed (seq, hash) as a new file, never replacing one; keep only every 1000th and the newest."""
    if seq < 1:
        return
    name = _checkpoint_name(seq)
    if not default_storage.exists(name):
        at = timezone.now().astimezone(UTC).isoformat(timespec="microseconds")
        body = {"seq": seq, "hash": hash, "at": at, "mac": _checkpoint_mac(seq, hash, at)}
        default_storage.save(name, ContentFile(_canonical(body)))
    previous = seq - 1
    if previous % CHECKPOINT_KEEP_EVERY and default_storage.exists(_checkpoint_name(previous)):
        default_storage.delete(_checkpoint_name(previous))


def _checkpoints_read() -> tuple[dict[int, str], str, int | None]:
    """Every stored checkpoint as {seq: hash}, or a problem naming the first one whose signature is wrong."""
    try:
        _, names = default_storage.listdir(CHECKPOINT_DIR)
    except FileNotFoundError:
        return {}, "", None
    checkpoints: dict[int, str] = {}
    for name in sorted(names):
        match = CHECKPOINT_NAME.match(name)
        if match is None:
            continue
        named_seq = int(match.group(1))
        try:
            with default_storage.open(f"{CHECKPOINT_DIR}/{name}") as file:
                body = json.loads(file.read())
            seq, hash_, at, mac = int(body["seq"]), str(body["hash"]), str(body["at"]), str(body["mac"])
        except (OSError, ValueError, TypeError, KeyError) as error:
            return (
                {},
                f"checkpoint {name} is unreadable ({type(error).__name__}): altered, or the store failed",
                named_seq,
            )
        if seq != named_seq or not hmac.compare_digest(mac, _checkpoint_mac(seq, hash_, at)):
            return {}, f"checkpoint {name} has no valid signature: it was forged or altered", named_seq
        checkpoints[seq] = hash_
    return checkpoints, "", None


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    problem: str = ""
    event_seq: int | None = None
    head_hash: str = ""  # the last verified hash, set when ok


def audit_chain_verify() -> ChainReport:
    """Report the first edited, removed or moved event, a chain short of its newest checkpoint, or a forged one."""
    checkpoints, problem, problem_seq = _checkpoints_read()
    if problem:
        return ChainReport(False, 0, problem, problem_seq)
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
        if checkpoints.get(event.seq, event.hash) != event.hash:
            return ChainReport(
                False,
                checked,
                f"event #{event.seq} differs from its signed checkpoint: the trail was rewritten",
                event.seq,
            )
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
    last_checkpoint = max(checkpoints, default=0)
    if last_checkpoint > checked:
        what = "the trail was truncated" if checked == 0 else f"the chain ends at #{checked}: newer events were removed"
        return ChainReport(
            False,
            checked,
            f"a signed checkpoint shows the chain reached #{last_checkpoint} but {what} and the head rewound",
            last_checkpoint,
        )
    return ChainReport(True, checked, head_hash=expected_prev)
