from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "common"
    verbose_name = _("共通")

    def ready(self):
        from common import lookups, widgets

        lookups.register()
        widgets.install_japanese_empty_label()
