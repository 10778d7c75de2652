from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = _("会議")

    def ready(self):
        from meetings import (
            calendar,  # noqa: F401  (meetings on the calendar)
            disclosure,  # noqa: F401  (the person's disclosure)
            log_subjects,  # noqa: F401  (names in the access-log review)
            registrations,  # noqa: F401  (timeline, home and case page)
        )
