from django.db import migrations, models

FIELD = models.JSONField(blank=True, default=dict)


def _field():
    field = FIELD.clone()
    field.set_attributes_from_name("import_summary")
    return field


def add_column(apps, schema_editor):
    model = apps.get_model("questionnaires", "Questionnaire")
    if schema_editor.connection.vendor == "sqlite":
        # SQLite adds a column by rebuilding the table, and the rename at the end of a rebuild fails while other
        # tables keep triggers on this one (reports' one-customer check): add the column in place instead.
        schema_editor.execute(
            "ALTER TABLE questionnaires_questionnaire ADD COLUMN import_summary text NOT NULL DEFAULT '{}'"
        )
    else:
        schema_editor.add_field(model, _field())


def drop_column(apps, schema_editor):
    model = apps.get_model("questionnaires", "Questionnaire")
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("ALTER TABLE questionnaires_questionnaire DROP COLUMN import_summary")
    else:
        schema_editor.remove_field(model, _field())


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0004_four_eyes_in_the_database"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="questionnaire", name="import_summary", field=FIELD)],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
    ]
