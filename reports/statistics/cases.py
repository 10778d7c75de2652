"""Case figures (相談件数, 終結件数, 継続件数) and 世帯人員, read from the cases' dated
state changes at the period ends (see reports.statistics for the definitions)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth

from cases.choices import ENDED_STATUSES
from cases.models import Case, CaseStatusChange
from households.models import Household, HouseholdMembership, Person
from reports.periods import Period, add_months, desk_opened_on, month_end
from reports.statistics.definitions import HOUSEHOLD_SIZES
from reports.statistics.sql import _period_ends, _span, _zeros


def counted_cases(periods, agency=None):
    """The cases the case figures count: opened on or after the desk's opening, on or
    before the last period end; the scope's."""
    lo, hi = _span(periods)
    qs = Case.objects.filter(opened_on__gte=desk_opened_on(), opened_on__lte=hi)
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    return qs


def _date_param(day: dt.date):
    return connection.ops.adapt_datefield_value(day)


def _case_states_cte(periods, agency) -> tuple[str, list]:
    """The WITH clauses (text, parameters) of the case figures.

    k0: the counted cases (counted_cases, the ORM's SQL). e: the distinct period ends,
    numbered j. x: every crossing (an ending, to 終結/中断, or a reopening, from them)
    of those cases on or before each end, numbered from the latest. l: per case, for
    each end j, the latest crossing's status to{j} and day on{j}. c: per case its
    household, opened_on and for each end j `ended{j}`: the day it ended when it was
    ended at the end of that day, else NULL (open then). A case's state at a day comes
    from these only, never from its current status, except for cases that have no
    status rows at all (they fall back to status and closed_on).

    One pass over the crossings (a window function) instead of two subqueries per case
    and per end: on the bench city the dashboard's twelve month ends went from 0.99 s
    to 0.14 s. Standard SQL (WITH, VALUES, ROW_NUMBER), run on PostgreSQL and SQLite
    alike."""
    ends = _period_ends(periods)
    cases = counted_cases(periods, agency).values(
        "id", "household_id", "opened_on", "status", "closed_on"
    )
    case_sql, params = cases.order_by().query.sql_with_params()
    params = list(params)
    day = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join(f"({j}, {day})" for j in range(len(ends)))
    params += [_date_param(end) for end in ends]
    ended = ", ".join(f"'{status}'" for status in ENDED_STATUSES)
    pivot = ", ".join(
        f"MAX(CASE WHEN x.j = {j} THEN x.to_status END) AS to{j}, "
        f'MAX(CASE WHEN x.j = {j} THEN x."on" END) AS on{j}'
        for j in range(len(ends))
    )
    columns = []
    for j, end in enumerate(ends):
        columns.append(
            f"CASE WHEN l.to{j} IN ({ended}) THEN l.on{j} "
            f"WHEN l.to{j} IS NULL AND k0.status IN ({ended}) AND k0.closed_on <= %s "
            f"THEN k0.closed_on END AS ended{j}"
        )
        params.append(_date_param(end))
    # PostgreSQL would otherwise inline k0 and read the cases once per reference.
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sql = (
        f"k0 AS {materialized}({case_sql}), "
        f"e(j, d) AS (VALUES {values}), "
        'x AS (SELECT s.case_id, e.j, s.to_status, s."on", ROW_NUMBER() OVER ('
        'PARTITION BY s.case_id, e.j ORDER BY s."on" DESC, s.id DESC) AS rn '
        f'FROM {CaseStatusChange._meta.db_table} s JOIN e ON s."on" <= e.d '
        f"WHERE (s.to_status IN ({ended}) OR s.from_status IN ({ended})) "
        "AND s.case_id IN (SELECT id FROM k0)), "
        f"l AS (SELECT x.case_id, {pivot} FROM x WHERE x.rn = 1 GROUP BY x.case_id), "
        f"c AS (SELECT k0.id, k0.household_id, k0.opened_on, {', '.join(columns)} "
        "FROM k0 LEFT JOIN l ON l.case_id = k0.id)"
    )
    return sql, params


