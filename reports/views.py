"""月次統計 (and quarterly, 年度 and any-range statistics): request a report, watch it being made, download it.

Only managers and coordinators (their statistics scopes) reach these pages; a report
that is not theirs, or a user without the role, gets 404. Downloads re-check the
owner and the role on every request.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_access, log_reads
from accounts.models import AccessLog
from common.wareki import format_date
from households.access import prime_contact
from reports import dashboard, figures, lists, selectors, services, statistics
from reports.choices import PeriodKind
from reports.forms import DESK_SCOPE, ReportRequestForm

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
    query = {
        **figures.period_query(report.period),
        "scope": figures.scope_value(report.scope_agency),
    }
    screen_url = f"{reverse('reports:statistics')}?{urlencode(query)}"
    return render(
        request, "reports/report_detail.html", {"report": report, "screen_url": screen_url}
    )


def report_status(request, pk):
    """The fragment the pages poll (htmx, every 2 s) until the report is done or failed."""
    report = _report(request, pk)
    return render(request, "reports/_status.html", {"report": report})


def _download(request, pk, field: str, content_type: str):
    report = _report(request, pk)
    file = getattr(report, field)
    if not report.can_download or not file.storage.exists(file.name):
        raise Http404
    # A file leaves the system: logged as 出力 (EXPORT), as every other download is.
    log_access(
        user=request.user,
        obj=report,
        request=request,
        outcome=AccessLog.Outcome.EXPORT,
        detail=f"report_{field}",
    )
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


# ---------------------------------------------------------------- on screen

PER_PAGE = 50

# Per kind of item: the list's order and what its rows show (in one query).
LIST_SHAPES = {
    "case": (("-opened_on", "-pk"), ("household", "lead_agency", "lead_staff")),
    "consultation": (("-received_at", "-pk"), ("agency", "household")),
    "category_pair": (
        ("-consultation__received_at", "-pk"),
        ("consultation", "consultation__agency", "category"),
    ),
    "person": (("family_name_kana", "given_name_kana", "pk"), ()),
    "record": (("-occurred_at", "-pk"), ("case", "agency")),
    "referral": (("-sent_at", "-pk"), ("case", "from_agency", "to_agency")),
    "event": (
        ("-at", "-pk"),
        ("referral", "referral__case", "referral__from_agency", "referral__to_agency"),
    ),
    "plan": (("-activated_on", "-pk"), ("case",)),
    "meeting": (("-starts_at", "-pk"), ("organising_agency",)),
    "agenda_item": (("-meeting__starts_at", "-pk"), ("meeting", "case")),
    "household": (("name", "pk"), ()),
    "consent": (("expires_on", "pk"), ("person",)),
    "placement": (("-coordinating_on", "-pk"), ("person", "opportunity", "agency")),
    "follow_up": (("-followed_on", "-pk"), ("placement__opportunity", "agency", "staff")),
    "host_log": (("-contacted_on", "-pk"), ("staff",)),
    "resource": (("kind", "name", "pk"), ("district",)),
    "activity": (("-held_on", "-pk"), ("resource",)),
    "issue": (("-raised_on", "-pk"), ("district",)),
    "target": (("-found_on", "-pk"), ("district", "assigned_agency", "person", "household")),
    "contact": (("-contacted_on", "-pk"), ("target__person", "target__household", "agency")),
    "visit": (("-visited_on", "-pk"), ("campaign", "agency")),
}
# What a row of each kind is read as in the access log (the record about a person).
LOGGED_AS = {
    "category_pair": lambda row: row.consultation,
    "contact": lambda row: row.target,
    "follow_up": lambda row: row.placement,
}


def _bad_request(request, message, form=None):
    return render(
        request, "reports/figure_error.html", {"message": message, "form": form}, status=400
    )


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _render_items(request, *, title, subtitle, items, back_url, back_label):
    """The list of what a figure counts: the figure, the items the viewer may see
    (a page of them), and how many are counted but not shown to them. The counts and
    the page come from one snapshot, so they agree."""
    order, related = LIST_SHAPES[items.kind]
    with statistics.reporting_snapshot():
        page = lists.counted_page(
            items,
            request.user,
            order=order,
            related=related,
            number=_page_number(request),
            per_page=PER_PAGE,
        )
    rows = page.rows
    if items.kind == "household":
        prime_contact(request.user, households=rows)
    as_logged = LOGGED_AS.get(items.kind)
    shown_objects = [as_logged(r) for r in rows] if as_logged else rows
    log_reads(user=request.user, objects=shown_objects, request=request, detail="statistics_figure")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/figure_list.html",
        {
            "title": title,
            "subtitle": subtitle,
            "kind": items.kind,
            "total": page.total,
            "shown": page.shown,
            "hidden": page.hidden,
            "page": page,
            "people": page.unit == "people",
            "sums": items.sums,
            "rows": rows,
            "query": query.urlencode(),
            "back_url": back_url,
            "back_label": back_label,
        },
    )


def _statistics_form(request, scopes):
    return ReportRequestForm(request.GET, scopes=scopes)


def statistics_view(request):
    """Every table of the statistics for a period and a scope, on screen; each figure
    opens the list of what it counts."""
    scopes = _scopes(request)
    if not request.GET:
        form = ReportRequestForm(scopes=scopes)
        return render(request, "reports/statistics.html", {"form": form, "stats": None})
    form = _statistics_form(request, scopes)
    if not form.is_valid() or form.cleaned_data.get("period") is None:
        return render(request, "reports/statistics.html", {"form": form, "stats": None}, status=400)
    stats = statistics.period_statistics(form.cleaned_data["period"], form.cleaned_data["scope"])
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "stats": stats,
            "tables": figures.html_tables(stats),
        },
    )


def figure(request):
    """The list of what one figure of the statistics counts."""
    scopes = _scopes(request)
    form = _statistics_form(request, scopes)
    if not form.is_valid() or form.cleaned_data.get("period") is None:
        return _bad_request(request, _("期間または集計の範囲の指定が正しくありません。"), form)
    period, agency = form.cleaned_data["period"], form.cleaned_data["scope"]
    column = next((p for p in period.columns() if p.key == request.GET.get("col")), None)
    if column is None:
        return _bad_request(request, _("列の指定が正しくありません。"))
    table, row = request.GET.get("table", ""), request.GET.get("row", "")
    measure = request.GET.get("measure", "")
    try:
        items = figures.figure_items(table, row, measure, column, agency)
        title = figures.figure_title(table, row, measure, column)
    except (figures.UnknownFigure, KeyError, ValueError):
        return _bad_request(request, _("指定された件数は統計の表にありません。"))
    query = {**figures.period_query(period), "scope": figures.scope_value(agency)}
    return _render_items(
        request,
        title=title,
        subtitle=_("%(period)s（%(start)s〜%(end)s）・%(scope)s")
        % {
            "period": period.title,
            "start": format_date(column.start),
            "end": format_date(column.end),
            "scope": statistics.scope_label(agency),
        },
        items=items,
        back_url=f"{reverse('reports:statistics')}?{urlencode(query)}#table-{table}",
        back_label=_("統計の表へ戻る"),
    )


def _dashboard_scope(request, scopes):
    """The scope asked for (scope=desk or an agency id among the user's), the widest
    by default; (ok, agency)."""
    value = request.GET.get("scope")
    if not value:
        return True, (None if scopes.desk_wide else scopes.agencies[0])
    if value == DESK_SCOPE and scopes.desk_wide:
        return True, None
    agency = next((a for a in scopes.agencies if str(a.pk) == value), None)
    return agency is not None, agency


def dashboard_view(request):
    scopes = _scopes(request)
    ok, agency = _dashboard_scope(request, scopes)
    if not ok:
        return _bad_request(request, _("選べる集計の範囲から選んでください。"))
    choices = ([(DESK_SCOPE, _("全機関"))] if scopes.desk_wide else []) + [
        (str(a.pk), a.name) for a in scopes.agencies
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": dashboard.dashboard(agency),
            "scope_choices": choices,
            "scope": figures.scope_value(agency),
        },
    )


def dashboard_figure(request):
    scopes = _scopes(request)
    ok, agency = _dashboard_scope(request, scopes)
    if not ok:
        return _bad_request(request, _("選べる集計の範囲から選んでください。"))
    name, key = request.GET.get("figure", ""), request.GET.get("key", "")
    today = timezone.localdate()
    try:
        items = dashboard.dashboard_items(name, key, agency, today)
    except dashboard.UnknownDashboardFigure:
        return _bad_request(request, _("指定された件数はダッシュボードにありません。"))
    return _render_items(
        request,
        title=str(dashboard.FIGURE_TITLES[name]),
        subtitle=_("%(day)s現在・%(scope)s")
        % {"day": format_date(today), "scope": statistics.scope_label(agency)},
        items=items,
        back_url=f"{reverse('reports:dashboard')}?{urlencode({'scope': figures.scope_value(agency)})}",
        back_label=_("ダッシュボードへ戻る"),
    )
