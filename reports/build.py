"""One build of a statistics report (any period): claim the row, re-check the requester, count, write
the PDF and the Excel file under their fixed names, mark the row done.

Called by reports.tasks.reports_build_monthly_task with the Celery message's id as
the claim token (see reports.services for how the row guards against duplicates).
"""

import os
import time

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import selectors, services
from reports.documents import report_pdf, report_xlsx
from reports.statistics import monthly_statistics

SKIPPED = "skipped"
REFUSED = "refused"
DONE = "done"
LOST = "lost"


def _test_delay() -> float:
    """Seconds to wait after each step. Only the worker tests set it (through the
    environment of the worker they start), to kill a worker in the middle of a build."""
    value = os.environ.get("REPORTS_TEST_DELAY_SECONDS") or getattr(
        settings, "REPORTS_TEST_DELAY_SECONDS", 0
    )
    return float(value or 0)


def _step(report, token: str, progress: int) -> None:
    services.report_progress(report=report, token=token, progress=progress)
    delay = _test_delay()
    if delay:
        time.sleep(delay)


def build_monthly_report(report_id: int, *, token: str, worker: str) -> str:
    report = services.report_claim(report_id=report_id, token=token, worker=worker)
    if report is None:
        return SKIPPED
    if not selectors.may_request(report.requested_by, report.scope_agency):
        services.report_fail(
            report_id=report.pk,
            token=token,
            error=_("依頼者にこの統計を作成する権限がなくなったため、作成しませんでした。"),
        )
        return REFUSED
    try:
        _step(report, token, 5)
        stats = monthly_statistics(report.period, report.scope_agency)
        _step(report, token, 30)
        generated_at = timezone.now()
        pdf_name = services.report_file_name(report, "pdf")
        services.write_report_file(pdf_name, report_pdf(stats, generated_at=generated_at), token)
        _step(report, token, 75)
        xlsx_name = services.report_file_name(report, "xlsx")
        services.write_report_file(xlsx_name, report_xlsx(stats, generated_at=generated_at), token)
        _step(report, token, 95)
    except services.ClaimLost:
        return LOST
    if not services.report_finish(
        report=report, token=token, pdf_name=pdf_name, xlsx_name=xlsx_name
    ):
        return LOST
    return DONE
