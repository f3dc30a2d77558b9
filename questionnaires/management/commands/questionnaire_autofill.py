import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from questionnaires.models import QuestionnaireStatus
from questionnaires.services import questionnaire_create, questionnaire_import


def acting_user(email: str | None) -> User:
    """--as EMAIL, else the first active security lead or account manager (the operator acts for them)."""
    users = User.objects.filter(is_active=True, role__in=[Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER])
    user = users.filter(email__iexact=email).first() if email else users.order_by("role", "pk").first()
    if user is None:
        raise CommandError(
            f"No active account manager or security lead {email}." if email else "Create a staff user first."
        )
    return user


class Command(BaseCommand):
    help = (
        "Import a questionnaire (xlsx, docx, csv or VSAQ json), detect its format, match every question against the "
        "approved library and print (or write with --json) the suggestions as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", type=Path, help="Write the JSON here instead of standard output.")
        parser.add_argument("--as", dest="as_user", help="Email of the staff member the import is recorded for.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        actor = acting_user(options["as_user"])
        try:
            questionnaire = questionnaire_create(
                actor=actor, filename=path.name, data=path.read_bytes(), queue_import=False
            )
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(f"{path}: {' '.join(getattr(error, 'messages', [str(error)]))}") from error
        questionnaire = questionnaire_import(questionnaire_id=questionnaire.pk)
        if questionnaire.status == QuestionnaireStatus.FAILED:
            raise CommandError(f"{path}: {questionnaire.import_error}")
        questions = questionnaire.questions.select_related("response__suggested_entry").order_by("order")
        payload = {
            "questionnaire_id": questionnaire.pk,
            "format": questionnaire.format,
            "questions": [
                {
                    "ref": question.ref,
                    "text": question.text,
                    "suggestion": {
                        "key": question.response.suggested_entry.key,
                        "confidence": question.response.confidence,
                    }
                    if question.response.suggested_entry_id
                    else None,
                }
                for question in questions
            ],
            "seconds": round(questionnaire.matching_seconds or 0.0, 4),
        }
        text = json.dumps(payload, indent=2, ensure_ascii=False)
        if options["json"]:
            options["json"].write_text(text + "\n", encoding="utf-8")
            suggested = sum(1 for q in payload["questions"] if q["suggestion"])
            self.stderr.write(
                f"{questionnaire.format_label}: {len(payload['questions'])} questions, {suggested} suggestions "
                f"in {payload['seconds']} s → {options['json']}"
            )
        else:
            self.stdout.write(text)
