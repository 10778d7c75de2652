"""Pages without COUNT: keyset ("after"/"before" a row) and LIMIT+1 paging.

A city-sized list (tens of thousands of cases or households) cannot afford a COUNT(*)
and an OFFSET on every page: both read every row up to the page. A keyset page asks
for the rows after (or before) the last one shown, in the list's own index order, one
more than the page holds to know whether a next page exists.

The cursor is opaque to the user: the ordering values of the boundary row, JSON in
URL-safe base64. A cursor that does not decode is ignored (the first page is shown):
it only ever selects rows among those the user may already see.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

CURSOR_PARAMS = ("after", "before", "page")


def encode_cursor(values: Sequence) -> str:
    raw = json.dumps([str(v) if v is not None else None for v in values], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str] | None:
    """The cursor's values as strings, or None when it is missing or malformed."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    if not all(isinstance(v, str) for v in values):
        return None
    return values


class Page:
    """One page of a list, with links to its neighbours but no total.

    next_params / prev_params are the query parameters leading to the neighbouring
    pages ({"after": cursor}, {"before": cursor} or {"page": n}); `links(query)` turns
    them into query strings that keep the list's other parameters (filters, q).
    """

    def __init__(self, object_list, *, next_params=None, prev_params=None, number=None):
        self.object_list = list(object_list)
        self.next_params = next_params
        self.prev_params = prev_params
        self.number = number
        self.next_query = ""
        self.prev_query = ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    @property
    def has_next(self) -> bool:
        return self.next_params is not None

    @property
    def has_previous(self) -> bool:
        return self.prev_params is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def links(self, query) -> "Page":
        """Fill next_query / prev_query from the request's GET (a QueryDict)."""
        base = [(k, v) for k, v in query.lists() if k not in CURSOR_PARAMS]

        def build(params):
            pairs = [(k, v) for k, values in base for v in values]
            pairs += [(k, v) for k, v in (params or {}).items() if v not in (None, "")]
            return "?" + urlencode(pairs)

        self.next_query = build(self.next_params) if self.has_next else ""
        self.prev_query = build(self.prev_params) if self.has_previous else ""
        return self


def _field_value(model, name: str, text: str):
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return field.to_python(text)


def _beyond(name: str, descending: bool, forward: bool) -> str:
    """The lookup for "further along the list" (forward) or "earlier" (backward)."""
    return f"{name}__lt" if descending == forward else f"{name}__gt"


def keyset_filter(ordering: Sequence[str], values: Sequence, *, forward: bool) -> Q:
    """Rows strictly after (forward) or before the row whose ordering values are given.

    ordering is a list of field names, "-" for descending, ending in a unique field
    (pk). The leading field also gets a plain range condition so that PostgreSQL can
    bound its index scan (an OR of row comparisons alone gives no Index Cond).
    """
    fields = [(o.lstrip("-"), o.startswith("-")) for o in ordering]
    condition = Q()
    equal = Q()
    for (name, descending), value in zip(fields, values, strict=True):
        condition |= equal & Q(**{_beyond(name, descending, forward): value})
        equal &= Q(**{name: value})
    first, descending = fields[0]
    bound = f"{first}__lte" if descending == forward else f"{first}__gte"
    return Q(**{bound: values[0]}) & condition


def keyset_page(
    queryset: QuerySet,
    ordering: Sequence[str],
    *,
    after: str = "",
    before: str = "",
    per_page: int = 30,
) -> Page:
    """The page of queryset (in `ordering`) after or before a cursor; the first page
    when neither decodes. Fields in `ordering` must be NOT NULL."""
    names = [o.lstrip("-") for o in ordering]
    reverse = [o[1:] if o.startswith("-") else f"-{o}" for o in ordering]

    def parse(cursor):
        texts = decode_cursor(cursor, len(names))
        if texts is None:
            return None
        try:
            return [_field_value(queryset.model, n, t) for n, t in zip(names, texts, strict=True)]
        except (ValidationError, ValueError, TypeError):
            return None

    def cursor_of(obj):
        return encode_cursor([getattr(obj, n) for n in names])

    before_values = parse(before) if before else None
    after_values = parse(after) if (after and before_values is None) else None
    if before_values is not None:
        rows = list(
            queryset.filter(keyset_filter(ordering, before_values, forward=False)).order_by(
                *reverse
            )[: per_page + 1]
        )
        more = len(rows) > per_page
        rows = rows[:per_page][::-1]
        if not rows:  # nothing before: show the first page
            return keyset_page(queryset, ordering, per_page=per_page)
        return Page(
            rows,
            next_params={"after": cursor_of(rows[-1])},
            prev_params={"before": cursor_of(rows[0])} if more else None,
        )
    qs = queryset.order_by(*ordering)
    if after_values is not None:
        qs = qs.filter(keyset_filter(ordering, after_values, forward=True))
    rows = list(qs[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return Page(
        rows,
        next_params={"after": cursor_of(rows[-1])} if more else None,
        prev_params={"before": cursor_of(rows[0])} if (after_values is not None and rows) else None,
    )


def limit_page(queryset, number: str | int | None, *, per_page: int = 25) -> Page:
    """Numbered pages without COUNT: OFFSET plus one extra row to know of a next page.
    For short result lists (searches that cannot be walked by an index)."""
    try:
        number = max(1, int(number or 1))
    except (TypeError, ValueError):
        number = 1
    number = min(number, 1000)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    more = len(rows) > per_page
    return Page(
        rows[:per_page],
        next_params={"page": number + 1} if more else None,
        prev_params={"page": number - 1} if number > 1 else None,
        number=number,
    )
