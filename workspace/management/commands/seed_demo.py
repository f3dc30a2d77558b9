import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import Role
from accounts.services import DEMO_ORGANISATION, demo_users_ensure


def demo_password() -> str:
    """DEMO_PASSWORD when set; else one generated on first run and kept under var/ (mode 0600)."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = Path(settings.BASE_DIR) / "var" / "demo-password"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(12)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


# A fictional vendor for the demo: example.com addresses and a 555 number, so nothing points at a real company.
DEMO_COMPANY = {
    "legal_name": "Northwind Sensors, Inc.",
    "address": "100 Example Way, Suite 200, Seattle, WA 98101, USA",
    "headquarters_country": "United States",
    "website": "https://www.example.com",
    "year_founded": 2016,
    "employee_count": "51-200",
    "product_name": "Northwind Condition Monitoring",
    "product_description": "Industrial condition-monitoring sensors on Particle hardware, with a web application.",
    "primary_contact_name": "Morgan Lee",
    "primary_contact_title": "Head of Customer Success",
    "primary_contact_email": "customers@example.com",
    "primary_contact_phone": "+1 206 555 0142",
    "security_contact_name": "Sam Rivera",
    "security_contact_title": "Security Lead",
    "security_contact_email": "security@example.com",
    "security_contact_phone": "+1 206 555 0199",
}


class Command(BaseCommand):
    help = "Create the demo users, the Particle answer library and the demo content. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--users-only", action="store_true", help="Create the demo users and nothing else.")

    def handle(self, *args, **options):
        password = demo_password()
        users = demo_users_ensure(password=password)
        self.stdout.write(self.style.SUCCESS("Demo users ready (every account uses the same password):"))
        for user in users:
            org = f" of {DEMO_ORGANISATION}" if user.organisation_id else ""
            self.stdout.write(f"  {user.email:<24} {user.get_role_display()}{org}")
        self.stdout.write(f"  password: {password}")
        self.package = None
        if not options["users_only"]:
            self._seed_content(users)
        self.stdout.write(
            "Sign in at http://127.0.0.1:8000/ . At first sign-in each user enrols a second factor: scan the QR code\n"
            "with any authenticator app (or type the key shown under it), enter the 6-digit code, and keep the\n"
            "recovery codes. Later sign-ins ask for a code from the app."
        )
        if self.package is not None:
            self.stdout.write(f"demo package: {self.package.reference}")

    def _seed_content(self, users) -> None:
        from library.services import library_load_shipped_content

        by_role = {user.role: user for user in users}
        author, approver = by_role[Role.ACCOUNT_MANAGER], by_role[Role.SECURITY_LEAD]
        result = library_load_shipped_content(author=author, approver=approver)
        self.stdout.write(
            f"Answer library: {result.total} Particle entries ({result.created} new, {result.updated} updated, "
            f"{result.unchanged} unchanged), written by {author.email} and approved by {approver.email}."
        )
        from library.services import company_profile_update

        company_profile_update(actor=approver, details=DEMO_COMPANY)
        self.stdout.write(f"Company profile: {DEMO_COMPANY['legal_name']} (answers general-information questions).")
        from questionnaires.services import questionnaire_seed_demo

        organisation = by_role[Role.CUSTOMER].organisation
        questionnaire = questionnaire_seed_demo(actor=author, organisation=organisation)
        self.stdout.write(
            f"Sample questionnaire: {questionnaire.title} ({questionnaire.questions.count()} questions, "
            f"{questionnaire.get_status_display().lower()})."
        )
        from evidence.services_nda import nda_seed_demo

        nda = nda_seed_demo(publisher=approver)
        self.stdout.write(
            f"NDA: version {nda.version} in force ({nda.acceptances.count()} acceptances; the demo customer accepts "
            "it at first visit)."
        )

        from evidence.services import evidence_seed_demo

        documents = evidence_seed_demo(owner=approver, uploader=author)
        self.stdout.write(f"Evidence: {len(documents)} demo documents ({', '.join(d.title for d in documents)}).")
        from reports.services import package_seed_demo

        self.package = package_seed_demo(assembler=author, releaser=approver, organisation=organisation)
        from reports.sharing import share_seed_demo

        share = share_seed_demo(actor=author, package=self.package)
        if share is not None:
            self.stdout.write(
                f"Shared {self.package.reference} with {organisation.name} until {share.expires_at:%-d %b %Y} "
                f"({share.documents.count()} evidence documents)."
            )
