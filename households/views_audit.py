"""閲覧記録: managers review who read which person's record, and export it as CSV.

Placed in households because the review joins AccessLog (accounts) to Person
(households): see households/selectors_audit.py for who sees which rows. Anyone without
a manager role answers 404.
"""

import csv
from urllib.parse import quote, urlencode

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_access
from accounts.models import AccessLog
from accounts.reauth import recent_auth_required
from common.ratelimit import ratelimit
from households import selectors_audit as selectors
from households.audit_labels import describe
from households.forms_audit import AccessLogFilterForm

FILTER_FIELDS = ("user", "person", "date_from", "date_to", "outcome")
CSV_CHUNK = 2000
# A cell Excel would read as a formula (CSV injection) is prefixed with an apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _scope(request) -> selectors.AuditScope:
    scope = selectors.access_log_scope(request.user)
    if not scope.any:
        raise Http404
    return scope


def _filter_form(request, scope) -> AccessLogFilterForm:
    data = {k: v for k, v in request.GET.items() if k in FILTER_FIELDS}
    return AccessLogFilterForm(data or None, users=selectors.audit_users(scope))


def _filtered(form, scope):
    """The matching rows; none while the filter has errors (shown beside the fields)."""
    if form.is_bound and not form.is_valid():
        return None
    kwargs = form.search_kwargs() if form.is_bound else {}
    return selectors.access_log_search(scope, **kwargs)


def _filter_query(request) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k in FILTER_FIELDS and v])


def _filter_detail(request) -> str:
    """The filters, readable, for the export's own log row."""
    return "csv " + " ".join(f"{k}={v}" for k, v in request.GET.items() if k in FILTER_FIELDS and v)


@ratelimit(scope="search")
def access_log(request):
    scope = _scope(request)
    form = _filter_form(request, scope)
    logs = _filtered(form, scope)
    page = selectors.log_page(logs, request.GET.get("cursor", "")) if logs is not None else None
    if page is not None:
        for row in page.rows:
            row.object_label = selectors.object_type_label(row.object_type)
        describe(page.rows, request.user)
    return render(
        request,
        "accounts/audit/access_log.html",
        {
            "form": form,
            "page": page,
            "filter_query": _filter_query(request),
            "scope": scope,
        },
    )


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value):
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value).strip()
    return "'" + text if text.startswith(FORMULA_START) else text


def _chunks(logs):
    chunk = []
    for row in logs.iterator(chunk_size=CSV_CHUNK):
        chunk.append(row)
        if len(chunk) == CSV_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _described(logs, viewer):
    """The rows, each with its description for this viewer (a few queries per chunk)."""
    for chunk in _chunks(logs):
        describe(chunk, viewer)
        yield from chunk


def _csv_lines(logs, viewer):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel then reads the file as UTF-8
    yield writer.writerow(
        [
            _("日時"),
            _("利用者ID"),
            _("利用者名"),
            _("結果"),
            _("対象の種類"),
            _("対象ID"),
            _("対象者ID"),
            _("対象者氏名"),
            _("対象者ふりがな"),
            _("画面"),
            _("詳細"),
            _("内容"),
        ]
    )
    outcomes = dict(AccessLog.Outcome.choices)
    for row in _described(logs, viewer):
        yield writer.writerow(
            [
                _cell(timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S")),
                _cell(row.user.username if row.user else ""),
                _cell(row.user if row.user else _("（不明）")),
                _cell(outcomes.get(row.outcome, row.outcome)),
                _cell(selectors.object_type_label(row.object_type)),
                _cell(row.object_id),
                _cell(row.person_id),
                _cell(row.person_name),
                _cell(row.person_kana),
                _cell(row.path),
                _cell(row.detail),
                _cell(row.description),
            ]
        )


@ratelimit(scope="search")
def access_log_csv(request):
    """Non-managers get 404 before being asked for anything; managers re-enter their
    password (if not entered in the last minutes) before the export."""
    _scope(request)
    return _access_log_csv(request)


@recent_auth_required
def _access_log_csv(request):
    """The filtered log as CSV (UTF-8 with BOM, Japanese headers), streamed row by row
    so a large log never sits in memory. The export itself is logged (EXPORT)."""
    scope = _scope(request)
    form = _filter_form(request, scope)
    logs = _filtered(form, scope)
    if logs is None:
        return render(
            request,
            "accounts/audit/access_log.html",
            {"form": form, "page": None, "filter_query": "", "scope": scope},
        )
    log_access(
        user=request.user,
        object_type=AccessLog._meta.label_lower,
        object_id="csv",
        outcome=AccessLog.Outcome.EXPORT,
        request=request,
        detail=_filter_detail(request),
    )
    filename = _("閲覧記録_%(date)s.csv") % {"date": timezone.localdate().strftime("%Y%m%d")}
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in _csv_lines(logs, request.user)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store, private"
    return response
