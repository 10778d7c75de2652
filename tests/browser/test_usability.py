"""Issue 19 in a real browser at 1366×768: the header is one line, group captions are
legends that tick nothing, a failed save focuses an error summary whose links lead to
the fields, the skip link is the first tab stop, each role's home has its next step,
logging out says so, and the access log reads as words. Screenshots of these pages are
kept in test-results/ux/ for review."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from accounts.audit import log_access
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_meetings import MeetingFactory, open_case

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
SHOTS = "test-results/ux"


def shot(page, name, *, full_page=False):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full_page)


def test_header_is_one_line_and_the_skip_link_comes_first(page, live_url, login, manager):
    login(page, live_url, "manager", PASSWORD)
    page.goto(f"{live_url}/referrals/")
    assert page.viewport_size == {"width": 1366, "height": 768}
    boxes = [
        page.locator(".topbar .brand").bounding_box(),
        page.locator(".topbar .pillars a").last.bounding_box(),
        page.locator(".topbar").get_by_role("button", name="ログアウト").bounding_box(),
    ]
    header = page.locator(".topbar").bounding_box()
    assert header["height"] < 60, header  # one line of links, not two
    middles = [b["y"] + b["height"] / 2 for b in boxes]
    assert max(middles) - min(middles) < 6, middles
    assert all(b["x"] + b["width"] <= 1366 for b in boxes)
    # 繋ぎ and 繋ぎ先一覧 are in the sub-navigation only, the current page marked.
    expect(page.locator(".topbar").get_by_role("link", name="繋ぎ先一覧")).to_have_count(0)
    expect(page.locator(".subnav a[aria-current='page']")).to_have_text("繋ぎ")
    page.locator(".topbar").screenshot(path=f"{SHOTS}/header.png")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_long_name_and_agency_leave_the_account_links_on_screen(
    page, live_url, login, partner, partner_agency
):
    """At 1280 px a partner whose name and agency are long: the name is cut (the whole
    of it in the tooltip) and アカウント and ログアウト stay within the window."""
    partner_agency.name = "架空市 地域包括支援センター 第01 北部ブランチ（旧 中央地区）"
    partner_agency.save()
    partner.display_name = "架空市 地域包括支援センター 第01 職員1"
    partner.save()
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_url, "partner", PASSWORD)
    page.goto(f"{live_url}/referrals/")
    topbar = page.locator(".topbar")
    for link in (
        topbar.get_by_role("link", name="アカウント"),
        topbar.get_by_role("button", name="ログアウト"),
    ):
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    user = topbar.locator(".user")
    expect(user).to_have_attribute("title", f"{partner.display_name}（{partner_agency.name}）")
    assert topbar.bounding_box()["height"] < 60
    page.locator(".topbar").screenshot(path=f"{SHOTS}/header-long-name.png")


@pytest.mark.parametrize("width,height", [(390, 844), (768, 1024)])
def test_on_a_phone_or_a_tablet_no_page_scrolls_sideways(
    page, live_url, login, manager, desk_agency, width, height
):
    """On a home visit with a tablet or a phone: the header wraps (the pillars scroll
    within it), wide tables and the genogram scroll in their own boxes, and nothing
    makes the page itself scroll sideways; ログアウト stays on screen."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=manager, name="高橋さん世帯"
    )
    for given in ("トメ", "健一", "美咲"):
        PersonFactory(household=household, actor=manager, family_name="高橋", given_name=given)
    case = open_case(
        agency=desk_agency, actor=manager, title="高橋さん世帯（8050）の支援", household=household
    )
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_url, "manager", PASSWORD)
    for path in ("/", "/cases/", f"/cases/{case.pk}/", f"/households/{household.pk}/"):
        page.goto(f"{live_url}{path}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (path, scroll_width)
        logout = page.locator(".topbar").get_by_role("button", name="ログアウト").bounding_box()
        assert logout["x"] >= 0 and logout["x"] + logout["width"] <= width, (path, logout)
    shot(page, f"household-{width}", full_page=True)


def test_a_checkbox_group_caption_is_a_legend_above_that_ticks_nothing(
    page, live_url, login, desk, desk_agency, partner_agency
):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="青木さん世帯")
    PersonFactory(household=household, actor=desk, family_name="青木", given_name="一")
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/households/{household.pk}/consents/new/")

    group = page.get_by_role("group", name="共有先機関")
    legend = group.locator("legend")
    boxes = group.get_by_role("checkbox")
    assert boxes.count() >= 2
    legend.click()
    for i in range(boxes.count()):
        expect(boxes.nth(i)).not_to_be_checked()
    assert legend.bounding_box()["y"] < boxes.first.bounding_box()["y"]
    # A box's own label still ticks it.
    group.get_by_text(partner_agency.name).click()
    expect(group.get_by_label(partner_agency.name)).to_be_checked()


def test_a_failed_save_focuses_the_error_summary(page, live_url, login, desk):
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/households/new/")
    page.get_by_label("電話", exact=True).fill("でんわ")
    page.get_by_role("button", name="保存").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("入力内容を確認してください。")
    shot(page, "error-summary")
    link = summary.get_by_role("link", name="電話")
    link.click()
    expect(page.get_by_label("電話", exact=True)).to_be_focused()


def test_each_roles_home_has_its_next_step(page, live_url, login, desk, municipal, admin_user):
    login(page, live_url, "desk", PASSWORD)
    start = page.get_by_role("link", name="相談を受け付ける")
    expect(start).to_be_visible()
    shot(page, "home-desk")
    start.click()
    expect(page).to_have_url(f"{live_url}/intake/consultations/new/")

    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()

    login(page, live_url, "municipal", PASSWORD)
    expect(page.get_by_role("link", name="つなぐシートを作成する")).to_be_visible()
    expect(page.get_by_text("いま対応が必要なものはありません。")).to_have_count(0)
    shot(page, "home-municipal")
    page.get_by_role("button", name="ログアウト").click()

    login(page, live_url, "admin", PASSWORD)
    admin_link = page.get_by_role("link", name="管理サイトを開く")
    expect(admin_link).to_be_visible()
    shot(page, "home-admin")
    admin_link.click()
    expect(page.get_by_text("ログイン制限（django-axes）")).to_be_visible()


def test_the_access_log_reads_as_words(page, live_url, login, manager, desk, desk_agency):
    case = open_case(agency=desk_agency, actor=desk, title="高橋さん世帯（8050）の支援")
    meeting = MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        title="第4回 支援会議",
        starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )
    log_access(user=desk, obj=case, detail="timeline")
    log_access(user=desk, obj=meeting, detail="minutes_pdf", outcome="export")
    login(page, live_url, "manager", PASSWORD)
    page.get_by_role("link", name="統計").click()
    page.locator(".subnav").get_by_role("link", name="閲覧記録").click()
    table = page.locator("table")
    expect(table).to_contain_text("ケース: 高橋さん世帯（8050）の支援（ケースのページ）")
    expect(table).to_contain_text("議事録 PDF: 第4回 支援会議")
    shot(page, "access-log", full_page=True)
