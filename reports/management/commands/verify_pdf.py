from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.verification import verify_pdf


class Command(BaseCommand):
    help = (
        "Verify a package PDF: exit 0 only when the signature is intact, trusted, covers the whole file and the "
        "embedded manifest matches. Prints the signer and a summary of the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        result = verify_pdf(path.read_bytes())
        manifest = result.manifest or {}
        self.stdout.write(f"Signer:    {result.signer or '—'}")
        self.stdout.write(
            f"Signed at: {result.signed_at:%Y-%m-%d %H:%M:%S} UTC" if result.signed_at else "Signed at: —"
        )
        self.stdout.write(f"Level:     {result.level or '—'}")
        if manifest.get("kind") == "nda_acceptance":
            self.stdout.write(
                f"Manifest:  NDA acceptance {manifest.get('acceptance_id')} of NDA version "
                f"{manifest.get('nda_version')} (text SHA-256 {manifest.get('nda_sha256')}) by "
                f"{manifest.get('full_name')} of {manifest.get('organisation')}, accepted "
                f"{manifest.get('accepted_at')}, SHA-256 {result.manifest_sha256}"
            )
        elif manifest:
            self.stdout.write(
                f"Manifest:  package {manifest.get('package')} revision {manifest.get('revision')}, "
                f"{len(manifest.get('answers', []))} answers, issued {manifest.get('issued_at')}, "
                f"SHA-256 {result.manifest_sha256}"
            )
        if not result.ok:
            raise CommandError("NOT VALID: " + " ".join(result.problems))
        self.stdout.write(self.style.SUCCESS(f"{path}: valid."))
