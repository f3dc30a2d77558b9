from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workspace.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `backup` into an empty database and an empty file store, then check every "
        "row count, every file's SHA-256 and the audit chain. Exits non-zero when anything does not match."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="The backup directory (holding manifest.json).")

    def handle(self, *args, **options):
        try:
            report = backup_restore(options["directory"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        if report.problems:
            raise CommandError("Restored, but it does not match the backup:\n" + "\n".join(report.problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(report.rows.values())} rows and {report.files} files; every file matches its hash "
                f"and the audit chain verifies ({report.audit_events} events)."
            )
        )
