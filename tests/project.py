"""The project's own Django apps (those whose code lives in this repository), read from
the app registry so that a new app is covered by the sweeping tests without a list to edit."""

from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE = Path(settings.BASE_DIR).resolve()


def project_apps() -> list[str]:
    return [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(BASE)
        and ".venv" not in Path(config.path).parts
    ]
