"""Why auto-fill left a question for a person, and the entries it weighed.

SQLite adds these columns by rebuilding the response table, which drops its triggers: the four-eyes trigger
of 0004 is put back after the rebuild (either way round).
"""

from django.db import migrations, models

SQLITE_RESPONSE_TRIGGER = [
    "DROP TRIGGER IF EXISTS response_approver_not_an_editor;",
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
]


def restore_four_eyes_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_RESPONSE_TRIGGER:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0006_learning_batches"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_four_eyes_trigger),
        migrations.AddField(
            model_name="response",
            name="candidates",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="response",
            name="unfilled_detail",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="response",
            name="unfilled_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("no_match", "No library entry matches"),
                    ("low_confidence", "Best match too uncertain"),
                    ("internal", "Matching entry is internal"),
                    ("overdue", "Matching entry is overdue for review"),
                    ("evidence", "Matching entry cites expired evidence"),
                    ("no_short_answer", "No Yes/No answer for this cell"),
                    ("company_detail", "Company detail"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(restore_four_eyes_trigger, migrations.RunPython.noop),
    ]
