import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from questionnaires import selectors
from questionnaires.management.commands.questionnaire_autofill import acting_user
from questionnaires.services import learning_batch_confirm_above, learning_batch_create
from questionnaires.services.learning import CONFIRM_THRESHOLD


class Command(BaseCommand):
    help = (
        "Read answered questionnaires, link each answered question to the library entry its answer came from and "
        "record the confident links that the answer's own wording points to as learned phrasings; links found by "
        "the question alone (auto-fill's guess) and answers new to the library stay proposals in a batch to review "
        "on the web. Prints {files, questions, answered, linked, proposed, skipped} as JSON (linked + proposed + "
        "skipped = questions; unanswered questions count as skipped)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--as", dest="as_user", help="Email of the staff member the learning is recorded for.")
        parser.add_argument("--json", type=Path, help="Also write the JSON to this file.")

    def handle(self, *args, **options):
        paths: list[Path] = options["files"]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}.")
        actor = acting_user(options["as_user"])
        try:
            batch = learning_batch_create(
                actor=actor, files=[(path.name, path.read_bytes()) for path in paths], via_cli=True
            )
            confirmed = learning_batch_confirm_above(
                actor=actor, batch=batch, threshold=CONFIRM_THRESHOLD, answer_only=True, via_cli=True
            )
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        counts = selectors.learning_batch_counts(batch)
        to_review = counts["linked"] - confirmed
        payload = {
            "files": counts["files"],
            "questions": counts["questions"],
            "answered": counts["answered"],
            "linked": confirmed,
            "proposed": counts["proposed"] + to_review,
            "skipped": counts["skipped"],
        }
        text = json.dumps(payload)
        self.stdout.write(text)
        if options["json"]:
            options["json"].write_text(text + "\n", encoding="utf-8")
        self.stderr.write(
            f"Learning batch {batch.pk}: {_count(confirmed, 'link')} confirmed as learned phrasings"
            + (
                f", {_count(to_review, 'link')} found by the question alone left for a person to confirm"
                if to_review
                else ""
            )
            + f", {_count(counts['proposed'], 'answer')} new to the library proposed as draft entries."
            " Review the batch under Questionnaires → Learn from answered questionnaires."
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
