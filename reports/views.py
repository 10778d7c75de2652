"""月次統計 (and quarterly, 年度 and any-range statistics): request a report, watch it being made, download it.

Only managers and coordinators (their statistics scopes) reach these pages; a report
that is not theirs, or a user without the role, gets 404. Downloads re-check the
owner and the role on every request.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_access
from reports import selectors, services
from reports.choices import PeriodKind
from reports.forms import ReportRequestForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scopes(request) -> selectors.Scopes:
    scopes = selectors.statistics_scopes(request.user)
    if not scopes.any:
        raise Http404
    return scopes


def _report(request, pk):
    return selectors.get_report_for_user(request.user, pk, _scopes(request))


def _render_list(request, scopes, form):
    reports = selectors.report_list(request.user, scopes)
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    return render(request, "reports/report_list.html", {"form": form, "page": page})


def report_list(request):
    scopes = _scopes(request)
    return _render_list(request, scopes, ReportRequestForm(scopes=scopes))


@require_POST
def report_request(request):
    scopes = _scopes(request)
    form = ReportRequestForm(request.POST, scopes=scopes)
    if form.is_valid():
        try:
            report = services.report_request(
                actor=request.user,
                period=form.cleaned_data["period"],
                agency=form.cleaned_data["scope"],
            )
        except services.ReportRefused as exc:
            form.add_error(None, exc)
        else:
            if report.period_kind == PeriodKind.MONTH:
                messages.success(request, _("月次統計の作成を受け付けました。"))
            else:
                messages.success(request, _("統計の作成を受け付けました。"))
            return redirect("reports:report_detail", pk=report.pk)
    return _render_list(request, scopes, form)


def report_detail(request, pk):
    report = _report(request, pk)
    return render(request, "reports/report_detail.html", {"report": report})


def report_status(request, pk):
    """The fragment the pages poll (htmx, every 2 s) until the report is done or failed."""
    report = _report(request, pk)
    return render(request, "reports/_status.html", {"report": report})


def _download(request, pk, field: str, content_type: str):
    report = _report(request, pk)
    file = getattr(report, field)
    if not report.can_download or not file.storage.exists(file.name):
        raise Http404
    # Aggregate figures, no personal record: logged as a read, not a personal-data export.
    log_access(user=request.user, obj=report, request=request, detail=f"report_{field}")
    # Named for what it holds: the period and the scope (全機関, or the agency's name).
    name = _("月次統計") if report.period_kind == PeriodKind.MONTH else _("統計")
    filename = _("%(name)s_%(period)s_%(scope)s.%(ext)s") % {
        "name": name,
        "period": report.period_label,
        "scope": report.scope_label,
        "ext": field,
    }
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )


@reauth.recent_auth_required
def download_pdf(request, pk):
    return _download(request, pk, "pdf", "application/pdf")


@reauth.recent_auth_required
def download_xlsx(request, pk):
    return _download(request, pk, "xlsx", XLSX_TYPE)
