"""What the seeding benches (seed_city, bench_report) share: a database of their own,
created when missing, and a fast weighted choice from a fixed random source."""

import random
from itertools import accumulate

from django.conf import settings


def create_database(stdout) -> None:
    """Create the default database on its PostgreSQL server when it is missing (the
    benches seed a database of their own, never the desk's); other engines: nothing."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        return
    import psycopg

    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
            stdout.write(f"created database {db['NAME']}")


class Picker:
    """Weighted choice with a fixed random source."""

    def __init__(self, rng: random.Random, weights: dict):
        self.rng, self.values = rng, list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def __call__(self):
        return self.rng.choices(self.values, cum_weights=self.cumulative)[0]
