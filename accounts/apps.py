from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (registers checks and audit receivers)


class TrustpackAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.admin_site.TrustpackAdminSite"
