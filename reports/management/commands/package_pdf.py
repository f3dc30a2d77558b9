from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from questionnaires.management.commands.questionnaire_autofill import acting_user
from reports.models import Package, RenderStatus
from reports.services import package_render, package_rerender


class Command(BaseCommand):
    help = "Render and sign a released package's PDF as a new revision, and write it to --out."

    def add_arguments(self, parser):
        parser.add_argument("reference", help="Package ID, e.g. TP-ABCD-2345.")
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--as", dest="as_user", help="Email of the staff member the revision is recorded for.")

    def handle(self, *args, **options):
        package = Package.objects.filter(reference=options["reference"].strip().upper()).first()
        if package is None:
            raise CommandError(f"No package {options['reference']}.")
        try:
            pdf = package_rerender(actor=acting_user(options["as_user"]), package=package, queue_render=False)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        pdf = package_render(pdf_id=pdf.pk)
        if pdf.status != RenderStatus.READY:
            raise CommandError(f"Rendering failed: {pdf.error}")
        with pdf.file.open("rb") as handle:
            options["out"].write_bytes(handle.read())
        self.stdout.write(
            f"{package.reference} revision {pdf.revision}: {pdf.size:,} bytes, signed {pdf.signature_level} at "
            f"{pdf.signed_at:%Y-%m-%d %H:%M:%S} UTC, SHA-256 {pdf.sha256} → {options['out']}"
        )
