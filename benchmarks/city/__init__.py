"""The synthetic city of the page benchmarks (seed_city): agencies and staff through
accounts.services, everything else with COPY and explicit primary keys (see
benchmarks.management.commands.seed_city for why). One builder per domain, run in
the order each needs the ids the previous ones left on the City."""

import time

from django.db import connection

from benchmarks.city.acts import seed_meetings, seed_records, seed_referrals
from benchmarks.city.base import CITY_DESK, PASSWORD, City
from benchmarks.city.casework import seed_cases, seed_consultations
from benchmarks.city.people import seed_agencies, seed_households

__all__ = ["CITY_DESK", "PASSWORD", "City", "seed_city"]


def seed_city(city: City) -> None:
    """Every builder in turn, then VACUUM ANALYZE: the benches meet fresh planner
    statistics and a visibility map as autovacuum would leave it on a city's server
    (index-only scans need it; a server with autovacuum off, as some test machines
    are, would otherwise bench a table no real deployment has)."""
    seed_agencies(city)
    seed_households(city)
    seed_consultations(city)
    seed_cases(city)
    seed_records(city)
    seed_meetings(city)
    seed_referrals(city)
    started = time.perf_counter()
    # VACUUM cannot run in a transaction (a test seeds inside one): ANALYZE there.
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(statement)
    city.timing(statement, 0, time.perf_counter() - started)
