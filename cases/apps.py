from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("多機関協働")

    def ready(self):
        from cases import receivers  # noqa: F401  (connects signal receivers and registries)
