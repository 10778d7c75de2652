"""The managers' dashboard: today's caseload and what needs attention, for one scope
(全機関 or an agency, reports.selectors.statistics_scopes).

Each figure is defined once here as a queryset (dashboard_items) and counted from it,
so its list (reports.views.dashboard_figure) has exactly as many items. Where the
report has the figure, it is the report's own definition: the open cases are
statistics.case_items(..., "continuing") for a period ending today, the 継続件数 of a
report run today; the trends are the 当月 columns of the monthly reports.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Agency, User
from cases.choices import CaseStatus, PlanStatus
from cases.models import Case, SupportPlan
from households.models import Consent
from referrals.models import Referral
from reports import charts, figures, lists
from reports import statistics as st
from reports.periods import Period, ReportPeriod, add_months, desk_opened_on

# How long open cases have been open (days since 開始日): (key, label, from, below).
AGE_BANDS = [
    ("0", gettext_lazy("3か月未満"), 0, 91),
    ("1", gettext_lazy("3か月〜6か月"), 91, 183),
    ("2", gettext_lazy("6か月〜1年"), 183, 365),
    ("3", gettext_lazy("1年〜2年"), 365, 730),
    ("4", gettext_lazy("2年以上"), 730, None),
]
REVIEW_WITHIN_DAYS = 14
CONSENT_WITHIN_DAYS = 30
FIRST_PLAN_WINDOW_DAYS = 365
TREND_MONTHS = 12


class UnknownDashboardFigure(ValueError):
    pass


def _age_q(today: dt.date, lo: int, hi: int | None) -> Q:
    q = Q(opened_on__lte=today - dt.timedelta(days=lo))
    if hi is not None:
        q &= Q(opened_on__gt=today - dt.timedelta(days=hi))
    return q


def open_cases(agency, today: dt.date):
    """The cases open at the end of today: the report's 継続件数 for a period ending
    today (dated history, cases opened since the desk opened, the scope's)."""
    period = Period("today", "", desk_opened_on(), today)
    return st.case_items(period, agency, "continuing")


def first_plan_cases(agency, today: dt.date):
    """Cases whose first support plan came into force in the last 12 months, with
    first_plan (that day): the 受付 (開始日) → first plan figures."""
    qs = Case.objects.filter(opened_on__gte=desk_opened_on())
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    since = today - dt.timedelta(days=FIRST_PLAN_WINDOW_DAYS)
    return qs.annotate(first_plan=Min("plans__activated_on")).filter(
        first_plan__gt=since, first_plan__lte=today
    )


def overdue_referrals(agency):
    """Referrals still unanswered past their answer day, sent or received by the scope."""
    qs = Referral.objects.overdue()
    if agency is not None:
        qs = qs.filter(Q(from_agency=agency) | Q(to_agency=agency))
    return qs


def reviews_due(agency, today: dt.date):
    """Plans in force whose review day is within 14 days (or past), of the scope's cases."""
    qs = SupportPlan.objects.filter(
        status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED],
        review_on__lte=today + dt.timedelta(days=REVIEW_WITHIN_DAYS),
    )
    if agency is not None:
        qs = qs.filter(case__lead_agency=agency)
    return qs


def consents_expiring(agency, today: dt.date, open_qs=None):
    """Valid consents ending within 30 days, of persons currently in the households of
    the scope's open cases (open_qs: those cases, when already read)."""
    if open_qs is None:
        open_qs = open_cases(agency, today)
    households = open_qs.values("household_id")
    return (
        Consent.objects.valid_on(today)
        .filter(
            expires_on__lte=today + dt.timedelta(days=CONSENT_WITHIN_DAYS),
            person__household_memberships__household__in=households,
            person__household_memberships__until__isnull=True,
        )
        .distinct()
    )


