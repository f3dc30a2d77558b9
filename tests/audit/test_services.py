"""The audit chain: recording, verification, and tampering of every kind being caught."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import audit_chain_verify, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(manager):
    return [audit_record(action=f"test.event{i}", actor=manager, data={"i": i}) for i in range(1, 6)]


def _tamper(sql: str, params=()) -> None:
    """Change rows behind the application's back (on PostgreSQL the trigger must be lifted first)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_events_link_to_their_predecessor(chain):
    assert chain[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash and after.seq == before.seq + 1
    report = audit_chain_verify()
    assert report.ok and report.checked == 5


def test_an_edited_row_is_caught(chain):
    _tamper("UPDATE audit_auditevent SET actor_email = %s WHERE seq = 3", ["someone-else@example.com"])
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 3 and "edited" in report.problem


def test_edited_data_is_caught(chain):
    _tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 2", ['{"i": 99}'])
    assert audit_chain_verify().event_seq == 2


def test_a_deleted_row_is_caught(chain):
    _tamper("DELETE FROM audit_auditevent WHERE seq = 2")
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 3


def test_the_newest_row_deleted_is_caught(chain):
    _tamper("DELETE FROM audit_auditevent WHERE seq = 5")
    report = audit_chain_verify()
    assert not report.ok and "newest events were removed" in report.problem


def test_reordered_rows_are_caught(chain):
    # Swap the order of events 2 and 4 (a temporary number avoids the unique constraint).
    _tamper("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 2")
    _tamper("UPDATE audit_auditevent SET seq = 2 WHERE seq = 4")
    _tamper("UPDATE audit_auditevent SET seq = 4 WHERE seq = 1000")
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 2


def test_renumbered_and_rehashed_row_is_still_caught_by_its_successor(chain):
    from audit.services import event_hash

    forged = AuditEvent.objects.get(seq=3)
    forged.action = "test.forged"
    new_hash = event_hash(forged)
    _tamper("UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = 3", ["test.forged", new_hash])
    report = audit_chain_verify()
    assert not report.ok and report.event_seq == 4


def test_audit_verify_command_exit_codes(chain):
    call_command("audit_verify")  # exits 0: no exception
    _tamper("UPDATE audit_auditevent SET action = 'x' WHERE seq = 4")
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
