"""Small helpers of the statistics' queries: a period's bounds as index-friendly
conditions, and counts per period from grouped rows."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from reports.periods import Period

# ---------------------------------------------------------------- helpers


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _next(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def _span(periods) -> tuple[dt.date, dt.date]:
    return min(p.start for p in periods), max(p.end for p in periods)


def _on(field: str, period: Period) -> Q:
    """A date column within the period."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _at(field: str, period: Period) -> Q:
    """A timestamp column within the period's local days (index-friendly bounds)."""
    return Q(**{f"{field}__gte": _aware(period.start), f"{field}__lt": _aware(_next(period.end))})


def _at_span(field: str, periods) -> Q:
    lo, hi = _span(periods)
    return _at(field, Period("", "", lo, hi))


def _zeros(periods) -> list[int]:
    return [0] * len(periods)


def _grouped(rows, key: str, prefix: str, periods) -> dict:
    """{group value: [count per period]} from a values(key).annotate(prefix0=…) query."""
    return {r[key]: [r[f"{prefix}{i}"] or 0 for i in range(len(periods))] for r in rows}


# ---------------------------------------------------------------- the figures


def _period_ends(periods) -> list[dt.date]:
    return sorted({p.end for p in periods})


def _counted_by(qs, key: str, field: str, periods) -> dict:
    """{value of key: [count per period]}: qs grouped by key, its rows counted in each
    period by their timestamp column `field` (one query, conditional counts)."""
    per_period = {
        f"n{i}": Count("pk", filter=_at(field, period)) for i, period in enumerate(periods)
    }
    return _grouped(qs.values(key).annotate(**per_period).order_by(), key, "n", periods)
