"""Factories for monthly statistics requests, made through reports.services like the
product does (history rows and action log included)."""

import datetime as dt

from factory.django import DjangoModelFactory

from reports import services
from reports.models import MonthlyReport

PDF_BYTES = b"%PDF-1.7\n% a stand-in for a real report\n"
XLSX_BYTES = b"PK\x03\x04 a stand-in for a real workbook"


class MonthlyReportFactory(DjangoModelFactory):
    """A queued request (pass requested_by; month defaults to May 2024, scope_agency to
    the whole desk). In a test wrapped in a transaction the build message is never
    sent (on_commit does not fire), so the row stays queued until finish_report()."""

    class Meta:
        model = MonthlyReport

    month = dt.date(2024, 5, 1)
    scope_agency = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.report_request(
            actor=kwargs["requested_by"], month=kwargs["month"], agency=kwargs["scope_agency"]
        )


def finish_report(report: MonthlyReport, *, token: str = "factory") -> MonthlyReport:
    """Take a queued request through claim and finish with small stand-in files."""
    claimed = services.report_claim(report_id=report.pk, token=token, worker="factory")
    assert claimed is not None
    pdf_name = services.report_file_name(claimed, "pdf")
    xlsx_name = services.report_file_name(claimed, "xlsx")
    services.write_report_file(pdf_name, PDF_BYTES, token)
    services.write_report_file(xlsx_name, XLSX_BYTES, token)
    services.report_finish(report=claimed, token=token, pdf_name=pdf_name, xlsx_name=xlsx_name)
    report.refresh_from_db()
    return report
