from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = _("繋ぎ")

    def ready(self):
        from referrals import (
            calendar,  # noqa: F401  (answer deadlines on the calendar)
            disclosure,  # noqa: F401  (the person's disclosure)
            ecomap,  # noqa: F401  (eco-map nodes of referrals)
            receivers,  # noqa: F401  (signal receivers and page registries)
            reminders,  # noqa: F401  (overdue-answer reminders)
            tasks,  # noqa: F401  (registers the notice mail's sender with referrals.outbox)
        )
