"""Seed a synthetic city for the page benchmark (bench_pages): PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jusou_city \
        python manage.py seed_city --households 100000 --seed 1

Agencies and staff are made through accounts.services (so each agency has its auth
group); everything else is written with COPY and explicit primary keys, which is what
makes the default size fit in a few minutes. This deliberately bypasses the services,
simple-history and the action log: it is synthetic benchmark data, never real records,
and the product itself never writes this way. The guardian rows (CaseGroupObjectPermission,
HouseholdGroupObjectPermission) are written to match the AccessGrant ledger exactly as
cases.sharing and households/access.py would (see SCOPE_PERMS).

Same --seed and --households on an empty database give the same rows.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Agency
from benchmarks.city import CITY_DESK, PASSWORD, City, seed_city
from benchmarks.seeding import create_database
from cases.models import Case
from households.models import Household


class Command(BaseCommand):
    help = "Seed a synthetic city (PostgreSQL only) for the page benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--scale-others",
            type=float,
            default=None,
            help="multiplier for cases/records/consultations/meetings "
            "(default: households / 100,000)",
        )
        parser.add_argument(
            "--create-database", action="store_true", help="create the database and migrate"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (exit 0) when the city is already seeded here",
        )

    def handle(self, *args, **options):
        migrated = False
        if options["create_database"]:
            create_database(self.stdout)
            migrated = _has_unapplied_migrations()
            call_command("migrate", verbosity=0, interactive=False)
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_city needs PostgreSQL (it writes with COPY): set DATABASE_URL, e.g. "
                "postgres://postgres@127.0.0.1:5432/jusou_city"
            )
        if options["if_empty"] and Agency.objects.filter(name=CITY_DESK).exists():
            if migrated:
                # A migration that filled a column rewrote its table: without autovacuum
                # the benches would read the dead rows it left (as seed_city's own end).
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
                self.stdout.write("the city was already seeded here; migrated and vacuumed")
                return
            self.stdout.write("the city is already seeded here; nothing to do")
            return
        if Household.objects.exists() or Case.objects.exists():
            raise CommandError(
                "This database already holds households or cases: seed the city into an "
                "empty database of its own (e.g. jusou_city), so it is reproducible."
            )
        n = options["households"]
        scale = options["scale_others"] if options["scale_others"] is not None else n / 100_000
        counts = {
            "households": n,
            "cases": max(20, int(30_000 * scale)),
            "records": max(300, int(1_000_000 * scale)),
            "consultations_per_year": max(20, int(20_000 * scale)),
            "meetings": max(10, int(2_000 * scale)),
        }
        city = City(stdout=self.stdout, counts=counts, seed=options["seed"])
        started = time.perf_counter()
        self.stdout.write(
            "seeding "
            + ", ".join(f"{k}={v:,}" for k, v in counts.items())
            + f" (seed {options['seed']})"
        )
        seed_city(city)
        total = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"city seeded in {total:.1f} s"))
        self.stdout.write(
            f"log in as city_desk01 (desk) or city_a01_1 (partner), password {PASSWORD}"
        )


def _has_unapplied_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
