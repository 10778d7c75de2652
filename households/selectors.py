"""Reads: household and person search, filtered in SQL by what the user may see.

Kana and phone searches are walked in index order (ふりがな / 電話番号 order) a page at a
time, so a broad search (「やま」: thousands of households at a city's desk) costs the
same as a narrow one; other searches page by LIMIT+1. Neither counts the matches.
"""

from django.db import connections, router
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from common import kana, paging, textsearch, wareki
from households.access import (
    contact_visible_sql,
    households_visible_to,
    households_visible_to_probed,
    sees_few_households,
    visible_household_ids_sql,
    visible_household_sql,
)
from households.models import Household, HouseholdMembership, Person

MIN_KANA = 2  # ふりがな: at least two characters (「や」 alone would match a tenth of the city)
MIN_PHONE = 4  # 電話番号: at least four digits
SEARCH_PAGE = 25
LOOKUP_PAGE = 10


def classify_query(q: str) -> tuple[str, object]:
    """Decide what the search box holds: a phone number, a date, kana, or text."""
    q = (q or "").strip()
    if not q:
        return "empty", ""
    digits = kana.normalise_phone(q)
    try:
        return "birth_date", wareki.parse_date(q)
    except wareki.WarekiError:
        pass
    if digits and len(digits) >= 3 and len(digits) >= len(q.replace(" ", "")) * 0.6:
        return "phone", digits
    if kana.is_kana(q):
        return "kana", kana.normalise_kana(q)
    return "text", q


def search_hint(q: str) -> str:
    """A Japanese message when q is too short to search by, else ""."""
    kind, value = classify_query(q)
    if kind == "kana" and len(value) < MIN_KANA:
        return _("ふりがなは%(n)d文字以上で入力してください。") % {"n": MIN_KANA}
    digits = kana.normalise_phone(q)
    looks_like_phone = digits and len(digits) >= len((q or "").replace(" ", "")) * 0.6
    if kind in ("phone", "text") and looks_like_phone and len(digits) < MIN_PHONE:
        return _("電話番号は%(n)d桁以上で入力してください。") % {"n": MIN_PHONE}
    return ""


def _with_current_member(person_q: Q):
    """Ids of households with a current member matching person_q (a Q over Person)."""
    persons = Person.objects.filter(person_q).values("pk")
    return HouseholdMembership.objects.filter(until__isnull=True, person_id__in=persons).values(
        "household_id"
    )


def _other_match(user, kind: str, value) -> Q:
    """The match over Household for searches that no index walks (birth date, text)."""
    if kind == "birth_date":
        return Q(pk__in=_with_current_member(Q(birth_date=value)))
    match = Q()
    for term in value.split():
        sql, params = _text_row_sql(user, term)
        match &= Q(RawSQL(sql, params, output_field=BooleanField()))
    return match


def _text_row_sql(user, term: str) -> tuple[str, list]:
    """Whether the household row of the query has term in its name, its address (when
    the user may see it) or a current member's name, as one condition on that row.

    On PostgreSQL each part is read from a GIN index of the household table (common.
    textsearch; the members' names from member_name_bigrams, households 0008), so for a
    city's desk PostgreSQL ORs three bitmaps and tests only those households for
    visibility, and for a partner it tests its few households' stored arrays."""
    alias = router.db_for_read(Household)
    h = f'"{_H}"'
    name, name_params = textsearch.contains_sql(
        f"{h}.name", term, bigrams=f"{h}.name_bigrams", alias=alias
    )
    address, address_params = textsearch.contains_sql(
        f"{h}.address", term, bigrams=f"{h}.address_bigrams", alias=alias
    )
    # 住所秘匿: a search by address must not confirm where a hidden household lives.
    contact, contact_params = contact_visible_sql(user, h)
    member, member_params = _member_name_sql(h, term, alias)
    sql = f"(({name}) OR ({address} AND {contact}) OR ({member}))"
    return sql, [*name_params, *address_params, *contact_params, *member_params]


def _member_name_sql(h: str, term: str, alias: str) -> tuple[str, list]:
    """A current member of household `h` has term in their name.

    On PostgreSQL the household's member_name_bigrams (the union of its current members'
    name bigrams, kept by triggers) answers a term of one or two characters by itself;
    a longer term's pairs may come from two members (「山田」 and 「田中」 hold the pairs
    of 「山田中」), so those households' members are then checked by LIKE. SQLite has
    no such column: each household's members are checked by LIKE."""
    person, person_params = textsearch.contains_sql(
        "(p.family_name || p.given_name)", term, bigrams="p.name_bigrams", alias=alias
    )
    exists = (
        f"EXISTS (SELECT 1 FROM {_M} m JOIN {_P} p ON p.id = m.person_id "
        f"WHERE m.household_id = {h}.id AND m.until IS NULL AND {person})"
    )
    if connections[alias].vendor != "postgresql":
        return exists, person_params
    indexed = f"{h}.member_name_bigrams @> %s::text[]"
    if len(term) <= 2:
        return indexed, [textsearch.tokens(term)]
    return f"{indexed} AND {exists}", [textsearch.tokens(term), *person_params]


