"""The database refuses to change the text or sign-off of an approved (or superseded) version.

PostgreSQL also refuses to delete one. On SQLite only the UPDATE guard is installed: test databases
there are reset with DELETE between tests.
"""

from django.db import migrations

FROZEN_COLUMNS = [
    "entry_id",
    "number",
    "question",
    "answer",
    "short_answer",
    "aliases",
    "sources",
    "author_id",
    "approver_id",
    "approved_at",
]

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION library_version_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ('approved', 'superseded') THEN
            RAISE EXCEPTION 'approved library versions are immutable: DELETE refused' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status IN ('approved', 'superseded') AND (
        {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)}
        OR NEW.status NOT IN ('approved', 'superseded')
    ) THEN
        RAISE EXCEPTION 'approved library versions are immutable: UPDATE refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER library_version_frozen
    BEFORE UPDATE OR DELETE ON library_libraryentryversion
    FOR EACH ROW EXECUTE FUNCTION library_version_frozen();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS library_version_frozen ON library_libraryentryversion;
DROP FUNCTION IF EXISTS library_version_frozen();
"""

SQLITE_CREATE = f"""
CREATE TRIGGER library_version_frozen
BEFORE UPDATE ON library_libraryentryversion
WHEN OLD.status IN ('approved', 'superseded') AND (
    {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)}
    OR NEW.status NOT IN ('approved', 'superseded')
)
BEGIN
    SELECT RAISE(ABORT, 'approved library versions are immutable: UPDATE refused');
END;
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS library_version_frozen;"


def _run(postgres_sql, sqlite_sql):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgres_sql, params=None)
        elif vendor == "sqlite":
            schema_editor.execute(sqlite_sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.RunPython(_run(POSTGRES_CREATE, SQLITE_CREATE), _run(POSTGRES_DROP, SQLITE_DROP), elidable=False)
    ]
