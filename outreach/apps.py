from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outreach"
    verbose_name = _("アウトリーチ")

    def ready(self):
        from outreach import (
            calendar,  # noqa: F401  (next visits on the calendar)
            disclosure,  # noqa: F401  (the person's disclosure)
            registrations,  # noqa: F401  (timeline, panels, district counts)
            reminders,  # noqa: F401  (next-visit reminders)
        )
