"""台帳の取込・出力: a desk manager downloads templates, uploads a workbook, reads the
preview (every row and its errors; nothing written), commits it (a Celery task, the
page polls its progress), and exports the desk's data. Anyone else gets 404; a batch
or an export that is not the user's own gets 404 too."""

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_reads
from accounts.models import AccessLog
from imports import services, workbook
from imports.forms import CommitForm, UploadForm
from imports.ledgers import BY_CODE, LEDGERS, ORDER
from imports.models import DeskExport, ImportBatch, RowState
from imports.reader import ImportRefused

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 100


def _agency(request):
    agency = services.manager_agency(request.user)
    if agency is None:
        raise Http404
    return agency


def _batch(request, pk) -> ImportBatch:
    agency = _agency(request)
    return get_object_or_404(ImportBatch, pk=pk, agency=agency, uploaded_by=request.user)


def _export(request, pk) -> DeskExport:
    agency = _agency(request)
    return get_object_or_404(DeskExport, pk=pk, agency=agency, requested_by=request.user)


def _render_index(request, form, status=200):
    agency = _agency(request)
    batches = ImportBatch.objects.filter(agency=agency, uploaded_by=request.user)[:20]
    exports = DeskExport.objects.filter(agency=agency, requested_by=request.user)[:10]
    return render(
        request,
        "imports/index.html",
        {"form": form, "batches": batches, "exports": exports, "ledgers": LEDGERS},
        status=status,
    )


def index(request):
    _agency(request)
    return _render_index(request, UploadForm())


@require_POST
def upload(request):
    _agency(request)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            batch = services.batch_preview(actor=request.user, upload=form.cleaned_data["file"])
        except ImportRefused as exc:
            form.add_error("file", exc)
        except services.ImportActionRefused as exc:
            form.add_error(None, exc)
        else:
            return redirect("imports:batch_detail", pk=batch.pk)
    return _render_index(request, form)


def template_download(request, code):
    agency = _agency(request)
    if code == "all":
        codes, name = ORDER, _("台帳テンプレート_すべて.xlsx")
    elif code in BY_CODE:
        codes, name = (
            [code],
            _("台帳テンプレート_%(sheet)s.xlsx") % {"sheet": BY_CODE[code].sheet.replace("・", "")},
        )
    else:
        raise Http404
    data = workbook.template_bytes(codes, agency)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=XLSX_TYPE)


FILTERS = {
    "problems": lambda rows: rows.exclude(
        errors=[],
        candidate_person__isnull=True,
        candidate_key="",
        candidate_household__isnull=True,
    ),
    "errors": lambda rows: rows.exclude(errors=[]),
    "all": lambda rows: rows,
}


def _rows_page(request, batch):
    show = request.GET.get("show", "")
    if show not in FILTERS:
        problems = FILTERS["problems"](batch.rows.all()).exists()
        show = "problems" if problems and batch.is_preview else "all"
    rows = (
        FILTERS[show](batch.rows.all())
        .select_related("candidate_person", "candidate_household")
        .order_by("pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        ledger = BY_CODE[row.ledger]
        row.sheet = ledger.sheet
        row.cells = list(zip(ledger.headers, row.values, strict=False))
    return show, page


def batch_detail(request, pk):
    batch = _batch(request, pk)
    show, page = _rows_page(request, batch)
    sheets = []
    for ledger in LEDGERS:
        rows = batch.rows.filter(ledger=ledger.code)
        total = rows.count()
        if total:
            sheets.append(
                {
                    "sheet": ledger.sheet,
                    "total": total,
                    "errors": rows.exclude(errors=[]).count(),
                    "already": rows.filter(state=RowState.ALREADY).count(),
                }
            )
    # The batch's rows (persons' data), and each registered person a row may be: reads.
    candidates = [
        row.candidate_person for row in page.object_list if row.candidate_person and not row.errors
    ] + [row.candidate_household for row in page.object_list if row.candidate_household]
    log_reads(
        user=request.user, objects=[batch, *candidates], request=request, detail="import_preview"
    )
    return render(
        request,
        "imports/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "show": show,
            "sheets": sheets,
            "commit_form": CommitForm(),
            "progress": services.batch_progress(batch),
        },
    )


@require_POST
def batch_decide(request, pk):
    batch = _batch(request, pk)
    decisions, households = {}, {}
    for name, value in request.POST.items():
        for prefix, into in (("decision-", decisions), ("household-", households)):
            if name.startswith(prefix) and name.removeprefix(prefix).isdecimal():
                into[int(name.removeprefix(prefix))] = value
    try:
        changed = services.batch_decide(
            actor=request.user, batch=batch, decisions=decisions, households=households
        )
    except services.ImportActionRefused as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("同一人物・同じ世帯かどうかの選択を保存しました（%(n)s 件）。") % {"n": changed},
        )
    query = urlencode(
        {k: request.POST[k] for k in ("show", "page") if request.POST.get(k, "").isalnum()}
    )
    url = reverse("imports:batch_detail", args=[batch.pk])
    return redirect(f"{url}?{query}" if query else url)


@require_POST
def batch_commit(request, pk):
    batch = _batch(request, pk)
    form = CommitForm(request.POST)
    form.is_valid()
    try:
        services.batch_commit(
            actor=request.user, batch=batch, only_good=form.cleaned_data.get("only_good", False)
        )
    except services.ImportActionRefused as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("取り込みを開始しました。"))
    return redirect("imports:batch_detail", pk=batch.pk)


def batch_status(request, pk):
    batch = _batch(request, pk)
    return render(
        request,
        "imports/_status.html",
        {"batch": batch, "progress": services.batch_progress(batch)},
    )


@require_POST
@reauth.recent_auth_required
def export_request(request):
    _agency(request)
    try:
        export = services.export_request(actor=request.user)
    except services.ImportActionRefused as exc:
        messages.error(request, exc.messages[0])
        return redirect("imports:index")
    messages.success(request, _("窓口のデータの出力を受け付けました。"))
    return redirect("imports:export_detail", pk=export.pk)


def export_detail(request, pk):
    export = _export(request, pk)
    return render(request, "imports/export_detail.html", {"export": export})


def export_status(request, pk):
    export = _export(request, pk)
    return render(request, "imports/_export_status.html", {"export": export})


@reauth.recent_auth_required
def export_download(request, pk):
    export = _export(request, pk)
    if not export.can_download or not export.file.storage.exists(export.file.name):
        raise Http404
    # The file leaves the system: an 出力 (EXPORT) of the file and of each person in it.
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=request.user,
                object_type="imports.deskexport",
                object_id=str(export.pk),
                outcome=AccessLog.Outcome.EXPORT,
                path=request.path[:300],
                detail="desk_ledgers",
            ),
            *(
                AccessLog(
                    user=request.user,
                    object_type="households.person",
                    object_id=str(pid),
                    person_id=pid,
                    outcome=AccessLog.Outcome.EXPORT,
                    path=request.path[:300],
                    detail="desk_ledgers",
                )
                for pid in export.person_ids
            ),
        ],
        batch_size=1000,
    )
    filename = _("窓口の台帳_%(date)s.xlsx") % {"date": export.created_at.strftime("%Y%m%d")}
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=filename, content_type=XLSX_TYPE
    )
