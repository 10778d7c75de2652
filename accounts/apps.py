from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("利用者と機関")

    def ready(self):
        from accounts import checks, security  # noqa: F401  (system checks, login signals)
        from accounts.admin_axes import label_axes_in_japanese

        label_axes_in_japanese()
