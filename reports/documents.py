"""The report's two documents, from a Statistics: an A4 PDF (WeasyPrint, the
Japanese font embedded and subset) and an .xlsx workbook (openpyxl, one sheet per
table, numbers as numbers). Neither contains personal data: only counts, the labels
of the master lists, and the scope agency's name."""

import datetime as dt
import io

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from common.pdf import render_pdf
from common.wareki import format_date, format_month
from reports import charts
from reports.statistics import TABLE_KEYS, Statistics, Table

# The PDF's order: the desk's own table first (件数 and 支援内容 | 相談内容, then 繋ぎ先),
# then 相談経路 | 世帯人員, 会議, 事業別 | アウトリーチ. Each inner list is one line of
# the layout (one or two tables side by side).
PDF_LAYOUT = [
    [["counts", "support"], ["categories"]],
    [["referrals"]],
    [["came_from", "households"], ["progress"]],
    [["meetings"]],
    [["projects"], ["outreach"]],
    [["participation"], ["community"]],
]


def report_title(stats: Statistics) -> str:
    """令和6年5月分 月次統計, 令和6年度 第1四半期（4月〜6月） 統計, 令和6年度 統計, …"""
    return stats.title


def scope_label(stats: Statistics) -> str:
    """全機関 (every agency in the system), or the agency's name."""
    return stats.scope_label


def _footnotes(stats: Statistics):
    """Number the definitions in order of first use: {key: (number, term, text)}."""
    keys = ["periods", "scope"]
    for line in PDF_LAYOUT:
        for column in line:
            for table_key in column:
                table = stats.tables.get(table_key)
                if table is not None:
                    keys += [k for k in table.notes if k not in keys]
    defined = {key: (term, text) for key, term, text in stats.definitions()}
    return {
        key: (number, *defined[key])
        for number, key in enumerate((k for k in keys if k in defined), start=1)
    }


def _pdf_blocks(stats: Statistics, notes: dict):
    """The layout, each table with the numbers of the notes that define its figures."""
    lines = []
    for line in PDF_LAYOUT:
        cells = []
        for column in line:
            blocks = [
                {
                    "table": stats.tables[key],
                    "notes": [notes[n][0] for n in stats.tables[key].notes],
                }
                for key in column
                if key in stats.tables
            ]
            if blocks:
                cells.append(blocks)
        if cells:
            lines.append(cells)
    return lines


def report_pdf(stats: Statistics, *, generated_at: dt.datetime | None = None) -> bytes:
    generated_at = generated_at or timezone.now()
    notes = _footnotes(stats)
    categories = stats.tables["categories"]
    month_index = 0  # the period's own column (当月, 当期, 年度, 期間)
    category_chart = charts.horizontal_bars(
        [(r.label, r.values[month_index]) for r in categories.rows if not r.is_total],
        label=_("相談内容（重複有）%(period)s") % {"period": stats.periods[0].label},
    )
    trend_chart = charts.columns(
        [(f"{m.month}月", n) for m, n in stats.trend],
        label=_("新規相談件数の推移（12か月）"),
    )
    first, last = stats.trend[0][0], stats.trend[-1][0]
    context = {
        "title": report_title(stats),
        "fiscal_year": stats.fiscal_year_label,
        "scope": scope_label(stats),
        "generated_at": timezone.localtime(generated_at),
        "periods": stats.periods,
        "lines": _pdf_blocks(stats, notes),
        "period_note": notes["periods"],
        "scope_note": notes["scope"],
        "category_chart": mark_safe(category_chart),  # built from escaped text only
        "trend_chart": mark_safe(trend_chart),
        "trend_range": _("%(first)s〜%(last)s")
        % {
            "first": format_month(first.year, first.month),
            "last": format_month(last.year, last.month),
        },
        "notes": sorted(notes.values()),
        "has_outreach": "outreach" in stats.tables,
        "category_heading": _("相談内容（重複有）%(period)s") % {"period": stats.periods[0].label},
        "omits_previous_year": stats.omits_previous_year,
    }
    return render_pdf("reports/pdf/monthly.html", context)


def _sheet_title(table: Table) -> str:
    # Excel refuses []:*?/\ in sheet names and more than 31 characters.
    title = table.title
    for char in "[]:*?/\\":
        title = title.replace(char, "・")
    return title[:31]


def report_xlsx(stats: Statistics, *, generated_at: dt.datetime | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    generated_at = timezone.localtime(generated_at or timezone.now())
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="EEEEEE")
    workbook = Workbook()
    workbook.remove(workbook.active)
    period_line = "　".join(f"{p.label}: {p.range_label}" for p in stats.periods)
    for key in TABLE_KEYS:  # the sheets, in the report's order
        table = stats.tables.get(key)
        if table is None:
            continue
        sheet = workbook.create_sheet(_sheet_title(table))
        heading = report_title(stats)
        if stats.fiscal_year_label:
            heading += f"（{stats.fiscal_year_label}）"
        sheet.append([f"{heading}　{table.title}"])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([_("集計の範囲: %(scope)s") % {"scope": scope_label(stats)}])
        sheet.append([period_line])
        if table.groups:
            row = [""]
            for label, span in table.groups:
                row += [label] + [""] * (span - 1)
            sheet.append(row)
            header_row = sheet.max_row
            column = 2
            for _label, span in table.groups:
                sheet.merge_cells(
                    start_row=header_row,
                    start_column=column,
                    end_row=header_row,
                    end_column=column + span - 1,
                )
                column += span
            for cell in sheet[header_row]:
                cell.font, cell.fill = bold, head_fill
                cell.alignment = Alignment(horizontal="center")
        sheet.append([_("区分"), *table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = bold, head_fill
        for row in table.rows:
            sheet.append([row.label, *[int(v) for v in row.values]])
            if row.is_total:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
            for cell in sheet[sheet.max_row][1:]:
                cell.number_format = "#,##0"
        sheet.column_dimensions["A"].width = 34
        for index in range(2, len(table.columns) + 2):
            sheet.column_dimensions[get_column_letter(index)].width = 12

    trend = workbook.create_sheet(_("新規相談件数の推移"))
    trend.append([_("新規相談件数の推移（12か月）")])
    trend["A1"].font = Font(bold=True, size=12)
    trend.append([_("月"), _("相談件数")])
    for cell in trend[trend.max_row]:
        cell.font, cell.fill = bold, head_fill
    for month, count in stats.trend:
        trend.append([format_month(month.year, month.month), int(count)])
    trend.column_dimensions["A"].width = 16

    notes = workbook.create_sheet(_("定義"))
    notes.append([_("用語"), _("定義")])
    for cell in notes[1]:
        cell.font, cell.fill = bold, head_fill
    for _key, term, text in stats.definitions():
        notes.append([term, text])
    notes.append([])
    notes.append([_("作成日時"), format_date(generated_at) + generated_at.strftime(" %H:%M")])
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 110
    for row in notes.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
