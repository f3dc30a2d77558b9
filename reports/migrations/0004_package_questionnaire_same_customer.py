"""The database refuses a package that carries another customer's questionnaire, and a questionnaire that
moves to another customer while a package carries it.

The services refuse both first, with a message (accounts.policies.organisation_link_refusal); the
triggers hold the rule for every other path.
"""

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION package_questionnaire_same_customer() RETURNS trigger AS $$
BEGIN
    IF NEW.questionnaire_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM questionnaires_questionnaire q
        WHERE q.id = NEW.questionnaire_id AND q.organisation_id = NEW.organisation_id
    ) THEN
        RAISE EXCEPTION 'a package carries only its own customer''s questionnaire' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER package_questionnaire_same_customer
    BEFORE INSERT OR UPDATE OF questionnaire_id, organisation_id ON reports_package
    FOR EACH ROW EXECUTE FUNCTION package_questionnaire_same_customer();

CREATE OR REPLACE FUNCTION questionnaire_stays_with_its_packages() RETURNS trigger AS $$
BEGIN
    IF NEW.organisation_id IS DISTINCT FROM OLD.organisation_id AND EXISTS (
        SELECT 1 FROM reports_package p WHERE p.questionnaire_id = NEW.id
    ) THEN
        RAISE EXCEPTION 'a questionnaire in a package keeps its customer' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER questionnaire_stays_with_its_packages
    BEFORE UPDATE OF organisation_id ON questionnaires_questionnaire
    FOR EACH ROW EXECUTE FUNCTION questionnaire_stays_with_its_packages();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS package_questionnaire_same_customer ON reports_package;
DROP FUNCTION IF EXISTS package_questionnaire_same_customer();
DROP TRIGGER IF EXISTS questionnaire_stays_with_its_packages ON questionnaires_questionnaire;
DROP FUNCTION IF EXISTS questionnaire_stays_with_its_packages();
"""

_MISMATCH = """
    WHEN NEW.questionnaire_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM questionnaires_questionnaire q
        WHERE q.id = NEW.questionnaire_id AND q.organisation_id = NEW.organisation_id
    )
    BEGIN
        SELECT RAISE(ABORT, 'a package carries only its own customer''s questionnaire');
    END;
"""

SQLITE_CREATE = [
    "CREATE TRIGGER package_questionnaire_same_customer_insert BEFORE INSERT ON reports_package" + _MISMATCH,
    "CREATE TRIGGER package_questionnaire_same_customer_update BEFORE UPDATE OF questionnaire_id, organisation_id "
    "ON reports_package" + _MISMATCH,
    """
    CREATE TRIGGER questionnaire_stays_with_its_packages
    BEFORE UPDATE OF organisation_id ON questionnaires_questionnaire
    WHEN NEW.organisation_id IS NOT OLD.organisation_id AND EXISTS (
        SELECT 1 FROM reports_package p WHERE p.questionnaire_id = NEW.id
    )
    BEGIN
        SELECT RAISE(ABORT, 'a questionnaire in a package keeps its customer');
    END;
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS package_questionnaire_same_customer_insert;",
    "DROP TRIGGER IF EXISTS package_questionnaire_same_customer_update;",
    "DROP TRIGGER IF EXISTS questionnaire_stays_with_its_packages;",
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
    dependencies = [("reports", "0003_shares_and_downloads"), ("questionnaires", "0004_four_eyes_in_the_database")]

    operations = [
        migrations.RunPython(_run(POSTGRES_CREATE, SQLITE_CREATE), _run(POSTGRES_DROP, SQLITE_DROP), elidable=False)
    ]
