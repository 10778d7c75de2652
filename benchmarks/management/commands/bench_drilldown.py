"""manage.py bench_drilldown: time the lists behind the biggest statistics figures.

A benchmark, not a test. On a city seeded by seed_city (make bench-drilldown seeds it
once, like make bench), it requests through the whole Django stack (test client,
middleware, 2FA, templates) the list of what a figure counts, for the biggest figures
of last month's statistics (開設以来 and 年度累計 columns), as the desk's manager
(全機関) and as a partner agency's manager (their agency), and prints p50 / p95 per
list, the figure and how many of its items the viewer may see. Target: p95 < 150 ms.
It also times the statistics for a 年度 and 開設以来 (target < 1 s) and the dashboard.

The partner manager is made once (accounts.services, actor: the system user).
"""

import statistics as pystats
import warnings
from functools import partial

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Agency, Membership, User
from accounts.services import membership_add, user_create
from accounts.system import system_user
from benchmarks.clients import BENCH_SETTINGS, get_ok, logged_in_client
from benchmarks.timing import measure, median_ms, p95_ms, write_header
from cases.models import Case
from reports import figures
from reports import statistics as st
from reports.periods import ReportPeriod, add_months

PARTNER_MANAGER = "bench_partner_manager"

# (table, row, measure, column key): the largest list of each kind of item.
FIGURES = [
    ("counts", "continuing", "", "since_opened"),
    ("counts", "opened", "", "fiscal_year"),
    ("counts", "total", "", "fiscal_year"),
    ("counts", "persons", "", "fiscal_year"),
    ("categories", "total", "", "month"),
    ("support", "total", "", "fiscal_year"),
    ("support", "total", "", "since_opened"),
    ("referrals", "total", "sent", "since_opened"),
    ("households", "total", "", "since_opened"),
    ("meetings", "total.case_items", "", "since_opened"),
]


class Command(BaseCommand):
    help = "Time the lists behind the biggest statistics figures (PostgreSQL, a seeded city)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="timed requests per list")
        parser.add_argument("--warmup", type=int, default=2)
        parser.add_argument("--stat-repeat", type=int, default=3)

    def handle(self, *args, **options):
        warnings.filterwarnings("ignore", message="No directory at")
        if connection.vendor != "postgresql":
            self.stderr.write("Note: the targets are for PostgreSQL; this is " + connection.vendor)
        desk_manager = (
            User.objects.filter(
                memberships__agency__is_desk=True,
                memberships__role=Role.MANAGER,
                memberships__is_active=True,
            )
            .order_by("pk")
            .first()
        )
        if desk_manager is None:
            raise CommandError("No desk manager here: seed the city first (manage.py seed_city).")
        partner_manager, partner_agency = self._partner_manager()
        month = add_months(timezone.localdate().replace(day=1), -1)
        period = ReportPeriod.for_month(month)
        self.stdout.write(
            f"{Case.objects.count():,} cases; report month {month:%Y-%m}; "
            f"desk manager {desk_manager.username}, partner manager of {partner_agency.name}"
        )
        with override_settings(**BENCH_SETTINGS):
            self._statistics(period, options)
            header = f"{'list (viewer)':<52} {'figure':>8} {'shown':>8} {'p50':>8} {'p95':>8}"
            write_header(self.stdout, header)
            for user, agency, who in (
                (desk_manager, None, "desk manager, 全機関"),
                (partner_manager, partner_agency, "partner manager, own agency"),
            ):
                client = logged_in_client(user)
                columns = {c.key: c for c in period.columns()}
                for table, row, measure, key in FIGURES:
                    url = figures.figure_url(period, agency, columns[key], table, row, measure)
                    items = figures.figure_items(table, row, measure, columns[key], agency)
                    name = f"{table}:{row}{':' + measure if measure else ''} {columns[key].label}"
                    self._time(client, url, f"{name} ({who})", items, user, options)
                url = reverse("reports:dashboard") + f"?scope={figures.scope_value(agency)}"
                self._time(client, url, f"dashboard ({who})", None, user, options)

    def _partner_manager(self):
        agency = (
            Agency.objects.filter(is_desk=False, is_active=True)
            .exclude(group__isnull=True)
            .order_by("pk")
            .first()
        )
        if agency is None:
            raise CommandError("No partner agency here: seed the city first.")
        user = User.objects.filter(username=PARTNER_MANAGER).first()
        if user is None:
            user = user_create(
                actor=system_user(),
                username=PARTNER_MANAGER,
                password=None,
                display_name="ベンチ 管理者",
            )
        if not Membership.objects.filter(user=user, agency=agency, role=Role.MANAGER).exists():
            membership_add(actor=system_user(), user=user, agency=agency, role=Role.MANAGER)
        return user, agency

    def _statistics(self, period, options):
        fiscal = ReportPeriod.for_fiscal_year(period.fiscal_year)
        for name, asked in (("statistics, the month", period), ("statistics, the 年度", fiscal)):
            times, _sql, _queries = measure(
                partial(st.period_statistics, asked), max(1, options["stat_repeat"])
            )
            self.stdout.write(
                f"{name} (全機関; columns incl. 開設以来): median "
                f"{pystats.median(times):.3f} s, max {max(times):.3f} s (target < 1 s)"
            )

    def _time(self, client, url, name, items, user, options):
        for _i in range(options["warmup"]):
            get_ok(client, url)
        times, _sql, _queries = measure(partial(get_ok, client, url), options["repeat"])
        figure = shown = ""
        if items is not None:
            figure = f"{items.items.count():,}"
            shown = f"{items.visible(user).count():,}"
        self.stdout.write(
            f"{name:<52} {figure:>8} {shown:>8} {median_ms(times):>6.0f}ms {p95_ms(times):>6.0f}ms"
        )
