from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("統計")

    def ready(self):
        from reports import (
            home,  # noqa: F401  (registers the managers' home section)
            tasks,  # noqa: F401  (registers the build message's sender)
        )
