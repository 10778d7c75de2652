"""Demo: the 管理者 (kanri) has asked for last month's statistics, so the 統計 page has a
report to show and download. With no Redis (the embedded default) it is built right
after seed_demo commits; with a worker running, the worker builds it."""

from django.utils import timezone

from common.demo import register
from reports import services
from reports.models import MonthlyReport
from reports.periods import add_months, desk_opened_on


@register(order=90)
def seed_reports(context: dict) -> None:
    manager = context.get("users", {}).get("kanri")
    if manager is None:
        return
    month = add_months(timezone.localdate().replace(day=1), -1)
    if month < desk_opened_on().replace(day=1):
        return
    if MonthlyReport.objects.filter(requested_by=manager).exists():
        return
    services.report_request(actor=manager, month=month)
