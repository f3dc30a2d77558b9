"""The PostgreSQL role the application runs as: everything it needs, and no way to rewrite the audit trail.

Migrations run as an owner role that owns every table and trigger. The application role owns nothing,
so it cannot DISABLE the append-only trigger, TRUNCATE or drop a table; on `audit_auditevent` it may
only SELECT and INSERT.
"""

import re

from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from .models import AuditEvent

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# What the application role must never hold on the audit table, however it came by it.
AUDIT_FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


class RoleError(Exception):
    """The role cannot safely be given the application's privileges; the message says why and what to do."""


def _one(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _all(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def app_role_grant(*, role: str) -> list[str]:
    """Give `role` DML on every table now present, only SELECT and INSERT on audit events; refuse if it owns any."""
    if connection.vendor != "postgresql":
        raise RoleError("database roles exist on PostgreSQL only; SQLite has none to grant")
    if not ROLE_NAME.match(role):
        raise RoleError(f"{role!r} is not a plain lower-case role name")
    row = _one("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    if row is None:
        raise RoleError(f"role {role} does not exist: CREATE ROLE {role} LOGIN PASSWORD '…' first")
    if row[0] or row[1]:
        raise RoleError(f"role {role} is a superuser or bypasses row security: privileges would not bind it")
    schema, owner = _one("SELECT current_schema(), current_user", [])
    if role == owner:
        raise RoleError(f"run this as the role that owns the tables (the one that ran migrate), not as {role}")
    audit_table, migrations_table = AuditEvent._meta.db_table, MigrationRecorder.Migration._meta.db_table
    if not _one(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
        [schema, audit_table],
    )[0]:
        raise RoleError(f"{owner} does not own {audit_table}: run this as the role that ran migrate")
    # Ownership, or membership of an owning role, would let the role disable triggers, truncate, drop or
    # replace the trigger function: privileges cannot take that away, so refuse instead.
    owned = _all(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %(schema)s AND pg_has_role(%(role)s, c.relowner, 'MEMBER') "
        "UNION ALL SELECT p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = %(schema)s AND pg_has_role(%(role)s, p.proowner, 'MEMBER') "
        "UNION ALL SELECT 'schema ' || nspname FROM pg_namespace "
        "WHERE nspname = %(schema)s AND pg_has_role(%(role)s, nspowner, 'MEMBER') "
        "ORDER BY 1",
        {"schema": schema, "role": role},
    )
    if owned:
        names = ", ".join(name for (name,) in owned[:5]) + (" …" if len(owned) > 5 else "")
        raise RoleError(
            f"role {role} owns (or is a member of a role owning) {names}: run "
            f"`REASSIGN OWNED BY {role} TO {owner}` (and `ALTER SCHEMA {schema} OWNER TO {owner}` if it owns the "
            "schema or the database), then this again"
        )
    quoted_role, quoted_schema = connection.ops.quote_name(role), connection.ops.quote_name(schema)
    with transaction.atomic(), connection.cursor() as cursor:
        # Revoke first, so privileges granted by hand earlier do not linger; in one transaction, so the
        # running application never sees the gap.
        for statement in (
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {quoted_schema} FROM {quoted_role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {quoted_schema} FROM {quoted_role}",
            f"GRANT USAGE ON SCHEMA {quoted_schema} TO {quoted_role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quoted_schema} TO {quoted_role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quoted_schema} TO {quoted_role}",
            f"REVOKE INSERT, UPDATE, DELETE ON {connection.ops.quote_name(migrations_table)} FROM {quoted_role}",
            f"REVOKE UPDATE, DELETE ON {connection.ops.quote_name(audit_table)} FROM {quoted_role}",
        ):
            cursor.execute(statement)
        # A grant to PUBLIC or membership of pg_write_all_data would survive the revokes above.
        qualified = f"{quoted_schema}.{connection.ops.quote_name(audit_table)}"
        kept = [p for p in AUDIT_FORBIDDEN if _one("SELECT has_table_privilege(%s, %s, %s)", [role, qualified, p])[0]]
        if kept:
            raise RoleError(
                f"role {role} still holds {', '.join(kept)} on {audit_table} through PUBLIC or another role: "
                "revoke that grant or membership, then run this again"
            )
        tables = _one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v')",
            [schema],
        )[0]
    return [
        f"{role}: SELECT, INSERT, UPDATE, DELETE on {tables - 2} tables in schema {schema}",
        f"{role}: SELECT, INSERT only on {audit_table}; SELECT only on {migrations_table}",
        f"{role}: owns nothing, so it cannot disable triggers, TRUNCATE or drop tables",
    ]
