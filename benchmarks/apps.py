from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    """The synthetic city and the benches (make bench, bench-report, bench-import,
    bench-drilldown): management commands only, no models, not product code."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "benchmarks"
    verbose_name = _("ベンチマーク")
