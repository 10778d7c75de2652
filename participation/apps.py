from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "participation"
    verbose_name = _("参加支援")

    def ready(self):
        from participation import (
            disclosure,  # noqa: F401  (the person's disclosure)
            ecomap,  # noqa: F401  (eco-map nodes of placements)
            registrations,  # noqa: F401  (case panel, timeline, panels)
        )
