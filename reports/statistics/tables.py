"""The report's tables (Row, Table, Statistics) and period_statistics, which runs every
query of the package in one read-only snapshot (reporting_snapshot)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import AgencyKind
from cases.choices import Project, RecordKind
from common.wareki import fiscal_year_label
from intake.choices import CameFrom
from meetings.choices import MeetingKind
from reports.choices import PeriodKind
from reports.periods import Period, ReportPeriod
from reports.statistics.acts import (
    REFERRAL_MEASURES,
    meeting_counts,
    progress_counts,
    referral_counts,
    support_counts,
)
from reports.statistics.cases import case_counts, household_size_counts, new_case_trend
from reports.statistics.consultations import came_from_counts, category_counts, consultation_counts
from reports.statistics.definitions import (
    DEFINITIONS,
    HOUSEHOLD_SIZES,
    MEETING_KINDS,
    REFERRAL_STEPS,
    scope_label,
)
from reports.statistics.pillars import (
    COMMUNITY_ROWS,
    OUTREACH_ROWS,
    PARTICIPATION_ROWS,
    community_figures,
    outreach_figures,
    participation_figures,
)

# Every table of a report, in the order _statistics makes them (and the Excel sheets'
# order); a table left out for a scope is simply missing from Statistics.tables.
TABLE_KEYS = (
    "counts",
    "categories",
    "referrals",
    "support",
    "progress",
    "came_from",
    "meetings",
    "households",
    "projects",
    "outreach",
    "participation",
    "community",
)


@dataclass
class Row:
    label: str
    values: list[int]
    is_total: bool = False
    # What the row counts, for its list (reports.figures): a CameFrom value, a
    # statistics group, "total", ... "" when the row has no list.
    key: str = ""


@dataclass
class Table:
    """One table of the report. columns label every value column; groups (label, span)
    optionally head them (繋ぎ先: 当月 → 繋ぎ / 受理)."""

    key: str
    title: str
    columns: list[str]
    rows: list[Row]
    groups: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # DEFINITIONS keys
    # The measures of each period's values when a period has several (繋ぎ先: sent,
    # accepted); value i is then period i // len(measures), measure i % len(measures).
    measures: tuple[str, ...] = ()

    def row(self, label: str) -> Row:
        return next(r for r in self.rows if r.label == label)


@dataclass
class Statistics:
    """Every table of one report: its period (ReportPeriod), scope and columns."""

    period: ReportPeriod
    scope_agency: object
    periods: list[Period]
    tables: dict[str, Table]
    trend: list[tuple[dt.date, int]]

    @property
    def month(self) -> dt.date:
        """The first day of the month the period ends in."""
        return self.period.end.replace(day=1)

    @property
    def title(self) -> str:
        return self.period.document_title

    @property
    def scope_label(self) -> str:
        return scope_label(self.scope_agency)

    @property
    def fiscal_year_label(self) -> str:
        """令和6年度 for a month or a quarter (the 年度 their 年度累計 runs in); empty
        for a 年度 (its title says it) or a range (it may span two)."""
        if self.period.kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
            return fiscal_year_label(self.period.fiscal_year)
        return ""

    @property
    def omits_previous_year(self) -> bool:
        return not any(p.is_previous_year for p in self.periods)

    def definitions(self) -> list[tuple[str, str, str]]:
        used = {key for table in self.tables.values() for key in table.notes} | {"periods", "scope"}
        return [(k, str(term), str(text)) for k, term, text in DEFINITIONS if k in used]


MonthlyStatistics = Statistics  # the name of earlier versions


def _total(rows: list[Row], label: str, key: str = "total") -> Row:
    width = len(rows[0].values) if rows else 0
    return Row(
        label, [sum(r.values[i] for r in rows) for i in range(width)], is_total=True, key=key
    )


@contextmanager
def reporting_snapshot():
    """Run the statistics queries in one transaction.

    On PostgreSQL, outside any other transaction, it is REPEATABLE READ and READ ONLY:
    every table comes from the same snapshot, so the figures agree with each other
    while staff keep writing. JIT compilation is switched off for it: these are short
    aggregate queries, and on the benchmark PostgreSQL spent about a second compiling
    the 終結件数 query that then ran in a tenth of that."""
    postgres = connection.vendor == "postgresql"
    outermost = not connection.in_atomic_block
    if postgres and outermost:
        with connection.cursor():  # a connection health check runs now, not inside
            pass
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET LOCAL jit = off")
                # The dated-history queries sort and hash every case and membership of
                # a period: keep them in memory (the default 4 MB spilled to disk).
                cursor.execute("SET LOCAL work_mem = '32MB'")
        yield


def period_statistics(period: ReportPeriod, agency=None) -> Statistics:
    """Every table of the report for the period and the scope (agency None: 全機関)."""
    with reporting_snapshot():
        return _statistics(period, agency)


def monthly_statistics(period, agency=None) -> Statistics:
    """period: a ReportPeriod, or any day of the month to report (the monthly report)."""
    if not isinstance(period, ReportPeriod):
        period = ReportPeriod.for_month(period)
    return period_statistics(period, agency)


def _statistics(period: ReportPeriod, agency=None) -> Statistics:
    periods = period.columns()
    columns = [p.label for p in periods]
    tables: dict[str, Table] = {}

    cases = case_counts(periods, agency)
    consultations = consultation_counts(periods, agency)
    tables["counts"] = Table(
        "counts",
        _("件数"),
        columns,
        [
            Row(_("相談件数"), cases["opened"], key="opened"),
            Row(_("終結件数"), cases["closed"], key="closed"),
            Row(_("継続件数"), cases["continuing"], key="continuing"),
            Row(_("相談受付 延べ件数"), consultations["total"], key="total"),
            Row(_("うち継続相談"), consultations["continuation"], key="continuation"),
            Row(_("相談受付 実人数"), consultations["persons"], key="persons"),
        ],
        notes=["cases", "consultations"],
    )

    rows = [
        Row(group, values, key=group) for group, values in category_counts(periods, agency).items()
    ]
    tables["categories"] = Table(
        "categories",
        _("相談内容（重複有）"),
        columns,
        [*rows, _total(rows, _("計"))],
        notes=["categories"],
    )

    referrals = referral_counts(periods, agency)
    rows = [
        Row(
            str(AgencyKind(kind).label),
            [v for i in range(len(periods)) for v in (c["sent"][i], c["accepted"][i])],
            key=kind,
        )
        for kind, c in referrals.items()
    ]
    tables["referrals"] = Table(
        "referrals",
        _("繋ぎ先"),
        [label for _p in periods for label in (_("繋ぎ"), _("受理"))],
        [*rows, _total(rows, _("計"))],
        groups=[(p.label, 2) for p in periods],
        notes=["referrals"],
        measures=REFERRAL_MEASURES,
    )

    support = support_counts(periods, agency)
    rows = [Row(str(RecordKind(k).label), v, key=k) for k, v in support["kind"].items()]
    tables["support"] = Table(
        "support",
        _("支援内容（延べ）"),
        columns,
        [*rows, _total(rows, _("計"))],
        notes=["support"],
    )

    progress = progress_counts(periods, agency)
    rows = [Row(str(label), progress[step], key=step) for step, label in REFERRAL_STEPS]
    rows.append(Row(_("支援プラン 実施開始"), progress["plans_activated"], key="plans_activated"))
    tables["progress"] = Table(
        "progress", _("繋ぎ・プランの経過（延べ）"), columns, rows, notes=["progress"]
    )

    rows = [
        Row(str(CameFrom(k).label), v, key=k) for k, v in came_from_counts(periods, agency).items()
    ]
    tables["came_from"] = Table(
        "came_from", _("相談経路"), columns, [*rows, _total(rows, _("計"))], notes=["came_from"]
    )

    meetings = meeting_counts(periods, agency)
    rows = []
    for kind, label in [*((k, MeetingKind(k).label) for k in MEETING_KINDS), ("total", _("計"))]:
        figures = meetings[kind]
        rows += [
            Row(
                _("%(kind)s 開催回数") % {"kind": label},
                figures["held"],
                kind == "total",
                key=f"{kind}.held",
            ),
            Row(
                _("%(kind)s 検討ケース（実件数）") % {"kind": label},
                figures["cases_distinct"],
                kind == "total",
                key=f"{kind}.cases_distinct",
            ),
            Row(
                _("%(kind)s 検討ケース（延べ）") % {"kind": label},
                figures["case_items"],
                kind == "total",
                key=f"{kind}.case_items",
            ),
        ]
    tables["meetings"] = Table("meetings", _("会議"), columns, rows, notes=["meetings"])

    sizes = household_size_counts(periods, agency)
    rows = [Row(str(label), sizes[bucket], key=str(bucket)) for bucket, label in HOUSEHOLD_SIZES]
    tables["households"] = Table(
        "households",
        _("世帯人員"),
        columns,
        [*rows, _total(rows, _("計（支援した世帯）"))],
        notes=["households"],
    )

    rows = [Row(str(Project(k).label), v, key=k) for k, v in support["project"].items()]
    tables["projects"] = Table(
        "projects",
        _("事業別（支援内容 延べ）"),
        columns,
        [*rows, _total(rows, _("計"))],
        notes=["support"],
    )

    outreach = outreach_figures(periods) if agency is None else None
    if outreach is not None:
        tables["outreach"] = Table(
            "outreach",
            _("アウトリーチ"),
            columns,
            [Row(str(label), outreach[key], key=key) for key, label in OUTREACH_ROWS],
            notes=["outreach"],
        )

    if agency is None:
        part = participation_figures(periods)
        tables["participation"] = Table(
            "participation",
            _("参加支援"),
            columns,
            [Row(str(label), part[key], key=key) for key, label in PARTICIPATION_ROWS],
            notes=["participation"],
        )
        comm = community_figures(periods)
        tables["community"] = Table(
            "community",
            _("地域づくり"),
            columns,
            [Row(str(label), comm[key], key=key) for key, label in COMMUNITY_ROWS],
            notes=["community"],
        )

    return Statistics(
        period=period,
        scope_agency=agency,
        periods=periods,
        tables=tables,
        trend=new_case_trend(min(period.end, timezone.localdate()), agency),
    )
