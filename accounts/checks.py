"""System checks of the accounts app."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def demo_mode_off_in_production(app_configs, **kwargs):
    """The demo's 2FA shortcut (DJANGO_DEMO) must never reach a deployed server."""
    if getattr(settings, "DEMO_MODE", False):
        return [
            Error(
                "DJANGO_DEMO is on: demo personas' 2FA codes can be read without a phone.",
                hint="Unset DJANGO_DEMO; it is for `make demo` only.",
                id="accounts.E001",
            )
        ]
    return []
