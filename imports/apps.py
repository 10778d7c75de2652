from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "imports"
    verbose_name = _("台帳の取込・出力")

    def ready(self):
        from imports import home  # noqa: F401  (registers the managers' home link)
