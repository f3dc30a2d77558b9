"""The application's PostgreSQL role: it appends and reads audit events but cannot rewrite them, and a trail
rewritten by the owner role fails verification.

These need PostgreSQL (SQLite has no roles); they skip, saying why, elsewhere, and fail instead when the
run asked for the services (TRUSTPACK_REQUIRE_SERVICES, as .ci/run sets).
"""

import io
import os
import uuid
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.models import GENESIS_HASH, AuditEvent
from audit.services import audit_chain_verify, audit_record

from .tampering import chain_rehash_without_key, head_set, tamper

pytestmark = pytest.mark.django_db(transaction=True)

REWRITES = [
    "UPDATE audit_auditevent SET action = 'forged'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
    "DROP TRIGGER audit_event_append_only ON audit_auditevent",
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ "
    "LANGUAGE plpgsql",
    "DROP TABLE audit_auditevent",
]


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def app_role(transactional_db):
    """A login role private to this test, which owns nothing; dropped afterwards."""
    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL: SQLite has no database roles (run with DATABASE_URL=postgres://…, as .ci/run does)"
        if os.environ.get("TRUSTPACK_REQUIRE_SERVICES"):
            pytest.fail(reason)  # CI asked for PostgreSQL: a skip here would hide a broken setup
        pytest.skip(reason)
    role = f"trustpack_audit_test_{uuid.uuid4().hex[:12]}"
    _sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER")
    yield role
    connection.close()
    _sql(f"DROP OWNED BY {role}")  # its privileges in this database, and anything a test made it own
    _sql(f"DROP ROLE {role}")


@contextmanager
def connected_as(role: str):
    """The application's own connection, logged in as `role` (trust authentication, as on the test machine)."""
    original = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = role
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["USER"] = original


def _grant(role: str) -> str:
    out = io.StringIO()
    call_command("db_grant_app_role", role, stdout=out)
    return out.getvalue()


def test_app_role_appends_and_verifies_but_cannot_rewrite_audit_events(app_role):
    _grant(app_role)
    with connected_as(app_role):
        assert connection.cursor().connection.info.user == app_role
        for i in range(3):
            audit_record(action=f"test.role.{i}")  # the head's row lock, the insert and the head update
        assert audit_chain_verify().ok
        for statement in REWRITES:
            with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), transaction.atomic():
                _sql(statement)
    report = audit_chain_verify()
    assert report.ok and report.checked == 3


def test_app_role_writes_the_other_tables(app_role):
    _grant(app_role)
    with connected_as(app_role):
        call_command("seed_demo", "--users-only", stdout=io.StringIO())
        call_command("seed_demo", "--users-only", stdout=io.StringIO())  # updates existing rows the second time
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            _sql("DELETE FROM django_migrations")
    assert audit_chain_verify().ok


def test_a_trail_rewritten_by_the_owner_role_fails_audit_verify(app_role):
    _grant(app_role)
    with connected_as(app_role):
        for i in range(5):
            audit_record(action=f"test.role.{i}")
        call_command("audit_verify", stdout=io.StringIO())
    # The owner (this connection) can lift the trigger; without the key its re-chained trail does not verify.
    tamper("UPDATE audit_auditevent SET action = 'test.forged' WHERE seq = 2")
    chain_rehash_without_key()
    with connected_as(app_role), pytest.raises(CommandError, match="#1"):
        call_command("audit_verify")


def test_a_trail_truncated_by_the_owner_role_fails_audit_verify(app_role):
    _grant(app_role)
    with connected_as(app_role):
        for i in range(5):
            audit_record(action=f"test.role.{i}")
    _sql("TRUNCATE audit_auditevent")
    head_set(0, GENESIS_HASH)
    assert not AuditEvent.objects.exists()
    with connected_as(app_role), pytest.raises(CommandError, match="reached #5 but the trail was truncated"):
        call_command("audit_verify")


def test_granting_again_takes_back_privileges_given_by_hand(app_role):
    _grant(app_role)
    _sql(f"GRANT UPDATE, DELETE, TRUNCATE ON audit_auditevent TO {app_role}")
    assert "SELECT, INSERT only on audit_auditevent" in _grant(app_role)
    with connected_as(app_role), pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _sql("TRUNCATE audit_auditevent")


def test_a_role_that_owns_a_table_is_refused(app_role):
    _sql(f"CREATE TABLE audit_test_owned_{app_role[-12:]} (id integer)")
    _sql(f"ALTER TABLE audit_test_owned_{app_role[-12:]} OWNER TO {app_role}")
    with pytest.raises(CommandError, match=f"REASSIGN OWNED BY {app_role}"):
        _grant(app_role)


def test_a_role_that_owns_the_database_is_refused(app_role):
    # The owner of the database owns its public schema (PostgreSQL 15), and a schema's owner may drop its tables.
    database = connection.settings_dict["NAME"]
    _sql(f"ALTER DATABASE {database} OWNER TO {app_role}")
    try:
        with pytest.raises(CommandError, match="schema public"):
            _grant(app_role)
    finally:
        _sql(f"ALTER DATABASE {database} OWNER TO CURRENT_USER")


def test_a_superuser_role_is_refused(app_role):
    _sql(f"ALTER ROLE {app_role} SUPERUSER")
    with pytest.raises(CommandError, match="superuser"):
        _grant(app_role)