def dashboard_items(figure: str, key: str, agency, today: dt.date) -> figures.Items:
    """The items of one dashboard figure; UnknownDashboardFigure otherwise."""
    if figure == "open":
        qs = open_cases(agency, today)
        kind, _colon, value = key.partition(":")
        if kind == "all":
            pass
        elif kind == "status" and value in CaseStatus.values:
            qs = qs.filter(status=value)
        elif kind == "age" and value in {b[0] for b in AGE_BANDS}:
            _k, _label, lo, hi = next(b for b in AGE_BANDS if b[0] == value)
            qs = qs.filter(_age_q(today, lo, hi))
        elif kind == "worker" and value.isdigit():
            qs = qs.filter(lead_staff_id=int(value))
        elif kind == "worker" and value == "none":
            qs = qs.filter(lead_staff__isnull=True)
        elif kind == "agency" and value.isdigit():
            qs = qs.filter(lead_agency_id=int(value))
        else:
            raise UnknownDashboardFigure(key)
        return figures.case_items_of(qs)
    if figure == "first_plan":
        return figures.case_items_of(first_plan_cases(agency, today))
    if figure == "overdue":
        return figures.referral_items_of(overdue_referrals(agency))
    if figure == "reviews":
        return figures.plan_items_of(reviews_due(agency, today))
    if figure == "consents":
        return figures.consent_items_of(consents_expiring(agency, today))
    raise UnknownDashboardFigure(figure)


FIGURE_TITLES = {
    "open": gettext_lazy("支援中のケース"),
    "first_plan": gettext_lazy("最初のプランまでの日数（過去12か月に実施開始）"),
    "overdue": gettext_lazy("回答期限を過ぎた繋ぎ"),
    "reviews": gettext_lazy("14日以内に評価予定のプラン"),
    "consents": gettext_lazy("30日以内に期限が切れる本人同意"),
}


def dashboard_url(agency, figure: str, key: str = "") -> str:
    query = {"scope": figures.scope_value(agency), "figure": figure}
    if key:
        query["key"] = key
    return f"{reverse('reports:dashboard_figure')}?{urlencode(query)}"


@dataclass
class Line:
    label: str
    count: int
    url: str


@dataclass
class Trend:
    title: str
    svg: str
    points: list[Line]


@dataclass
class Dashboard:
    agency: object
    today: dt.date
    open_total: Line
    by_status: list[Line]
    by_age: list[Line]
    by_worker: list[Line]
    by_agency: list[Line]
    first_plan: Line
    first_plan_median: float | None
    first_plan_mean: float | None
    overdue: Line
    reviews: Line
    consents: Line
    trends: list[Trend] = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        return st.scope_label(self.agency)


def _in_band(today: dt.date, opened_on: dt.date, lo: int, hi: int | None) -> bool:
    """_age_q for one case."""
    days = (today - opened_on).days
    return days >= lo and (hi is None or days < hi)


def _grouped_lines(counts: Counter, names: dict, unnamed: str, url) -> list[Line]:
    """Lines of counts per key, biggest first, then by name."""
    lines = [Line(names.get(pk) or unnamed, n, url(pk)) for pk, n in counts.items()]
    return sorted(lines, key=lambda line: (-line.count, line.label))


def _open_cases_read_once(agency, today: dt.date):
    """open_cases as a filter on their ids, read once: the dated-history query behind
    it then runs once per page instead of once per figure."""
    ids = list(open_cases(agency, today).order_by().values_list("pk", flat=True))
    return Case.objects.filter(pk__in=lists.id_array(ids))


def key_figures(
    agency, today: dt.date | None = None, open_qs=None, open_count=None
) -> dict[str, Line]:
    """The four figures the home page shows."""
    today = today or timezone.localdate()
    if open_qs is None:
        open_qs = _open_cases_read_once(agency, today)
    return {
        "open": Line(
            _("支援中のケース"),
            open_qs.count() if open_count is None else open_count,
            dashboard_url(agency, "open", "all"),
        ),
        "overdue": Line(
            FIGURE_TITLES["overdue"],
            overdue_referrals(agency).count(),
            dashboard_url(agency, "overdue"),
        ),
        "reviews": Line(
            FIGURE_TITLES["reviews"],
            reviews_due(agency, today).count(),
            dashboard_url(agency, "reviews"),
        ),
        "consents": Line(
            FIGURE_TITLES["consents"],
            consents_expiring(agency, today, open_qs).count(),
            dashboard_url(agency, "consents"),
        ),
    }


