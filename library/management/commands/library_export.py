from pathlib import Path

from django.core.management.base import BaseCommand

from audit.services import audit_record
from library.file_format import export_rows, write_csv, write_xlsx
from library.models import LibraryEntry
from library.selectors import leaving_entries


class Command(BaseCommand):
    help = (
        "Write the library as CSV (or XLSX when FILE ends in .xlsx): the approved, current version of every "
        "usable entry, formula-like cells neutralised. --all also lists drafts, overdue and retired entries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument(
            "--all", action="store_true", help="Every entry at its latest version, whatever its status."
        )

    def handle(self, *args, **options):
        if options["all"]:
            entries = list(LibraryEntry.objects.select_related("latest_version").order_by("key"))
            for entry in entries:
                entry.export_version = entry.latest_version
            entries = [e for e in entries if e.export_version is not None]
        else:
            entries = list(leaving_entries(nda_covered=True).order_by("key"))
            for entry in entries:
                entry.export_version = entry.approved_version
        table = export_rows(entries)
        out: Path = options["out"]
        out.write_bytes(write_xlsx(table) if out.suffix.lower() == ".xlsx" else write_csv(table))
        audit_record(
            action="library.exported",
            data={"entries": len(entries), "file": out.name, "all": options["all"]},
            via="cli",
        )
        self.stdout.write(f"Wrote {len(entries)} entries to {out}.")