# ---------------------------------------------------------------- kana and phone: index walks
#
# Each matching column is one "branch": the rows (key, tie, household id) of the items
# that match, in the column's prefix-index order, where key is the matched value, tie the
# person's id (0 for the household's own phone). A household is listed once, at its
# smallest matching (key, tie): a branch skips an item when the same household has an
# earlier match (NOT EXISTS, a few index probes per row read). The branches are merged
# in Python and a page ends after SEARCH_PAGE households; the next page starts after the
# last (key, tie, household). No branch reads further than one page past the cursor.
#
# The key order is byte order (varchar_pattern_ops, "~<~" in PostgreSQL), which is the
# order of those prefix indexes and of Python's str comparison; SQLite compares bytes too.

_M = HouseholdMembership._meta.db_table
_P = Person._meta.db_table
_H = Household._meta.db_table
_LIKE = "LIKE %s ESCAPE '\\'"


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _byte_ops(vendor: str) -> dict:
    """Comparison operators in byte order: varchar_pattern_ops' on PostgreSQL (so that
    the prefix indexes serve them), plain ones on SQLite (which compares bytes)."""
    if vendor == "postgresql":
        return {"<": "~<~", "<=": "~<=~", ">": "~>~", ">=": "~>=~"}
    return {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _after_sql(ops, key: str, tie: str, hid: str, cursor, *, forward: bool):
    """Rows after (forward) or before the cursor (key, tie, household) in walk order;
    the plain range on key lets PostgreSQL start its index walk at the cursor."""
    ck, ct, ch = cursor
    strict, bound = (ops[">"], ops[">="]) if forward else (ops["<"], ops["<="])
    further = ">" if forward else "<"
    sql = (
        f"{key} {bound} %s AND ({key} {strict} %s OR ({key} = %s AND "
        f"({tie} {further} %s OR ({tie} = %s AND {hid} {further} %s))))"
    )
    return sql, [ck, ck, ck, ct, ct, ch]


def _walk_queries(user, kind, value, cursor, *, forward: bool, limit: int):
    """(database alias, sql, params) of each branch's walk.

    Written as SQL rather than built with the ORM: the walks are small and fast in the
    database, and composing them as querysets cost several times their SQL time in
    Python. Who may see which household comes from households.access as SQL too."""
    alias = router.db_for_read(Household)
    ops = _byte_ops(connections[alias].vendor)
    like = _like_prefix(value)
    member_columns = (
        ("name_kana", "given_name_kana") if kind == "kana" else ("phone_digits", "mobile_digits")
    )
    order_ops = ("USING ~<~" if forward else "USING ~>~") if ops["<"] == "~<~" else ""
    direction = "ASC" if forward else "DESC"
    order = (
        f'ORDER BY "k" {order_ops or direction}, "tie" {direction}, "hid" {direction} '
        f"LIMIT {int(limit)}"
    )

    def earlier_member(household: str, key: str, tie: str | None):
        """A current member of the household matches before (key, tie); tie None for
        the household's own row (tie 0, so only a smaller key is earlier)."""
        parts, params = [], []
        for column in member_columns:
            c = f"p2.{column}"
            same = f" OR ({c} = {key} AND m2.person_id < {tie})" if tie else ""
            parts.append(f"({c} {_LIKE} AND ({c} {ops['<']} {key}{same}))")
            params.append(like)
        sql = (
            f"EXISTS (SELECT 1 FROM {_M} m2 JOIN {_P} p2 ON p2.id = m2.person_id "
            f"WHERE m2.household_id = {household} AND m2.until IS NULL "
            f"AND ({' OR '.join(parts)}))"
        )
        return sql, params

    # A partner sees few households, of which few match: walking the match index in
    # order would read thousands of other agencies' 「ヤマ…」 to find them (make bench:
    # 77 ms). Its search starts from its households instead (one statement, below).
    if ops["<"] == "~<~" and sees_few_households(user):
        return [
            _visible_walk_query(
                user, kind, like, member_columns, cursor, forward=forward, order=order
            )
        ]

    def finish(select: str, source: str, where: list, params: list):
        return f"{select} FROM {source} WHERE {' AND '.join(where)} {order}", params

    out = []
    for column in member_columns:
        key = f"p.{column}"
        where = [f"m.until IS NULL AND {key} {_LIKE}"]
        visible, visible_params = visible_household_sql(user, "m.household_id")
        where.append(visible)
        params = [like, *visible_params]
        joins = ""
        if kind == "phone":
            # 住所秘匿: a phone search must not confirm a hidden household's number.
            joins = f" JOIN {_H} h ON h.id = m.household_id"
            contact, contact_params = contact_visible_sql(user, "h")
            where.append(contact)
            params += contact_params
        earlier, earlier_params = earlier_member("m.household_id", key, "m.person_id")
        where.append(f"NOT {earlier}")
        params += earlier_params
        if kind == "phone":  # the household's own number matching at or before this one
            where.append(f"NOT (h.phone_digits {_LIKE} AND h.phone_digits {ops['<=']} {key})")
            params.append(like)
        if cursor is not None:
            after, after_params = _after_sql(
                ops, key, "m.person_id", "m.household_id", cursor, forward=forward
            )
            where.append(after)
            params += after_params
        select = f'SELECT {key} AS "k", m.person_id AS "tie", m.household_id AS "hid"'
        source = f"{_M} m JOIN {_P} p ON p.id = m.person_id"
        sql, params = finish(select, source + joins, where, params)
        out.append((alias, sql, params))
    if kind == "phone":
        where = [f"h.phone_digits {_LIKE}"]
        params = [like]
        conditions = [visible_household_sql(user, "h.id"), contact_visible_sql(user, "h")]
        for condition, condition_params in conditions:
            where.append(condition)
            params += condition_params
        earlier, earlier_params = earlier_member("h.id", "h.phone_digits", None)
        where.append(f"NOT {earlier}")
        params += earlier_params
        if cursor is not None:
            after, after_params = _after_sql(
                ops, "h.phone_digits", "0", "h.id", cursor, forward=forward
            )
            where.append(after)
            params += after_params
        select = 'SELECT h.phone_digits AS "k", 0 AS "tie", h.id AS "hid"'
        sql, params = finish(select, f"{_H} h", where, params)
        out.append((alias, sql, params))
    return out


def _visible_walk_query(user, kind, like, member_columns, cursor, *, forward, order):
    """(database alias, sql, params) of a partner's search, from its households: their
    ids once (DISTINCT, by its groups' grants), their current members once (LATERAL …
    OFFSET 0, one membership-index probe a household: PostgreSQL otherwise hash-joins
    every membership of the city), every matching column of those members (and, for a
    phone, the household's own number) as a candidate (key, tie, household), each
    household kept at its smallest candidate, then the page after the cursor, sorted.
    On PostgreSQL only (the byte-order operators)."""
    alias = router.db_for_read(Household)
    ids_sql, ids_params = visible_household_ids_sql(user)
    branches, params = [], []
    for column in member_columns:
        branches.append(
            f'SELECT p.{column} AS "k", m.person_id AS "tie", m.household_id AS "hid" '
            f"FROM m JOIN {_P} p ON p.id = m.person_id WHERE p.{column} {_LIKE}"
        )
        params.append(like)
    if kind == "phone":
        branches.append(
            f'SELECT h0.phone_digits AS "k", 0 AS "tie", h0.id AS "hid" '
            f"FROM v JOIN {_H} h0 ON h0.id = v.id WHERE h0.phone_digits {_LIKE}"
        )
        params.append(like)
    candidates = " UNION ALL ".join(branches)
    where, where_params = [], []
    if kind == "phone":
        # 住所秘匿: a phone search must not confirm a hidden household's number.
        contact, contact_params = contact_visible_sql(user, "h")
        candidates = (
            f'SELECT c0."k", c0."tie", c0."hid" FROM ({candidates}) c0 '
            f'JOIN {_H} h ON h.id = c0."hid" WHERE {contact}'
        )
        params += contact_params
    if cursor is not None:
        after, where_params = _after_sql(
            _byte_ops("postgresql"), '"k"', '"tie"', '"hid"', cursor, forward=forward
        )
        where.append(after)
    sql = (
        f"WITH v AS MATERIALIZED ({ids_sql}), "
        f"m AS MATERIALIZED (SELECT m0.person_id, m0.household_id FROM v CROSS JOIN LATERAL "
        f"(SELECT m1.person_id, m1.household_id FROM {_M} m1 "
        f"WHERE m1.household_id = v.id AND m1.until IS NULL OFFSET 0) m0), "
        f'first AS (SELECT DISTINCT ON ("hid") "k", "tie", "hid" FROM ({candidates}) c '
        f'ORDER BY "hid", "k" USING ~<~, "tie") '
        f'SELECT "k", "tie", "hid" FROM first'
        f"{(' WHERE ' + ' AND '.join(where)) if where else ''} {order}"
    )
    return alias, sql, [*ids_params, *params, *where_params]


def _walk(user, kind, value, cursor, *, forward: bool, limit: int) -> list[tuple]:
    """Up to `limit` (key, tie, household id) rows after/before cursor, merged."""
    rows = []
    for alias, sql, params in _walk_queries(
        user, kind, value, cursor, forward=forward, limit=limit
    ):
        with connections[alias].cursor() as db:
            db.execute(sql, params)
            rows += [(k, int(t), int(h)) for k, t, h in db.fetchall()]
    rows.sort(reverse=not forward)
    return rows[:limit]


def search_walk_sql(user, q: str, *, after: str = "", per_page: int = SEARCH_PAGE):
    """The SQL (sql, params) a kana or phone search runs for its households, one per
    branch: for tests that EXPLAIN it. [] for other searches."""
    kind, value = classify_query(q)
    if kind not in ("kana", "phone") or search_hint(q):
        return []
    cursor = _parse_cursor(after) if after else None
    queries = _walk_queries(user, kind, value, cursor, forward=True, limit=per_page + 1)
    return [(sql, params) for _alias, sql, params in queries]


def _parse_cursor(text: str):
    values = paging.decode_cursor(text, 3)
    if values is None:
        return None
    try:
        return values[0], int(values[1]), int(values[2])
    except ValueError:
        return None


def _walk_page(user, kind, value, *, after: str, before: str, per_page: int) -> paging.Page:
    before_cursor = _parse_cursor(before) if before else None
    after_cursor = _parse_cursor(after) if (after and before_cursor is None) else None
    forward = before_cursor is None
    cursor = after_cursor if forward else before_cursor
    rows = _walk(user, kind, value, cursor, forward=forward, limit=per_page + 1)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
        if not rows:
            return _walk_page(user, kind, value, after="", before="", per_page=per_page)
    by_id = with_members(Household.objects.filter(pk__in=[h for _k, _t, h in rows])).in_bulk()
    households = [by_id[h] for _k, _t, h in rows if h in by_id]
    first = paging.encode_cursor(rows[0]) if rows else ""
    last = paging.encode_cursor(rows[-1]) if rows else ""
    if forward:
        return paging.Page(
            households,
            next_params={"after": last} if more else None,
            prev_params={"before": first} if (cursor is not None and rows) else None,
        )
    return paging.Page(
        households,
        next_params={"after": last},
        prev_params={"before": first} if more else None,
    )


# ---------------------------------------------------------------- the search


def household_search_page(
    user, q: str, *, after: str = "", before: str = "", page=None, per_page: int = SEARCH_PAGE
) -> paging.Page:
    """A page of the households the user may see whose members, phone or address match q.

    Accepts kana (hiragana, katakana, half-width; spaces ignored; at least MIN_KANA
    characters), phone numbers (hyphens and full-width digits ignored; at least MIN_PHONE
    digits, matched from the start), kanji names, address fragments and birth dates.
    Kana and phone results come in ふりがな / number order, walked by keyset (after /
    before); the others in household-name order, numbered pages without a count.
    """
    kind, value = classify_query(q)
    if kind == "empty" or search_hint(q):
        return paging.Page([])
    if not user.is_authenticated or not user.works_on_cases:
        return paging.Page([])
    if kind in ("kana", "phone"):
        return _walk_page(user, kind, value, after=after, before=before, per_page=per_page)
    return paging.limit_page(matching_households(user, kind, value), page, per_page=per_page)


def matching_households(user, kind: str, value) -> QuerySet[Household]:
    """The households of a text or birth-date search, in the order the page lists them.

    The filters are on the households themselves (not "pk IN (those ids)"): PostgreSQL
    then finds the matches first and sorts only those. A partner's few households are
    left to the planner (it starts from them); a desk that sees most of the city tests
    each match for visibility rather than join its whole list of grants."""
    visible = households_visible_to if sees_few_households(user) else households_visible_to_probed
    households = visible(user).filter(_other_match(user, kind, value))
    return with_members(households).order_by("name", "pk")


def recent_households_page(user, *, after: str = "", before: str = "", per_page=SEARCH_PAGE):
    """The households the user may see, newest first (the search page before a query)."""
    return paging.keyset_page(
        with_members(households_visible_to(user)),
        ["-pk"],
        after=after,
        before=before,
        per_page=per_page,
    )


def with_members(queryset: QuerySet[Household]) -> QuerySet[Household]:
    return queryset.select_related("district").prefetch_related(
        Prefetch(
            "memberships",
            queryset=HouseholdMembership.objects.filter(until__isnull=True)
            .select_related("person")
            .order_by("pk"),
            to_attr="current_members",
        )
    )


def persons_visible_to(user) -> QuerySet[Person]:
    """Persons with a current membership in a household the user may see."""
    return Person.objects.filter(
        household_memberships__household__in=households_visible_to(user).values("pk"),
        household_memberships__until__isnull=True,
    )


def household_members(household: Household):
    return household.memberships.select_related("person").order_by("until", "pk")