def _trends(agency, today: dt.date) -> list[Trend]:
    """相談件数, 終結件数 and 相談受付 延べ件数 of each of the last 12 months: the 当月
    columns of the monthly reports (the month so far for this one)."""
    first = add_months(today.replace(day=1), -(TREND_MONTHS - 1))
    months = [add_months(first, i) for i in range(TREND_MONTHS)]
    months = [m for m in months if ReportPeriod.for_month(m).end >= desk_opened_on()]
    if not months:
        return []
    reports = [ReportPeriod.for_month(m) for m in months]
    periods = [r.columns(today=today)[0] for r in reports]
    cases = st.case_counts(periods, agency)
    consultations = st.consultation_counts(periods, agency)
    out = []
    for title, table, row, values in (
        (_("相談件数（新規ケース）"), "counts", "opened", cases["opened"]),
        (_("終結件数"), "counts", "closed", cases["closed"]),
        (_("相談受付 延べ件数"), "counts", "total", consultations["total"]),
    ):
        points = [
            Line(
                f"{m.month}月",
                v,
                figures.figure_url(r, agency, p, table, row),
            )
            for m, r, p, v in zip(months, reports, periods, values, strict=True)
        ]
        svg = charts.columns(
            [(p.label, p.count) for p in points],
            label=title,
            links=[p.url for p in points],
        )
        out.append(Trend(title, svg, points))
    return out


def dashboard(agency, today: dt.date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    with st.reporting_snapshot():
        # The open cases are read once (the dated-history query) and grouped here.
        rows = list(
            open_cases(agency, today)
            .order_by()
            .values_list("pk", "status", "opened_on", "lead_staff_id", "lead_agency_id")
        )
        open_qs = Case.objects.filter(pk__in=lists.id_array([r[0] for r in rows]))
        key = key_figures(agency, today, open_qs, open_count=len(rows))
        statuses = Counter(r[1] for r in rows)
        by_status = [
            Line(str(label), statuses[value], dashboard_url(agency, "open", f"status:{value}"))
            for value, label in CaseStatus.choices
            if statuses[value]
        ]
        by_age = [
            Line(
                str(label),
                sum(1 for r in rows if _in_band(today, r[2], lo, hi)),
                dashboard_url(agency, "open", f"age:{k}"),
            )
            for k, label, lo, hi in AGE_BANDS
        ]
        by_worker = _grouped_lines(
            Counter(r[3] for r in rows),
            {
                u.pk: u.display_name or u.username
                for u in User.objects.filter(
                    pk__in=lists.id_array(sorted({r[3] for r in rows if r[3]}))
                )
            },
            _("（担当者なし）"),
            lambda pk: dashboard_url(agency, "open", f"worker:{pk or 'none'}"),
        )
        by_agency = _grouped_lines(
            Counter(r[4] for r in rows),
            dict(Agency.objects.filter(pk__in={r[4] for r in rows}).values_list("pk", "name")),
            "",
            lambda pk: dashboard_url(agency, "open", f"agency:{pk}"),
        )
        pairs = list(first_plan_cases(agency, today).values_list("opened_on", "first_plan"))
        days = [(plan - opened).days for opened, plan in pairs]
        board = Dashboard(
            agency=agency,
            today=today,
            open_total=key["open"],
            by_status=by_status,
            by_age=by_age,
            by_worker=by_worker,
            by_agency=by_agency,
            first_plan=Line(
                FIGURE_TITLES["first_plan"], len(pairs), dashboard_url(agency, "first_plan")
            ),
            first_plan_median=pystats.median(days) if days else None,
            first_plan_mean=round(pystats.fmean(days), 1) if days else None,
            overdue=key["overdue"],
            reviews=key["reviews"],
            consents=key["consents"],
            trends=_trends(agency, today),
        )
    return board
