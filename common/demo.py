"""Demo data: each app's demo.py registers seeders that `manage.py seed_demo` runs.

A seeder is a function taking the context dict shared by all seeders and returning
nothing. Lower orders run first (households uses 10), so a seeder finds what earlier
ones put in the context:

- desk_agency: the municipal 福祉の相談窓口
- agencies: dict of Agency by key ("desk", "houkatsu", "shakyo", ...)
- users: dict of User by username
- households: list of Household; household_by_key: dict of notable ones ("8050", ...)
- credentials: list of (username, role label, password), printed by the command
- random: a random.Random with a fixed seed
- already_seeded: True when the demo data was there before this run

A seeder must be idempotent: when its data already exists it only fills the context.
"""

from collections.abc import Callable

Seeder = Callable[[dict], None]

_SEEDERS: dict[str, tuple[int, Seeder]] = {}


def register(order: int) -> Callable[[Seeder], Seeder]:
    """@register(order=...) adds a seeder; registering the same function again replaces it."""

    def decorator(func: Seeder) -> Seeder:
        _SEEDERS[f"{func.__module__}.{func.__qualname__}"] = (order, func)
        return func

    return decorator


def seeders() -> list[Seeder]:
    """Registered seeders by order, then by name so equal orders run in a stable order."""
    return [func for _, (_, func) in sorted(_SEEDERS.items(), key=lambda i: (i[1][0], i[0]))]
