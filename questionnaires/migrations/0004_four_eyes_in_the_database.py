"""The database refuses an approval by anyone who edited the response or the library version.

The services check the same rule first (accounts.policies.four_eyes_refusal) and say why; these triggers
make sure no other path (a shell, a future bug, a direct UPDATE) records a self-approval.
"""

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION response_approver_not_an_editor() RETURNS trigger AS $$
BEGIN
    IF NEW.approver_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM questionnaires_response_editors e WHERE e.response_id = NEW.id AND e.user_id = NEW.approver_id
    ) THEN
        RAISE EXCEPTION 'four eyes: the approver edited this response' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER response_approver_not_an_editor
    BEFORE UPDATE OF approver_id ON questionnaires_response
    FOR EACH ROW EXECUTE FUNCTION response_approver_not_an_editor();

CREATE OR REPLACE FUNCTION version_approver_not_an_editor() RETURNS trigger AS $$
BEGIN
    IF NEW.approver_id IS NOT NULL AND (NEW.approver_id = NEW.last_edited_by_id OR EXISTS (
        SELECT 1 FROM library_libraryentryversion_editors e
        WHERE e.libraryentryversion_id = NEW.id AND e.user_id = NEW.approver_id
    )) THEN
        RAISE EXCEPTION 'four eyes: the approver edited this version' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER version_approver_not_an_editor
    BEFORE UPDATE OF approver_id ON library_libraryentryversion
    FOR EACH ROW EXECUTE FUNCTION version_approver_not_an_editor();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS response_approver_not_an_editor ON questionnaires_response;
DROP FUNCTION IF EXISTS response_approver_not_an_editor();
DROP TRIGGER IF EXISTS version_approver_not_an_editor ON library_libraryentryversion;
DROP FUNCTION IF EXISTS version_approver_not_an_editor();
"""

SQLITE_CREATE = [
    """
    CREATE TRIGGER response_approver_not_an_editor
    BEFORE UPDATE OF approver_id ON questionnaires_response
    WHEN NEW.approver_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM questionnaires_response_editors e WHERE e.response_id = NEW.id AND e.user_id = NEW.approver_id
    )
    BEGIN
        SELECT RAISE(ABORT, 'four eyes: the approver edited this response');
    END;
    """,
    """
    CREATE TRIGGER version_approver_not_an_editor
    BEFORE UPDATE OF approver_id ON library_libraryentryversion
    WHEN NEW.approver_id IS NOT NULL AND (NEW.approver_id = NEW.last_edited_by_id OR EXISTS (
        SELECT 1 FROM library_libraryentryversion_editors e
        WHERE e.libraryentryversion_id = NEW.id AND e.user_id = NEW.approver_id
    ))
    BEGIN
        SELECT RAISE(ABORT, 'four eyes: the approver edited this version');
    END;
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS response_approver_not_an_editor;",
    "DROP TRIGGER IF EXISTS version_approver_not_an_editor;",
]


def _run(postgres_sql, sqlite_statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgres_sql, params=None)
        elif vendor == "sqlite":
            for statement in sqlite_statements:
                schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0003_import_job_claims"), ("library", "0003_version_evidence_valid_until")]

    operations = [
        migrations.RunPython(_run(POSTGRES_CREATE, SQLITE_CREATE), _run(POSTGRES_DROP, SQLITE_DROP), elidable=False)
    ]
