"""manage.py bench_report: seed a city-scale year and time the monthly statistics.

A benchmark, not a test: it prints how long the statistics queries, the PDF and the
Excel file take for one month of a city (by default 20,000 households, 5,000
consultations and 60,000 support records a month, 300 meetings a year) and how big
the PDF is. Targets on a 2-core machine: statistics < 1 s, PDF < 5 s, PDF < 1 MB.

Run it against a PostgreSQL database of its own (make bench-report uses
postgres://postgres@127.0.0.1:5432/jusou_bench, created and migrated if missing). The
data is seeded once, with a fixed seed; later runs only time. --scale 0.1 seeds a
tenth for a quick look.
"""

import random
import statistics as pystats
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import Agency
from benchmarks.seeding import create_database
from benchmarks.timing import timed
from benchmarks.year import DESK_NAME, seed_year
from cases.models import Case, SupportRecord
from households.models import Household, Person
from intake.models import Consultation, ConsultationCategoryLink
from meetings.models import AgendaItem, Meeting
from referrals.models import Referral
from reports.documents import report_pdf, report_xlsx
from reports.statistics import add_months, monthly_statistics


class Command(BaseCommand):
    help = "Seed a city-scale year (once) and time the monthly statistics, PDF and Excel."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=20_000)
        parser.add_argument("--consultations-per-month", type=int, default=5_000)
        parser.add_argument("--records-per-month", type=int, default=60_000)
        parser.add_argument("--meetings", type=int, default=300)
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count")
        parser.add_argument("--seed", type=int, default=20240501)
        parser.add_argument("--repeat", type=int, default=3, help="timed runs of the statistics")
        parser.add_argument(
            "--create-database",
            action="store_true",
            help="create the PostgreSQL database if missing, and migrate",
        )
        parser.add_argument("--pdf-out", default="", help="also write the PDF to this path")

    def handle(self, *args, **options):
        if options["create_database"]:
            create_database(self.stdout)
            call_command("migrate", verbosity=0, interactive=False)
        if connection.vendor != "postgresql":
            self.stderr.write(
                "Note: the targets are for PostgreSQL; this database is " + connection.vendor
            )
        scale = options["scale"]
        counts = {
            "households": max(10, int(options["households"] * scale)),
            "consultations": max(10, int(options["consultations_per_month"] * scale)),
            "records": max(10, int(options["records_per_month"] * scale)),
            "meetings": max(2, int(options["meetings"] * scale)),
            "months": options["months"],
        }
        last_month = add_months(timezone.localdate().replace(day=1), -1)
        first_month = add_months(last_month, -(counts["months"] - 1))

        seeded = Agency.objects.filter(name=DESK_NAME).exists()
        if not seeded:
            if Case.objects.exists() or Consultation.objects.exists():
                raise CommandError(
                    "This database already holds other data: run the benchmark on a database "
                    "of its own (BENCH_DATABASE_URL)."
                )
            started = time.perf_counter()
            seed_year(
                random.Random(options["seed"]), counts, first_month, last_month, stdout=self.stdout
            )
            self.stdout.write(f"seeded in {time.perf_counter() - started:.1f} s")
        else:
            self.stdout.write("benchmark data already seeded; timing only")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # As in seed_city: VACUUM outside a transaction only.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self._time(last_month, options)

    # ---------------------------------------------------------------- timing

    def _time(self, month, options):
        desk = Agency.objects.get(name=DESK_NAME)
        rows = {
            "households": Household.objects.count(),
            "persons": Person.objects.count(),
            "consultations": Consultation.objects.count(),
            "category links": ConsultationCategoryLink.objects.count(),
            "cases": Case.objects.count(),
            "support records": SupportRecord.objects.count(),
            "referrals": Referral.objects.count(),
            "meetings": Meeting.objects.count(),
            "agenda items": AgendaItem.objects.count(),
        }
        self.stdout.write("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        self.stdout.write(f"report month: {month:%Y-%m} ({connection.vendor})")

        runs = []
        for _i in range(max(1, options["repeat"])):
            stats, seconds = timed(lambda: monthly_statistics(month))
            runs.append(seconds)
        _scoped, scoped_seconds = timed(lambda: monthly_statistics(month, desk))
        _module, import_seconds = timed(lambda: __import__("weasyprint"))
        pdf, pdf_first = timed(lambda: report_pdf(stats))
        _pdf, pdf_second = timed(lambda: report_pdf(stats))
        xlsx, xlsx_seconds = timed(lambda: report_xlsx(stats))
        if options["pdf_out"]:
            with open(options["pdf_out"], "wb") as out:
                out.write(pdf)
        cases = stats.tables["counts"].rows[0].values
        support = stats.tables["support"].rows[-1].values
        columns = "/".join(p.label for p in stats.periods)
        self.stdout.write(f"相談件数 ({columns}): {cases}; 支援内容 計: {support}")
        self.stdout.write(
            f"statistics (whole desk): first {runs[0]:.3f} s, median {pystats.median(runs):.3f} s "
            f"over {len(runs)} runs (target < 1 s)"
        )
        self.stdout.write(f"statistics (the desk agency only): {scoped_seconds:.3f} s")
        self.stdout.write(
            f"PDF: import of WeasyPrint {import_seconds:.2f} s; {pdf_first:.2f} s the first "
            f"in this process (loads the fonts), "
            f"{pdf_second:.2f} s the next (target < 5 s); size {len(pdf) / 1024:.0f} KB "
            f"(target < 1 MB)"
        )
        self.stdout.write(f"Excel: {xlsx_seconds:.2f} s; size {len(xlsx) / 1024:.0f} KB")
