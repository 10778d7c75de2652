"""The calendar in a real browser: a worker's week and month with today marked and an
entry of each kind linked to its page, and issuing the iCal feed address."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories_meetings import MeetingFactory
from tests.factories_outreach import ContactAttemptFactory, OutreachTargetFactory

PASSWORD = "correct-horse-battery"
TOKYO = ZoneInfo("Asia/Tokyo")


def test_a_worker_reads_the_calendar_and_subscribes(
    transactional_db, page, live_url, login, desk, desk_agency
):
    today = timezone.localdate()  # the page's today (Asia/Tokyo)
    target = OutreachTargetFactory(actor=desk, assigned_agency=desk_agency, description="川辺の家")
    ContactAttemptFactory(actor=desk, target=target, contacted_on=today, next_on=today)
    meeting = MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        title="佐藤家の検討",
        starts_at=dt.datetime.combine(today, dt.time(14, 0), tzinfo=TOKYO),
    )
    login(page, live_url, "desk", PASSWORD)
    page.get_by_role("link", name="多機関協働").click()
    page.get_by_role("link", name="カレンダー").click()
    today_cell = page.locator("td.today")
    expect(today_cell).to_have_count(1)
    expect(today_cell.get_by_role("link", name=f"訪問 訪問対象#{target.pk}")).to_be_visible()
    expect(today_cell.get_by_role("link", name=f"会議#{meeting.pk}")).to_be_visible()
    expect(page.get_by_text("佐藤家の検討")).to_have_count(0)
    page.screenshot(path="test-results/calendar-week.png", full_page=True)
    page.get_by_role("link", name="月", exact=True).click()
    expect(page.get_by_role("heading", name=f"{today.month}月")).to_be_visible()
    page.screenshot(path="test-results/calendar-month.png", full_page=True)
    page.get_by_role("link", name="次の月").click()
    expect(page.locator("td.today")).to_have_count(0)

    page.get_by_role("link", name="予定をカレンダーアプリで購読（iCal）").click()
    page.get_by_role("button", name="アドレスを発行する").click()
    url = page.locator("code.feed-url").inner_text()
    page.screenshot(path="test-results/calendar-feed.png", full_page=True)
    body = Client().get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])).content.decode()
    assert f"SUMMARY:訪問 訪問対象#{target.pk}" in body
    assert "佐藤家" not in body and "川辺" not in body
