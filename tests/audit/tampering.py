"""What someone who can write the database, but does not hold AUDIT_HMAC_KEY, can do to the trail."""

import hashlib
import hmac
from unittest import mock

from django.db import connection

from audit import services
from audit.models import GENESIS_HASH, AuditChainHead, AuditEvent


def tamper(sql: str, params=()) -> None:
    """Change rows behind the application's back (on PostgreSQL the owner lifts the trigger first)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def head_set(seq: int, hash_: str) -> None:
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=hash_)


def plain_sha256(message: bytes) -> str:
    return hashlib.sha256(message).hexdigest()


def guessed_key(message: bytes) -> str:
    return hmac.digest(b"a-guessed-key", message, "sha256").hex()


def chain_rehash_without_key(mac=plain_sha256) -> None:
    """Re-chain every event and the head exactly as the code does, but with `mac` in place of the keyed HMAC:
    the best a forger who has the database and the source, but not the key, can do."""
    prev = GENESIS_HASH
    with mock.patch.object(services, "_mac", mac):
        for event in AuditEvent.objects.order_by("seq"):
            event.prev_hash = prev
            event.hash = services.event_hash(event)
            tamper(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, event.hash, event.seq]
            )
            prev = event.hash
            head_set(event.seq, prev)
