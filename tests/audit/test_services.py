"""The audit chain: recording, checkpoints, verification, and tampering of every kind being caught."""

import itertools
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit import services
from audit.models import GENESIS_HASH, AuditEvent
from audit.services import audit_chain_verify, audit_record
from audit.tasks import audit_chain_verify_task

from .tampering import chain_rehash_without_key, guessed_key, head_set, plain_sha256, tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(manager, django_capture_on_commit_callbacks):
    """Five events, each committed, so each has had its checkpoint written."""
    events = []
    for i in range(1, 6):
        with django_capture_on_commit_callbacks(execute=True):
            events.append(audit_record(action=f"test.event{i}", actor=manager, data={"i": i}))
    return events


def checkpoint_names() -> list[str]:
    try:
        return sorted(default_storage.listdir(services.CHECKPOINT_DIR)[1])
    except FileNotFoundError:
        return []


def test_events_link_to_their_predecessor(chain):
    assert chain[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash and after.seq == before.seq + 1
    report = audit_chain_verify()
    assert report.ok and report.checked == 5


def test_an_edited_row_is_caught(chain):
    tamper("UPDATE audit_auditevent SET actor_email = %s WHERE seq = 3", ["someone-else@example.com"])
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 3 and "edited" in report.problem


def test_edited_data_is_caught(chain):
    tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 2", ['{"i": 99}'])
    assert audit_chain_verify().event_seq == 2


def test_a_deleted_row_is_caught(chain):
    tamper("DELETE FROM audit_auditevent WHERE seq = 2")
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 3


def test_the_newest_row_deleted_is_caught(chain):
    tamper("DELETE FROM audit_auditevent WHERE seq = 5")
    report = audit_chain_verify()
    assert not report.ok and "newest events were removed" in report.problem


def test_reordered_rows_are_caught(chain):
    # Swap the order of events 2 and 4 (a temporary number avoids the unique constraint).
    tamper("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 2")
    tamper("UPDATE audit_auditevent SET seq = 2 WHERE seq = 4")
    tamper("UPDATE audit_auditevent SET seq = 4 WHERE seq = 1000")
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 2


def test_renumbered_and_rehashed_row_is_still_caught_by_its_successor(chain):
    forged = AuditEvent.objects.get(seq=3)
    forged.action = "test.forged"
    new_hash = services.event_hash(forged)
    tamper("UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = 3", ["test.forged", new_hash])
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 4


@pytest.mark.parametrize("mac", [plain_sha256, guessed_key], ids=["plain-sha256", "guessed-key"])
def test_a_chain_recomputed_without_the_key_is_caught(chain, mac):
    tamper("UPDATE audit_auditevent SET action = 'test.forged' WHERE seq = 3")
    chain_rehash_without_key(mac)
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 1 and report.problem == "event #1 (test.event1) was edited"


def test_the_hash_depends_on_the_key(chain, settings):
    event = AuditEvent.objects.get(seq=1)
    before = services.event_hash(event)
    settings.AUDIT_HMAC_KEY = "another-key-0123456789-0123456789-0123456789"
    assert services.event_hash(event) != before


def test_each_commit_writes_a_checkpoint_and_keeps_only_the_newest_between_milestones(chain):
    assert checkpoint_names() == ["000000000005.json"]
    with default_storage.open(f"{services.CHECKPOINT_DIR}/000000000005.json") as file:
        body = json.loads(file.read())
    assert (body["seq"], body["hash"]) == (5, chain[-1].hash) and body["at"] and body["mac"]


def test_milestone_checkpoints_are_kept(manager, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services, "CHECKPOINT_KEEP_EVERY", 2)
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            audit_record(action=f"test.event{i}", actor=manager)
    assert checkpoint_names() == ["000000000002.json", "000000000004.json", "000000000005.json"]
    assert audit_chain_verify().ok


def test_a_rolled_back_event_gets_no_checkpoint(manager, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit_record(action="test.rolled_back", actor=manager)
        raise RuntimeError
    assert callbacks == [] and checkpoint_names() == []


def test_a_truncated_trail_with_its_head_reset_is_caught(chain):
    tamper("DELETE FROM audit_auditevent")
    head_set(0, GENESIS_HASH)
    report = audit_chain_verify()
    assert not report.ok and report.checked == 0 and report.event_seq == 5
    assert "reached #5 but the trail was truncated" in report.problem


def test_newest_events_removed_with_the_head_rewound_are_caught(chain):
    tamper("DELETE FROM audit_auditevent WHERE seq > 3")
    head_set(3, chain[2].hash)
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 5
    assert "reached #5 but the chain ends at #3: newer events were removed" in report.problem


def test_removed_events_replaced_by_new_appends_are_caught(chain, manager, django_capture_on_commit_callbacks):
    tamper("DELETE FROM audit_auditevent WHERE seq > 3")
    head_set(3, chain[2].hash)
    for i in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            audit_record(action=f"test.replacement{i}", actor=manager)
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 5
    assert "differs from its signed checkpoint" in report.problem


@pytest.mark.parametrize("change", ["hash", "mac", "seq", "garbage"])
def test_a_forged_or_altered_checkpoint_is_caught(chain, change):
    name = f"{services.CHECKPOINT_DIR}/000000000005.json"
    with default_storage.open(name) as file:
        body = json.loads(file.read())
    if change == "hash":
        body["hash"] = chain[1].hash
    elif change == "mac":
        body["mac"] = "0" * 64
    elif change == "seq":
        body["seq"] = 2
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"{not json" if change == "garbage" else json.dumps(body).encode()))
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 5 and "checkpoint 000000000005.json" in report.problem


