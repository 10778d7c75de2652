"""Counts per district contributed by apps that community may not import.

The district page shows where support is thin: open cases (community reads cases
itself) and figures from apps beside it, such as outreach targets not yet in support.
Those apps register a provider from their AppConfig.ready():

    register_district_count(label, func)

func(district_ids: list[int]) -> dict[int, int] answers for many districts in one
query (the district list shows every district at once, so a per-district callable
would cost one query per row). A district missing from the answer counts 0. Counts
only, never names: the page is shown to every case worker.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictCount:
    label: str
    func: Callable[[list[int]], dict[int, int]]


_PROVIDERS: list[DistrictCount] = []


def register_district_count(label, func):
    """Add a count column to the district pages; registering the same func twice is a
    no-op (AppConfig.ready may run more than once in tests)."""
    if not any(p.func is func for p in _PROVIDERS):
        _PROVIDERS.append(DistrictCount(label=label, func=func))
    return func


def district_counts(district_ids) -> list[dict]:
    """[{"label": ..., "counts": {district_id: n}}] for every registered provider."""
    ids = list(district_ids)
    out = []
    for provider in _PROVIDERS:
        counts = provider.func(ids) if ids else {}
        out.append({"label": provider.label, "counts": {i: counts.get(i, 0) for i in ids}})
    return out