def _supported(j: int) -> str:
    """Open on at least one day of a period ending on ends[j] (placeholders: its end,
    its start): opened by its end, and not ended before its start."""
    return f"(c.opened_on <= %s AND (c.ended{j} IS NULL OR c.ended{j} >= %s))"


CASE_FIGURES = ("opened", "closed", "continuing")


def _case_conditions(period: Period, j: int) -> dict[str, tuple[str, list]]:
    """The SQL condition (over c, _case_states_cte) and its parameters of each case
    figure of a period whose end is ends[j]. case_counts sums them; case_items lists
    the cases meeting one: the one definition of 相談件数, 終結件数 and 継続件数."""
    start, end = _date_param(period.start), _date_param(period.end)
    return {
        "opened": ("c.opened_on >= %s AND c.opened_on <= %s", [start, end]),
        # 終結: ended at the period's end, by an ending within it.
        "closed": (f"c.opened_on <= %s AND c.ended{j} >= %s", [end, start]),
        # 継続: open at the period's end.
        "continuing": (f"c.opened_on <= %s AND c.ended{j} IS NULL", [end]),
    }


def case_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談件数 (opened), 終結件数 (closed), 継続件数 (continuing) per period: one
    statement, conditional sums per period over the cases and their states at the
    period ends (_case_states_cte)."""
    ends = _period_ends(periods)
    cte, params = _case_states_cte(periods, agency)
    sums = []
    for period in periods:
        conditions = _case_conditions(period, ends.index(period.end))
        for figure in CASE_FIGURES:
            condition, condition_params = conditions[figure]
            sums.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
            params += condition_params
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {cte} SELECT {', '.join(sums)} FROM c", params)
        row = [int(v or 0) for v in cursor.fetchone()]
    width = len(CASE_FIGURES)
    return {
        figure: [row[width * i + f] for i in range(len(periods))]
        for f, figure in enumerate(CASE_FIGURES)
    }


def case_ids_sql(period: Period, agency, figure: str) -> tuple[str, list]:
    """The ids of the cases one case figure of one period counts, as SQL (a WITH
    statement selecting c.id), for case_items and the dashboard."""
    cte, params = _case_states_cte([period], agency)
    condition, condition_params = _case_conditions(period, 0)[figure]
    return f"WITH {cte} SELECT c.id FROM c WHERE {condition}", params + condition_params


def case_items(period: Period, agency, figure: str):
    """The cases one of 相談件数 / 終結件数 / 継続件数 counts (figure: CASE_FIGURES)."""
    sql, params = case_ids_sql(period, agency, figure)
    return Case.objects.filter(pk__in=RawSQL(sql, params))


def _supported_households_cte(periods, agency) -> tuple[str, list]:
    """The WITH clauses ending with s: one row per household with a counted case, with
    in{i} (one of its cases was open on a day of period i: 1, else 0) and day{i} (the
    last such day)."""
    ends = _period_ends(periods)
    cte, params = _case_states_cte(periods, agency)
    # Per period: the flag (one of the household's cases was open on a day of it), then
    # the day (the last such day: the period's end, or the day the case ended).
    flags, days = [], []
    for i, period in enumerate(periods):
        j = ends.index(period.end)
        flags.append(f"MAX(CASE WHEN {_supported(j)} THEN 1 ELSE 0 END) AS in{i}")
        params += [_date_param(period.end), _date_param(period.start)]
    for i, period in enumerate(periods):
        j = ends.index(period.end)
        days.append(f"MAX(CASE WHEN {_supported(j)} THEN COALESCE(c.ended{j}, %s) END) AS day{i}")
        params += [_date_param(period.end), _date_param(period.start), _date_param(period.end)]
    sql = f"""
        {cte},
        s AS (
            SELECT c.household_id, {", ".join(flags)}, {", ".join(days)}
            FROM c
            GROUP BY c.household_id
        )"""
    return sql, params


def _household_sizes_cte(periods, agency) -> tuple[str, list]:
    """The WITH clauses of 世帯人員 (household_size_counts, household_items), ending
    with b: one row per household, with in{i} (one of its cases was open on a day of
    period i: 1, else 0) and b{i} (its size bucket on its day in period i)."""
    supported, params = _supported_households_cte(periods, agency)
    membership, person = HouseholdMembership._meta.db_table, Person._meta.db_table
    counts = ", ".join(
        f"SUM(CASE WHEN m.household_id IS NOT NULL AND (m.since IS NULL OR m.since <= s.day{i}) "
        f'AND (m."until" IS NULL OR m."until" >= s.day{i}) THEN 1 ELSE 0 END) AS n{i}'
        for i in range(len(periods))
    )
    flags_max = ", ".join(f"MAX(s.in{i}) AS in{i}" for i in range(len(periods)))
    buckets = ", ".join(
        f"CASE WHEN n{i} >= 5 THEN 5 ELSE n{i} END AS b{i}" for i in range(len(periods))
    )
    sql = f"""
        {supported},
        m AS (
            SELECT hm.household_id, hm."until", COALESCE(hm.since, p.birth_date) AS since
            FROM {membership} hm
            JOIN {person} p ON p.id = hm.person_id
            WHERE hm.household_id IN (SELECT household_id FROM s)
        ),
        n AS (
            SELECT s.household_id, {flags_max}, {counts}
            FROM s LEFT JOIN m ON m.household_id = s.household_id
            GROUP BY s.household_id
        ),
        b AS (
            SELECT household_id, {", ".join(f"in{i}" for i in range(len(periods)))}, {buckets}
            FROM n
        )
    """
    return sql, params


def household_size_counts(periods, agency=None) -> dict[int, list[int]]:
    """世帯人員: households supported in each period by their number of members on the
    last day in the period one of their cases was open (bucket 1..5, 5 meaning five or
    more, 0 meaning nobody belonged to it that day).

    One statement: the cases with their states at the period ends (_case_states_cte), a
    row per household with, per period, whether one of its cases was open on a day of
    it and the last such day; its members with the day each belongs from (加入日 since;
    without one, birth) and until (転出日); the members counted on each household's
    day; grouped by the sizes. Written in SQL because the ORM cannot aggregate over an
    aggregate; standard SQL (WITH, CASE), run on PostgreSQL and SQLite alike."""
    cte, params = _household_sizes_cte(periods, agency)
    sums = ", ".join(f"SUM(in{i})" for i in range(len(periods)))
    groups = ", ".join(f"b{i}" for i in range(len(periods)))
    sql = f"WITH {cte} SELECT {groups}, {sums} FROM b GROUP BY {groups}"
    found = {bucket: _zeros(periods) for bucket, _label in HOUSEHOLD_SIZES}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():  # at most a few dozen combinations of sizes
            buckets_of, sums_of = row[: len(periods)], row[len(periods) :]
            for i in range(len(periods)):
                found[int(buckets_of[i] or 0)][i] += int(sums_of[i] or 0)
    return found


def household_items(period: Period, agency, bucket: int | None):
    """A row of 世帯人員: the households supported in the period of that size bucket
    (None: the total, every household supported, whose members need not be counted)."""
    if bucket is None:
        cte, params = _supported_households_cte([period], agency)
        sql = f"WITH {cte} SELECT s.household_id FROM s WHERE s.in0 = 1"
        return Household.objects.filter(pk__in=RawSQL(sql, params))
    cte, params = _household_sizes_cte([period], agency)
    sql = f"WITH {cte} SELECT b.household_id FROM b WHERE b.in0 = 1 AND COALESCE(b.b0, 0) = %s"
    return Household.objects.filter(pk__in=RawSQL(sql, [*params, bucket]))


def new_case_trend(month: dt.date, agency=None, *, months: int = 12) -> list[tuple[dt.date, int]]:
    """New cases (相談件数) per month for the `months` months ending with `month`."""
    first = add_months(month.replace(day=1), -(months - 1))
    qs = Case.objects.filter(opened_on__gte=first, opened_on__lte=month_end(month))
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    rows = qs.annotate(m=TruncMonth("opened_on")).values("m").annotate(n=Count("pk")).order_by()
    found = {}
    for row in rows:
        m = row["m"]
        if isinstance(m, dt.datetime):
            m = m.date()
        found[m.replace(day=1)] = row["n"]
    return [(add_months(first, i), found.get(add_months(first, i), 0)) for i in range(months)]
