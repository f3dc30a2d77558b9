from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The pages people land on: composes the other apps (dashboard, navigation, organisation overview,
    error pages, health) and the demo data. Nothing below imports it."""

    name = "workspace"
