from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "imports"
    verbose_name = _("台帳の取込・出力")

    def ready(self):
        # home registers the managers' home link; tasks registers the Celery tasks that
        # services queue by name.
        from imports import home, tasks  # noqa: F401
