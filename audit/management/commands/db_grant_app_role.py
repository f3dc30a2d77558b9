from django.core.management.base import BaseCommand, CommandError

from audit.db_roles import RoleError, app_role_grant


class Command(BaseCommand):
    help = (
        "PostgreSQL: give the application's database role what it needs on every table, and only SELECT and "
        "INSERT on audit events. Run as the owner role after every `migrate`; safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role gunicorn and Celery connect as (it must own nothing)")

    def handle(self, *args, **options):
        try:
            granted = app_role_grant(role=options["role"])
        except RoleError as error:
            raise CommandError(str(error)) from error
        for line in granted:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Granted the application's privileges to {options['role']}."))
