"""A manager requests last month's statistics in a real browser, watches the page
poll (htmx) until the report is made, and downloads the PDF."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from common.wareki import format_month
from reports import services, tasks
from reports.models import MonthlyReport
from tests.reports.conftest import dataset, media_root  # noqa: F401  (fixtures)

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


@pytest.fixture
def held_messages(monkeypatch, settings, tmp_path):
    """Build messages are held here instead of being sent, so the test plays the worker
    (eager Celery, in this thread) while the browser polls the live server."""
    settings.MEDIA_ROOT = tmp_path / "media"
    held = []
    monkeypatch.setattr(services, "_enqueue_on_commit", held.append)
    return held


def test_manager_requests_last_months_report_and_downloads_the_pdf(
    transactional_db, page, live_url, login, manager, held_messages
):
    login(page, live_url, "manager", PASSWORD)
    page.get_by_role("link", name="統計").click()
    expect(page.get_by_role("heading", name="月次統計", exact=True)).to_be_visible()

    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    label = f"{format_month(last_month.year, last_month.month)}分"
    month = page.get_by_label("対象月")
    expect(month.locator("option:checked")).to_have_text(label)  # last month is preselected
    page.get_by_label("集計の範囲").select_option(
        label="全機関（システムに登録されているすべての機関）"
    )
    page.get_by_role("button", name="作成を依頼する").click()

    expect(page.get_by_text("月次統計の作成を受け付けました。")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{label} 月次統計")).to_be_visible()
    status = page.locator(".report-status")
    expect(status).to_contain_text("待機中")
    report = MonthlyReport.objects.get()
    assert held_messages == [report.pk]
    assert (report.month, report.requested_by) == (last_month, manager)

    # The worker builds it; the page polls every 2 s and shows the downloads.
    assert tasks.reports_build_monthly_task.apply(args=[report.pk]).get() == "done"
    expect(status).to_contain_text("完了", timeout=15_000)
    link = page.get_by_role("link", name="PDFをダウンロード")
    expect(link).to_be_visible()

    response = page.request.get(live_url + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"月次統計_{label}_全機関.pdf"

    # The list shows it too, finished.
    page.get_by_role("link", name="月次統計の一覧へ").click()
    expect(page.locator("tbody tr", has_text=label)).to_contain_text("完了")


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_manager_opens_a_figure_and_the_dashboard(
    transactional_db,
    page,
    live_url,
    login,
    manager,
    dataset,  # noqa: F811
):
    """The statistics on screen: 相談件数 of 令和6年5月 is a link; its list has as many
    rows as the figure says (the desk sees all of them); the dashboard draws its trends
    as inline SVG and its figures open lists too."""
    SCREENSHOTS.mkdir(exist_ok=True)
    login(page, live_url, "manager", PASSWORD)
    # The home page shows the dashboard's key figures to a manager.
    expect(page.get_by_role("link", name="ダッシュボードを開く")).to_be_visible()

    page.goto(f"{live_url}/reports/statistics/?kind=month&month=2024-05&scope=desk")
    expect(page.get_by_role("heading", name="令和6年5月分 月次統計")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "statistics.png"), full_page=True)
    counts = page.locator("#table-counts")
    cell = counts.locator("tr", has_text="相談件数").locator("a.figure").first
    expect(cell).to_have_text("3")
    cell.click()
    expect(page.get_by_role("heading", name="件数 / 相談件数 / 当月")).to_be_visible()
    expect(page.get_by_text("この数: 3件")).to_be_visible()
    # c_8 is the partner's: counted, not shown.
    expect(page.get_by_text("この数のうち1件は閲覧権限がないため表示していません")).to_be_visible()
    expect(page.locator("table.figure-items tbody tr")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "figure_list.png"), full_page=True)

    page.get_by_role("link", name="統計の表へ戻る").click()
    expect(page.locator("#table-counts")).to_be_visible()

    page.goto(f"{live_url}/reports/dashboard/")
    expect(page.get_by_role("heading", name="ダッシュボード", exact=True)).to_be_visible()
    expect(page.locator("figure.trend svg")).to_have_count(3)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    page.locator("a.dashboard-figure").first.click()
    expect(page.get_by_role("heading", name="支援中のケース")).to_be_visible()
