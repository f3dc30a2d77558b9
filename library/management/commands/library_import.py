from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from fileformats import FileRejected
from library.file_format import parse_library_file
from library.services import library_import


def user_by_email(email: str, option: str) -> User:
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise CommandError(f"{option}: no active user with the email address {email}.")
    return user


class Command(BaseCommand):
    help = (
        "Import library entries from CSV or XLSX (key,question,answer,short_answer,category,classification,aliases"
        "[,sources]). Each changed row becomes a version by --author, approved by --approver. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--author", required=True, help="Email of the account manager or security lead writing the versions."
        )
        parser.add_argument(
            "--approver", required=True, help="Email of the security lead approving them (not the author)."
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        author = user_by_email(options["author"], "--author")
        approver = user_by_email(options["approver"], "--approver")
        try:
            parsed = parse_library_file(path.name, path.read_bytes())
        except FileRejected as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from error
        if not parsed.ok:
            for message in parsed.errors[:100]:
                self.stderr.write(message)
            if len(parsed.errors) > 100:
                self.stderr.write(f"… and {len(parsed.errors) - 100} more.")
            raise CommandError(f"{path}: {len(parsed.errors)} invalid row(s). Nothing was imported.")
        try:
            result = library_import(rows=parsed.rows, author=author, approver=approver, via_cli=True)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(f"{' '.join(getattr(error, 'messages', [str(error)]))} Nothing was imported.") from error
        self.stdout.write(
            f"Imported {result.total} entries: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged (approved by {approver.email})."
        )
