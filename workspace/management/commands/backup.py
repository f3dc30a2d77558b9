from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workspace.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write a consistent snapshot of the database and of every stored file (uploads, evidence, signed PDFs, "
        "audit checkpoints) into a new directory, with a manifest of SHA-256 hashes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="A new or empty directory to write into.")

    def handle(self, *args, **options):
        try:
            manifest = backup_write(options["out"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["rows"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {options['out']}: {manifest['database']['engine']} database ({rows} rows), "
                f"{len(manifest['files'])} files, audit trail to event #{manifest['audit_seq']}."
            )
        )
