"""Reads for the statistics reports: who may request which scope, which reports a user
sees. Managers and coordinators (accounts.choices.STATISTICS_ROLES) request reports:
for 全機関 (every agency in the system: agency None) when they hold that role at the
desk agency, for an agency where they hold it. A user sees the reports they requested,
and the 全機関 reports the system made on the 1st (beat) when they may request 全機関.
Everything else answers 404.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.choices import STATISTICS_ROLES
from accounts.models import Agency, Membership
from accounts.system import SYSTEM_USERNAME
from reports.models import MonthlyReport
from reports.periods import ReportPeriod, add_months, desk_opened_on, quarter_of


@dataclass(frozen=True)
class Scopes:
    """What a user may request: 全機関 (desk_wide), and these agencies."""

    desk_wide: bool
    agencies: list[Agency]

    @property
    def any(self) -> bool:
        return self.desk_wide or bool(self.agencies)

    @property
    def agency_ids(self) -> list[int]:
        return [a.pk for a in self.agencies]


def statistics_scopes(user) -> Scopes:
    """One query: the user's active memberships with a statistics role."""
    if not (user and user.is_authenticated and user.is_active):
        return Scopes(False, [])
    memberships = (
        Membership.objects.filter(
            user=user, is_active=True, agency__is_active=True, role__in=STATISTICS_ROLES
        )
        .select_related("agency")
        .order_by("-agency__is_desk", "agency__name")
    )
    agencies = [m.agency for m in memberships]
    return Scopes(any(a.is_desk for a in agencies), agencies)


def is_system_user(user) -> bool:
    return user is not None and user.username == SYSTEM_USERNAME


def may_request(user, agency: Agency | None, scopes: Scopes | None = None) -> bool:
    """The scope check, used when requesting and again before building."""
    if is_system_user(user):
        return agency is None  # beat makes the 全機関 report only
    scopes = scopes or statistics_scopes(user)
    if agency is None:
        return scopes.desk_wide
    return agency.pk in scopes.agency_ids


def reports_visible_to(user, scopes: Scopes | None = None) -> QuerySet[MonthlyReport]:
    scopes = scopes or statistics_scopes(user)
    if not scopes.any:
        return MonthlyReport.objects.none()
    visible = Q(requested_by=user, scope_agency_id__in=scopes.agency_ids)
    if scopes.desk_wide:
        visible |= Q(scope_agency__isnull=True) & (
            Q(requested_by=user) | Q(requested_by__username=SYSTEM_USERNAME)
        )
    return MonthlyReport.objects.filter(visible)


def report_list(user, scopes: Scopes | None = None) -> QuerySet[MonthlyReport]:
    return (
        reports_visible_to(user, scopes)
        .select_related("scope_agency", "requested_by")
        .order_by("-created_at", "-pk")
    )


def get_report_for_user(user, pk, scopes: Scopes | None = None) -> MonthlyReport:
    """A report the user may see, or 404 (whether it exists or not)."""
    report = reports_visible_to(user, scopes).select_related("scope_agency").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def requestable_months(today: dt.date | None = None, count: int = 60) -> list[dt.date]:
    """First days of the months one may request, newest first: this month (figures so
    far) back to the desk's opening, at most `count`."""
    today = today or timezone.localdate()
    opened = desk_opened_on().replace(day=1)
    months = []
    month = today.replace(day=1)
    while month >= opened and len(months) < count:
        months.append(month)
        month = add_months(month, -1)
    return months


def requestable_quarters(today: dt.date | None = None, count: int = 20) -> list[ReportPeriod]:
    """Fiscal quarters one may request, newest first: this one (figures so far) back to
    the one the desk opened in, at most `count`."""
    today = today or timezone.localdate()
    opened = desk_opened_on()
    fiscal_year, quarter = quarter_of(today)
    quarters = []
    while len(quarters) < count:
        period = ReportPeriod.for_quarter(fiscal_year, quarter)
        if period.end < opened:
            break
        quarters.append(period)
        fiscal_year, quarter = (fiscal_year, quarter - 1) if quarter > 1 else (fiscal_year - 1, 4)
    return quarters


def requestable_fiscal_years(today: dt.date | None = None) -> list[ReportPeriod]:
    """年度 one may request, newest first: this one (so far) back to the desk's first."""
    today = today or timezone.localdate()
    first = ReportPeriod.for_month(desk_opened_on()).fiscal_year
    last = ReportPeriod.for_month(today).fiscal_year
    return [ReportPeriod.for_fiscal_year(year) for year in range(last, first - 1, -1)]
