"""Counting rows by a choice field for statistics, in one GROUP BY query."""

from django.db.models import Count, QuerySet


def count_by(queryset: QuerySet, field: str, keys) -> dict:
    """{value of field: number of rows}, with every key of `keys` present (0 when no
    row has it), so a figure's table always shows every choice in its order."""
    counts = dict.fromkeys(keys, 0)
    for row in queryset.values(field).annotate(n=Count("pk")).order_by():
        counts[row[field]] = row["n"]
    return counts
