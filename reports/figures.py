"""Every figure of the statistics as the list of what it counts.

A figure is addressed by its table, its row key (statistics.Row.key), the measure
where a period has several values (繋ぎ先: sent / accepted) and the column (a
periods.Period) and scope. figure_items() returns the items it counts from the same
querysets and SQL conditions the figure is computed with (reports.statistics: the
*_items functions beside each *_counts), so a list's count is the figure by
construction. Which of them the viewer may see is asked of the sharing policy
(cases.sharing, households.access) and of the apps' own selectors built on it;
items they may not see are counted, never shown.

The 参加支援, 地域づくり and アウトリーチ tables are counted by those apps' selectors,
whose *_items functions give the same definitions as querysets. A head count (参加者,
ボランティア) is a sum over activities: its list is those activities, with the column
it sums, and the figure is that column's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from accounts.choices import AgencyKind
from cases.choices import Project, RecordKind
from cases.sharing import case_ids_visible_q
from community.selectors import (
    HEADCOUNT_FIGURES,
    activities_visible_to,
    community_items,
    issues_visible_to,
    resources_visible_to,
)
from households.access import households_visible_to
from households.selectors import persons_visible_to
from intake.access import consultations_visible_to
from intake.choices import CameFrom
from intake.models import ConsultationCategory
from meetings.choices import MeetingKind
from meetings.selectors import meetings_readable_by, meetings_visible_to
from outreach.selectors import campaigns_visible_to, outreach_items, targets_visible_to
from participation.selectors import (
    host_logs_visible_to,
    participation_items,
    placements_visible_to,
)
from referrals.choices import ReferralStatus
from referrals.selectors import referrals_visible_to
from reports import statistics as st
from reports.choices import PeriodKind
from reports.periods import Period, ReportPeriod

# Tables whose figures open as lists: every table of the report.
LISTED_TABLES = frozenset(st.TABLE_KEYS)


class UnknownFigure(ValueError):
    """No figure has this address (a changed or hand-made URL)."""


@dataclass
class Items:
    """What a figure counts: kind names the template and the ordering; items is every
    one counted; restrict(user, queryset) keeps, of a queryset of the same model, what
    the user may see (asked of the sharing policy and the apps' selectors)."""

    kind: str
    items: QuerySet
    restrict: object  # callable(user, QuerySet) -> QuerySet
    # For the lists that can hold a million items: the same rule as a condition on an
    # item's row, so that both counts come from one pass (counted_page).
    condition: object = None  # callable(user) -> Q
    # A head count: the columns of each item it sums (the figure is their total).
    sums: tuple[str, ...] = ()

    def visible(self, user) -> QuerySet:
        return self.restrict(user, self.items)


# ---------------------------------------------------------------- who sees which item


def _cases(items):
    return Items("case", items, lambda user, qs: qs.filter(case_ids_visible_q(user, field="pk")))


def _among(kind: str, visible_to):
    """A builder of Items the user sees as far as visible_to(user), a queryset of the
    same model from the owning app's selectors, reaches."""

    def build(items, **extra):
        return Items(kind, items, lambda user, qs: qs & visible_to(user), **extra)

    return build


def _through(kind: str, field: str, visible_to):
    """A builder of Items shown through the row their foreign key `field` points to,
    when visible_to(user) holds that row."""

    def build(items):
        def restrict(user, qs):
            return qs.filter(**{f"{field}__in": visible_to(user).values("pk")})

        return Items(kind, items, restrict)

    return build


_consultations = _among("consultation", consultations_visible_to)
_referrals = _among("referral", referrals_visible_to)
_meetings = _among("meeting", meetings_visible_to)
_households = _among("household", households_visible_to)
_placements = _among("placement", placements_visible_to)
_host_logs = _among("host_log", host_logs_visible_to)
_resources = _among("resource", resources_visible_to)
_issues = _among("issue", issues_visible_to)
_targets = _among("target", targets_visible_to)
_events = _through("event", "referral", referrals_visible_to)
_agenda_items = _through("agenda_item", "meeting", meetings_readable_by)
_consents = _through("consent", "person", persons_visible_to)
_follow_ups = _through("follow_up", "placement", placements_visible_to)
_contacts = _through("contact", "target", targets_visible_to)
_visits = _through("visit", "campaign", campaigns_visible_to)


def _activities(items, sums=()):
    return _among("activity", activities_visible_to)(items, sums=tuple(sums))


def _category_pairs(items):
    def condition(user) -> Q:
        return Q(consultation__in=consultations_visible_to(user).values("pk"))

    return Items("category_pair", items, lambda user, qs: qs.filter(condition(user)), condition)


def _persons(items, period, agency):
    def restrict(user, qs):
        # A person is shown through a consultation about them the user may see.
        links = st._person_links([period], agency).filter(
            st._at("consultation__received_at", period),
            consultation__in=consultations_visible_to(user).values("pk"),
        )
        return qs.filter(pk__in=links.values("person_id"))

    return Items("person", items, restrict)


def _records(items):
    return Items(
        "record",
        items,
        lambda user, qs: qs.filter(_record_condition(user)),
        condition=_record_condition,
    )


def _record_condition(user) -> Q:
    return case_ids_visible_q(user, action="records")


def _plans(items):
    return Items("plan", items, lambda user, qs: qs.filter(_record_condition(user)))


def _pillar_items(table: str, row: str, period: Period, agency) -> Items:
    """参加支援 / 地域づくり / アウトリーチ: the apps' own definitions (全機関 only)."""
    if agency is not None:
        raise UnknownFigure(table)
    try:
        if table == "participation":
            items = participation_items(period.start, period.end, row)
            model = items.model._meta.model_name
            if model == "placement":
                return _placements(items)
            return _follow_ups(items) if model == "placementfollowup" else _host_logs(items)
        if table == "community":
            items = community_items(period.start, period.end, row)
            model = items.model._meta.model_name
            if model == "communityresource":
                return _resources(items)
            if model == "communityissue":
                return _issues(items)
            return _activities(items, HEADCOUNT_FIGURES.get(row, ()))
        items = outreach_items(period.start, period.end, row)
    except KeyError as exc:
        raise UnknownFigure(f"{table}:{row}") from exc
    model = items.model._meta.model_name
    if model == "outreachtarget":
        return _targets(items)
    return _contacts(items) if model == "contactattempt" else _visits(items)


# The same, for other definitions of what is counted (reports.dashboard).
case_items_of = _cases
referral_items_of = _referrals
plan_items_of = _plans
consent_items_of = _consents


# ---------------------------------------------------------------- the figures


def _total_or(row: str, values) -> str | None:
    if row == "total":
        return None
    if row not in values:
        raise UnknownFigure(row)
    return row


def figure_items(table: str, row: str, measure: str, period: Period, agency) -> Items:
    """The items one figure counts; UnknownFigure when there is no such figure."""
    if table == "counts":
        if row in st.CASE_FIGURES:
            return _cases(st.case_items(period, agency, row))
        if row in st.CONSULTATION_FIGURES:
            return _consultations(st.consultation_items(period, agency, row))
        if row == "persons":
            return _persons(st.consultation_person_items(period, agency), period, agency)
    elif table == "categories":
        if row == "total":
            return _category_pairs(st.category_items(period, agency, None))
        groups = set(st.STATISTICS_GROUPS) | set(
            ConsultationCategory.objects.values_list("statistics_group", flat=True)
        )
        return _consultations(st.category_items(period, agency, _total_or(row, groups)))
    elif table == "came_from":
        return _consultations(st.came_from_items(period, agency, _total_or(row, CameFrom.values)))
    elif table == "referrals":
        if measure not in st.REFERRAL_MEASURES:
            raise UnknownFigure(measure)
        kind = _total_or(row, AgencyKind.values)
        return _referrals(st.referral_items(period, agency, kind, measure))
    elif table == "support":
        return _records(st.support_items(period, agency, kind=_total_or(row, RecordKind.values)))
    elif table == "projects":
        return _records(st.support_items(period, agency, project=_total_or(row, Project.values)))
    elif table == "progress":
        if row == "plans_activated":
            return _plans(st.progress_items(period, agency, row))
        if row in ReferralStatus.values:
            return _events(st.progress_items(period, agency, row))
    elif table == "meetings":
        kind, _dot, what = row.partition(".")
        if kind in [*st.MEETING_KINDS, "total"] and what in st.MEETING_MEASURES:
            items = st.meeting_items(period, agency, None if kind == "total" else kind, what)
            if what == "held":
                return _meetings(items)
            if what == "cases_distinct":
                return _cases(items)
            return _agenda_items(items)
    elif table in ("participation", "community", "outreach"):
        return _pillar_items(table, row, period, agency)
    elif table == "households":
        if row == "total":
            return _households(st.household_items(period, agency, None))
        buckets = {str(bucket) for bucket, _label in st.HOUSEHOLD_SIZES}
        if row in buckets:
            return _households(st.household_items(period, agency, int(row)))
    raise UnknownFigure(f"{table}:{row}")


# ---------------------------------------------------------------- links on the page


def period_query(period: ReportPeriod) -> dict[str, str]:
    """The report form's fields (ReportRequestForm) that ask for this period."""
    if period.kind == PeriodKind.MONTH:
        return {"kind": period.kind, "month": f"{period.start:%Y-%m}"}
    if period.kind == PeriodKind.QUARTER:
        return {"kind": period.kind, "quarter": f"{period.fiscal_year}-{period.quarter}"}
    if period.kind == PeriodKind.FISCAL_YEAR:
        return {"kind": period.kind, "fiscal_year": str(period.fiscal_year)}
    return {
        "kind": period.kind,
        "range_start": period.start.isoformat(),
        "range_end": period.end.isoformat(),
    }


def scope_value(agency) -> str:
    from reports.forms import DESK_SCOPE

    return DESK_SCOPE if agency is None else str(agency.pk)


def figure_url(period: ReportPeriod, agency, column: Period, table: str, row: str, measure=""):
    query = {**period_query(period), "scope": scope_value(agency), "col": column.key}
    query.update(table=table, row=row)
    if measure:
        query["measure"] = measure
    return f"{reverse('reports:figure')}?{urlencode(query)}"


@dataclass
class Cell:
    value: int
    url: str = ""


@dataclass
class HtmlRow:
    label: str
    is_total: bool
    cells: list[Cell]


@dataclass
class HtmlTable:
    key: str
    title: str
    columns: list[str]
    groups: list[tuple[str, int]]
    rows: list[HtmlRow]
    linked: bool


def html_tables(stats: st.Statistics) -> list[HtmlTable]:
    """The report's tables with a link on every figure that has a list."""
    out = []
    for table in stats.tables.values():
        linked = table.key in LISTED_TABLES
        rows = []
        for row in table.rows:
            cells = []
            for i, value in enumerate(row.values):
                url = ""
                if linked and row.key:
                    measures = table.measures
                    column = stats.periods[i // len(measures) if measures else i]
                    measure = measures[i % len(measures)] if measures else ""
                    url = figure_url(
                        stats.period, stats.scope_agency, column, table.key, row.key, measure
                    )
                cells.append(Cell(value, url))
            rows.append(HtmlRow(row.label, row.is_total, cells))
        out.append(HtmlTable(table.key, table.title, table.columns, table.groups, rows, linked))
    return out


TABLE_TITLES = {
    "counts": _l("件数"),
    "categories": _l("相談内容（重複有）"),
    "came_from": _l("相談経路"),
    "referrals": _l("繋ぎ先"),
    "support": _l("支援内容（延べ）"),
    "projects": _l("事業別（支援内容 延べ）"),
    "progress": _l("繋ぎ・プランの経過（延べ）"),
    "meetings": _l("会議"),
    "households": _l("世帯人員"),
    "outreach": _l("アウトリーチ"),
    "participation": _l("参加支援"),
    "community": _l("地域づくり"),
}
COUNT_LABELS = {
    "opened": _l("相談件数"),
    "closed": _l("終結件数"),
    "continuing": _l("継続件数"),
    "total": _l("相談受付 延べ件数"),
    "continuation": _l("うち継続相談"),
    "persons": _l("相談受付 実人数"),
}
MEETING_MEASURE_LABELS = {
    "held": _l("開催回数"),
    "cases_distinct": _l("検討ケース（実件数）"),
    "case_items": _l("検討ケース（延べ）"),
}
MEASURE_LABELS = {"sent": _l("繋ぎ"), "accepted": _l("受理")}


def row_label(table: str, row: str) -> str:
    """The row's label as the report prints it (the address was checked already)."""
    if row == "total" and table not in ("counts", "meetings"):
        return _("計（支援した世帯）") if table == "households" else _("計")
    if table == "counts":
        return str(COUNT_LABELS[row])
    if table == "came_from":
        return str(CameFrom(row).label)
    if table == "referrals":
        return str(AgencyKind(row).label)
    if table == "support":
        return str(RecordKind(row).label)
    if table == "projects":
        return str(Project(row).label)
    if table == "progress":
        labels = dict(st.REFERRAL_STEPS)
        return str(labels.get(row, _("支援プラン 実施開始")))
    if table == "meetings":
        kind, _dot, what = row.partition(".")
        name = _("計") if kind == "total" else MeetingKind(kind).label
        return f"{name} {MEETING_MEASURE_LABELS[what]}"
    if table == "households":
        return str(dict(st.HOUSEHOLD_SIZES)[int(row)])
    if table in st.PILLAR_ROWS:
        return str(dict(st.PILLAR_ROWS[table])[row])
    return row  # 相談内容: the statistics group itself


def figure_title(table: str, row: str, measure: str, column: Period) -> str:
    parts = [str(TABLE_TITLES[table]), row_label(table, row)]
    if measure:
        parts.append(str(MEASURE_LABELS[measure]))
    parts.append(column.label)
    return " / ".join(parts)
