from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "participation"
    verbose_name = _("参加支援")

    def ready(self):
        from participation import registrations  # noqa: F401  (case panel, timeline, panels)
