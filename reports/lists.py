"""One list of what a figure counts (reports.figures.Items), counted once: how many
items the figure counts, how many of them the viewer may see, and a page of those.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Sum, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

# Lists that can hold a million items (support records, category pairs) have a row
# condition: both counts come from one aggregate over the items with the viewer's rule
# as a filter. The others hold at most as many items as there are cases or
# consultations. Cases and households are counted through the dated history (case
# states on the period's last day, household members on the day): their ids are read
# once, so that query runs once per request, and the viewer's rule and the page are
# asked of those ids. The rest are plain filters, counted and paged directly.
_MATERIALISED_KINDS = {"case", "household"}


@dataclass
class CountedPage:
    total: int
    shown: int
    rows: list
    number: int
    num_pages: int
    unit: str = "items"  # or "people": a head count summed over the rows

    @property
    def hidden(self) -> int:
        return self.total - self.shown

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def id_array(ids: list[int]):
    """ids as one SQL array parameter on PostgreSQL (`IN (SELECT unnest(%s))`: a short
    statement hashed once) instead of one placeholder per id."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def counted_page(items, user, *, order, related, number: int, per_page: int):
    """How many items the figure counts, how many of them the user may see, and one page
    of those (ordered), from one snapshot (the caller's transaction)."""
    if items.sums:
        # A head count: the figure is the total of the columns over the items.
        expression = sum((F(column) for column in items.sums[1:]), F(items.sums[0]))
        visible = items.visible(user)
        total = items.items.aggregate(n=Coalesce(Sum(expression), 0))["n"]
        shown = visible.aggregate(n=Coalesce(Sum(expression), 0))["n"]
        rows_count = visible.count()
        num_pages = max(1, -(-rows_count // per_page))
        number = min(max(1, number), num_pages)
        start = (number - 1) * per_page
        rows = list(visible.order_by(*order).select_related(*related)[start : start + per_page])
        return CountedPage(total, shown, rows, number, num_pages, unit="people")
    if items.condition is not None:
        condition = items.condition(user)
        counts = items.items.order_by().aggregate(
            total=Count("pk"), shown=Count("pk", filter=condition)
        )
        total, shown = counts["total"], counts["shown"]
        page_qs = items.items.filter(condition)
    elif items.kind in _MATERIALISED_KINDS:
        ids = list(items.items.order_by().values_list("pk", flat=True))
        visible = items.restrict(user, items.items.model.objects.filter(pk__in=id_array(ids)))
        return _page_with_count(len(ids), visible, order, related, number, per_page)
    else:
        return _page_with_count(
            items.items.count(), items.visible(user), order, related, number, per_page
        )
    num_pages = max(1, -(-shown // per_page))
    number = min(max(1, number), num_pages)
    start = (number - 1) * per_page
    rows = list(page_qs.order_by(*order).select_related(*related)[start : start + per_page])
    return CountedPage(total, shown, rows, number, num_pages)


def _page_with_count(total, visible, order, related, number, per_page) -> CountedPage:
    """A page of visible and how many there are, in one query (COUNT(*) OVER ()): the
    viewer's rule runs once instead of once for the count and once for the page. Only
    a page past the end (an old link) needs a count of its own, then the last page."""
    if visible.query.distinct:
        # COUNT(*) OVER () would count the rows before DISTINCT: count them apart.
        shown = visible.count()
        num_pages = max(1, -(-shown // per_page))
        number = min(max(1, number), num_pages)
        start = (number - 1) * per_page
        rows = list(visible.order_by(*order).select_related(*related)[start : start + per_page])
        return CountedPage(total, shown, rows, number, num_pages)
    counted = visible.annotate(_shown=Window(Count("pk"))).order_by(*order)
    counted = counted.select_related(*related)
    number = max(1, number)
    start = (number - 1) * per_page
    rows = list(counted[start : start + per_page])
    if rows:
        shown = rows[0]._shown
    else:
        shown = visible.count()
        number = max(1, -(-shown // per_page))
        start = (number - 1) * per_page
        rows = list(counted[start : start + per_page]) if shown else []
    num_pages = max(1, -(-shown // per_page))
    return CountedPage(total, shown, rows, number, num_pages)