def test_a_checkpoint_added_without_the_key_is_caught(chain):
    forged = {"seq": 9, "hash": "f" * 64, "at": "2026-01-01T00:00:00+00:00", "mac": "0" * 64}
    default_storage.save(f"{services.CHECKPOINT_DIR}/000000000009.json", ContentFile(json.dumps(forged).encode()))
    report = audit_chain_verify()
    assert not report.ok and "checkpoint 000000000009.json has no valid signature" in report.problem


def test_events_newer_than_the_last_checkpoint_still_verify(chain, manager):
    audit_record(action="test.not_yet_checkpointed", actor=manager)  # its on-commit write has not run
    report = audit_chain_verify()
    assert report.ok and report.checked == 6


def test_nightly_verification_writes_a_missing_checkpoint(manager):
    for i in range(3):
        audit_record(action=f"test.event{i}", actor=manager)  # on-commit writes never ran
    assert checkpoint_names() == []
    assert audit_chain_verify_task()["ok"] is True
    assert checkpoint_names() == ["000000000003.json"]
    assert audit_chain_verify_task()["ok"] is True


def test_nightly_verification_checkpoints_nothing_when_the_chain_is_broken(manager):
    for i in range(3):
        audit_record(action=f"test.event{i}", actor=manager)
    tamper("UPDATE audit_auditevent SET action = 'x' WHERE seq = 2")
    assert audit_chain_verify_task()["ok"] is False
    assert checkpoint_names() == []


def test_audit_verify_command_fails_on_a_truncated_trail(chain):
    tamper("DELETE FROM audit_auditevent")
    head_set(0, GENESIS_HASH)
    with pytest.raises(CommandError, match="truncated"):
        call_command("audit_verify")


def test_audit_verify_command_exit_codes(chain):
    call_command("audit_verify")  # exits 0: no exception
    tamper("UPDATE audit_auditevent SET action = 'x' WHERE seq = 4")
    with pytest.raises(CommandError, match="#4"):
        call_command("audit_verify")


def test_recording_rolls_back_with_the_callers_transaction(manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.rolled_back", actor=manager)
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    assert audit_chain_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_postgresql_refuses_update_and_delete(chain):
    from django.db import DatabaseError

    for sql in ("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1", "DELETE FROM audit_auditevent WHERE seq = 1"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert audit_chain_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers; the race shows on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_a_single_unbroken_chain():
    import threading

    from django.db import connections

    threads_count, per_thread = 4, 5
    barrier = threading.Barrier(threads_count)
    errors = []

    def append(n):
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                audit_record(action=f"test.race.{n}.{i}")
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    report = audit_chain_verify()
    assert report.ok and report.checked == threads_count * per_thread
