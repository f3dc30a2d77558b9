from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_record
from questionnaires.exporting import ExportError, questionnaire_export
from questionnaires.models import Questionnaire


class Command(BaseCommand):
    help = (
        "Write the customer's original file with approved answers filled in (xlsx/docx/csv), or an answers JSON "
        "for VSAQ. --draft also writes suggested and accepted answers that are not approved (internal drafts only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("id", type=int)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--draft", action="store_true")

    def handle(self, *args, **options):
        questionnaire = Questionnaire.objects.filter(pk=options["id"]).first()
        if questionnaire is None:
            raise CommandError(f"No questionnaire with id {options['id']}.")
        try:
            exported = questionnaire_export(questionnaire, draft=options["draft"])
        except ExportError as error:
            raise CommandError(str(error)) from error
        options["out"].write_bytes(exported.content)
        audit_record(
            action="questionnaire.exported",
            obj=questionnaire,
            data={"draft": options["draft"], "written": exported.written, "skipped": len(exported.skipped)},
            via="cli",
        )
        self.stdout.write(f"Wrote {exported.written} answer cells to {options['out']}.")
        for reason in exported.skipped:
            self.stderr.write(f"skipped {reason}")
