from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("多機関協働")

    def ready(self):
        from cases import (
            calendar,  # noqa: F401  (plan reviews on the calendar)
            disclosure,  # noqa: F401  (the person's disclosure, households.disclosure)
            family_maps,  # noqa: F401  (genogram and eco-map panel, eco-map sources)
            handover,  # noqa: F401  (deactivation guard, successor hand-over, links)
            log_subjects,  # noqa: F401  (names in the access-log review)
            receivers,  # noqa: F401  (connects signal receivers and registries)
            reminders,  # noqa: F401  (daily reminders: sources, task, home section)
        )
