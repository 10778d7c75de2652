"""A manager requests last month's statistics in a real browser, watches the page
poll (htmx) until the report is made, and downloads the PDF."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from common.wareki import format_month
from reports import services, tasks
from reports.models import MonthlyReport

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
