"""Every figure of the monthly statistics, in every column, from a dataset whose
figures were worked out by hand (tests/reports/conftest.py); the PDF (pdftotext) and
the Excel file show exactly the figures statistics.py computed, and no personal data."""

import io
import re
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import statistics
from reports.documents import report_pdf, report_xlsx
from reports.statistics import monthly_statistics
from tests.reports.conftest import (
    EXPECTED,
    EXPECTED_PARTNER,
    EXPECTED_TREND,
    MONTH,
    SECRETS,
)
from tests.system_tools import require

pytestmark = pytest.mark.django_db


def _figures(table):
    return {row.label: row.values for row in table.rows}


def test_periods_are_the_month_the_fiscal_year_and_since_the_opening():
    periods = statistics.month_periods(MONTH)
    assert [(p.key, p.start.isoformat(), p.end.isoformat()) for p in periods] == [
        ("month", "2024-05-01", "2024-05-31"),
        ("fiscal_year", "2024-04-01", "2024-05-31"),
        ("since_opened", "2023-06-01", "2024-05-31"),
    ]
    # A January report: the fiscal year began in the previous April.
    january = statistics.month_periods(MONTH.replace(year=2025, month=1))
    assert january[1].start.isoformat() == "2024-04-01"
    # The month the desk opened: the fiscal year starts at the opening.
    june = statistics.month_periods(MONTH.replace(year=2023, month=6))
    assert june[1].start.isoformat() == "2023-06-01"


def test_every_figure_in_every_column(dataset):
    # SELECTs: 1 cases (a WITH statement), 2 consultations (totals; persons), 1
    # categories (pairs per row), 1 came_from, 1 referrals, 2 support (by kind and
    # project; 繋ぎ typed twice), 2 referral steps and plans, 3 meetings (held; items
    # per kind; items in all), 1 households (a WITH statement), 1 trend,
    # 4 × 3 outreach (its selector, per column), 4 × 3 participation (totals, by kind,
    # follow-ups, host development) and 5 × 3 community (resources, activities, issues
    # by source, cases behind, resolved): a fixed number however many records there
    # are. (Transaction statements such as SET LOCAL jit = off on PostgreSQL are not
    # counted.)
    with CaptureQueriesContext(connection) as queries:
        stats = monthly_statistics(MONTH)
    selects = [
        q
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    assert len(selects) == 54, [q["sql"][:80] for q in selects]
    for key, expected in EXPECTED.items():
        figures = _figures(stats.tables[key])
        if key == "referrals":
            # Every agency kind is a row; those not listed in EXPECTED are all zero.
            for label, values in figures.items():
                assert values == expected.get(label, [0] * 6), (key, label)
            assert len(figures) == 17
        else:
            assert figures == expected, key
    # The desk's table order for 相談内容, zero rows included.
    assert [r.label for r in stats.tables["categories"].rows][:-1] == statistics.STATISTICS_GROUPS
    assert [n for _m, n in stats.trend] == EXPECTED_TREND
    assert stats.trend[0][0].isoformat() == "2023-06-01"
    assert stats.trend[-1][0].isoformat() == "2024-05-01"


def test_agency_scope_counts_only_that_agencys_work(dataset, partner_agency):
    stats = monthly_statistics(MONTH, partner_agency)
    assert "outreach" not in stats.tables  # counted for the whole desk only
    for key, expected in EXPECTED_PARTNER.items():
        figures = _figures(stats.tables[key])
        for label, values in figures.items():
            width = len(values)
            assert values == expected.get(label, [0] * width), (key, label)


def _pdftotext(pdf: bytes) -> str:
    require("pdftotext")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _row_pattern(label: str, values) -> re.Pattern:
    numbers = r"\s+".join(f"{v:,}" for v in values)
    return re.compile(rf"(?:^|\s){re.escape(label)}\s+{numbers}(?:\s|$)", re.MULTILINE)


def test_pdf_and_excel_show_the_same_figures_and_no_personal_data(dataset):
    from openpyxl import load_workbook

    stats = monthly_statistics(MONTH)
    pdf = report_pdf(stats)
    text = _pdftotext(pdf)
    _assert_subset_japanese_fonts(pdf)
    assert len(pdf) < 1_000_000

    assert "令和6年5月分 月次統計" in text
    assert "令和6年度" in text
    for heading in [
        "件数",
        "相談内容（重複有）",
        "繋ぎ先",
        "支援内容（延べ）",
        "相談経路",
        "会議",
        "世帯人員",
        "事業別（支援内容 延べ）",
        "アウトリーチ",
        "新規相談件数の推移",
    ]:
        assert heading in text, heading
    # The definitions are printed as notes (lines wrap anywhere in Japanese).
    flat = re.sub(r"\s+", "", text)
    assert "注1集計期間" in flat
    assert "同じ行に属する内容を複数選んでも1" in flat
    # Page numbers: "1 / 3".
    pages = int(re.search(r"^\s*1\s*/\s*(\d+)\s*$", text, re.MULTILINE).group(1))
    assert pages >= 3 and re.search(rf"^\s*{pages}\s*/\s*{pages}\s*$", text, re.MULTILINE)
    for table in stats.tables.values():
        for row in table.rows:
            assert _row_pattern(row.label, row.values).search(text), (table.key, row.label)

    workbook = load_workbook(io.BytesIO(report_xlsx(stats)))
    for table in stats.tables.values():
        sheet = workbook[table.title]
        rows = {r[0]: list(r[1:]) for r in sheet.iter_rows(values_only=True) if r and r[0]}
        for row in table.rows:
            cells = rows[row.label][: len(row.values)]
            assert cells == row.values, (table.key, row.label)
            assert all(type(c) is int for c in cells)
    trend = workbook["新規相談件数の推移"]
    assert [r[1] for r in trend.iter_rows(min_row=3, values_only=True)] == EXPECTED_TREND
    assert {"定義"} <= set(workbook.sheetnames)

    everything = text + "".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    for secret in SECRETS:
        assert secret not in everything, secret


def test_harfbuzz_subsetting_is_available():
    import ctypes.util

    assert ctypes.util.find_library("harfbuzz-subset") is not None, (
        "libharfbuzz-subset0 is needed: without it subsetting a CJK font is ~6× slower"
    )


def _assert_subset_japanese_fonts(pdf: bytes) -> None:
    require("pdffonts")
    listing = (
        subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
        .stdout.decode()
        .splitlines()[2:]
    )
    assert listing, "no font in the PDF"
    for line in listing:
        columns = line.split()
        name, emb, sub = columns[0], columns[-5], columns[-4]
        assert "CJK-JP" in name or "IPAex" in name, line
        assert (emb, sub) == ("yes", "yes"), line
        assert re.match(r"^[A-Z]{6}\+", name), line  # the subset tag
