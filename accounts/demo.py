"""Demo data of the accounts app: with make demo, each persona's authenticator."""

from django.conf import settings

from accounts import security
from common.demo import register


@register(order=15)
def seed_demo_two_factor(context: dict) -> None:
    """After households (order 10) made the personas: enrol each in 2FA with a key the
    command prints, so the demo opens without a phone. Only in DEMO_MODE; elsewhere the
    personas enrol at their first login like everyone."""
    if not getattr(settings, "DEMO_MODE", False):
        return
    context["demo_totp_keys"] = {
        username: security.demo_two_factor_enrol(user=user)
        for username, user in sorted(context.get("users", {}).items())
    }
