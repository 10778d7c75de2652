"""The three pillars beyond the desk, in a real browser:

- ③ a 世帯訪問調査 visit flags a household, which becomes an outreach target and then a case;
- ④ a person is placed in an opportunity and followed up, and it shows on the case;
- ⑤ a サロン's activity is logged and shows on its district page.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from cases import services as case_services
from cases.choices import CasePersonRole
from cases.models import Case
from households.choices import Relationship
from outreach.models import OutreachTarget
from tests.factories import DistrictFactory, HouseholdFactory, PersonFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


@pytest.fixture
def honmachi(transactional_db):
    return DistrictFactory(name="本町区", code="01")


@pytest.fixture
def yamada(desk, desk_agency, honmachi):
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="山田さん世帯",
        address="架空町大字本町1番地の2",
        district=honmachi,
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="一郎",
        family_name_kana="ヤマダ",
        given_name_kana="イチロウ",
        birth_date=dt.date(1944, 5, 1),
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="健太",
        family_name_kana="ヤマダ",
        given_name_kana="ケンタ",
        birth_date=dt.date(1974, 9, 9),
        relationship=Relationship.CHILD,
    )
    return household


def logout(page):
    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_campaign_visit_becomes_a_target_and_then_a_case(
    page, live_url, login, desk, partner, partner_agency, yamada
):
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons

    # The desk plans a 世帯訪問調査 of 本町区 with 地域包括支援センター.
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/outreach/campaigns/")
    page.get_by_role("link", name="調査を登録").click()
    page.get_by_label("調査名", exact=True).fill("本町区 世帯訪問調査（令和7年度）")
    page.get_by_label("本町区", exact=True).check()
    page.get_by_label("開始日", exact=True).fill(
        (dt.date.today() - dt.timedelta(days=7)).isoformat()
    )
    page.get_by_label("終了日", exact=True).fill(
        (dt.date.today() + dt.timedelta(days=60)).isoformat()
    )
    page.get_by_label(partner_agency.name, exact=True).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("世帯訪問調査を登録しました（訪問先 1 世帯）。")).to_be_visible()
    campaign_url = page.url
    logout(page)

    # The partner visits and notes a concern.
    login(page, live_url, "partner", PASSWORD)
    page.goto(campaign_url)
    row = page.locator("tr", has_text="山田さん世帯")
    expect(row).to_contain_text("未訪問")
    row.get_by_role("link", name="訪問を記録").click()
    page.get_by_label("気になる点あり", exact=True).check()
    page.get_by_label("メモ", exact=True).fill(
        "郵便物がたまり、息子さんの姿を長く見ていないとのこと"
    )
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("山田さん世帯の訪問を記録しました。")).to_be_visible()
    expect(page.locator("tr", has_text="山田さん世帯")).to_contain_text("気になる点あり")
    logout(page)

    # The desk makes targets of the flagged households in one step.
    login(page, live_url, "desk", PASSWORD)
    page.goto(campaign_url)
    page.get_by_role("button", name="気になる点のあった 1 世帯をアウトリーチ対象にする").click()
    expect(
        page.get_by_text("気になる点のあった 1 世帯をアウトリーチ対象にしました。")
    ).to_be_visible()
    page.locator("tr", has_text="山田さん世帯").get_by_role("link", name="アウトリーチ対象").click()
    target = OutreachTarget.objects.get()
    expect(page).to_have_url(f"{live_url}/outreach/targets/{target.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("山田さん世帯")
    expect(page.locator("main")).to_contain_text("世帯訪問調査")
    expect(page.locator("main")).to_contain_text(partner_agency.name)

    # ... and connects it to a new case for the son.
    page.get_by_role("link", name="ケースにつなぐ").click()
    page.get_by_label("ケース名", exact=True).fill("山田さん世帯（8050）の支援")
    page.get_by_label("本人（主たる対象者）", exact=True).select_option(
        label="山田 健太（昭和49年9月9日生）"
    )
    page.get_by_role("button", name="ケースにつなぐ").click()
    expect(page.get_by_text("支援につながりました。ケースに記録を続けてください。")).to_be_visible()
    case = Case.objects.get()
    expect(page).to_have_url(f"{live_url}/cases/{case.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("③ アウトリーチ")
    expect(timeline).to_contain_text("対象として把握（世帯訪問調査")
    expect(timeline).to_contain_text("支援につながった")
    target.refresh_from_db()
    assert target.status == "connected" and target.case == case


def test_a_person_is_placed_and_followed_up(page, live_url, login, desk, desk_agency, honmachi):
    household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, name="斎藤さん世帯", district=honmachi
    )
    yuto = PersonFactory(
        household=household,
        actor=desk,
        family_name="斎藤",
        given_name="悠斗",
        family_name_kana="サイトウ",
        given_name_kana="ユウト",
        birth_date=dt.date(1998, 3, 27),
    )
    case = case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="斎藤悠斗さんの社会参加",
        persons=[(yuto, CasePersonRole.PRINCIPAL)],
    )
    login(page, live_url, "desk", PASSWORD)

    # Register the 参加先, open on Tuesdays and Thursdays.
    page.goto(f"{live_url}/participation/")
    page.get_by_role("link", name="参加先を登録").click()
    page.get_by_label("名称", exact=True).fill("町立図書館の配架ボランティア")
    page.get_by_label("種類", exact=True).select_option(label="ボランティア")
    page.get_by_label("受入先", exact=True).fill("架空町立図書館")
    page.get_by_label("行政区", exact=True).select_option(label="本町区")
    page.get_by_label("火", exact=True).check()
    page.get_by_label("木", exact=True).check()
    page.get_by_label("時間", exact=True).fill("10:00〜12:00")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("参加先を登録しました。")).to_be_visible()

    # Search by day finds it on Thursday, not on Monday.
    page.goto(f"{live_url}/participation/")
    page.get_by_label("曜日", exact=True).select_option(label="月")
    page.get_by_role("button", name="探す").click()
    expect(page.locator("main table")).not_to_contain_text("町立図書館の配架ボランティア")
    page.get_by_label("曜日", exact=True).select_option(label="木")
    page.get_by_role("button", name="探す").click()
    expect(page.locator("main table")).to_contain_text("火・木 10:00〜12:00")

    # From the case page: place 悠斗 there.
    page.goto(f"{live_url}/cases/{case.pk}/")
    # The case page keeps its panels folded under the timeline: open 参加支援.
    page.locator("summary", has_text="参加支援").click()
    page.get_by_role("link", name="参加先の調整を始める").click()
    page.get_by_label("参加先", exact=True).select_option(
        label="町立図書館の配架ボランティア（ボランティア・架空町立図書館）"
    )
    page.get_by_label("本人", exact=True).select_option(label="斎藤 悠斗（平成10年3月27日生）")
    page.get_by_label("本人の希望・配慮すること", exact=True).fill("人の少ない午前中を希望")
    page.get_by_role("button", name="調整を始める").click()
    expect(page.get_by_text("参加支援の調整を始めました。")).to_be_visible()

    # 体験中, then a follow-up.
    page.get_by_label("新しい状況", exact=True).select_option(label="体験中")
    page.get_by_role("button", name="状況を変更").click()
    expect(page.get_by_text("参加支援の状況を変更しました。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("体験中")
    page.get_by_role("link", name="定着支援を記録").click()
    page.get_by_label("面談", exact=True).check()
    page.get_by_label("内容", exact=True).fill("2回通えた。次は週2回に増やしたい。")
    page.get_by_role("button", name="記録する").click()
    expect(
        page.get_by_text("定着支援を記録し、ケースの支援経過（④参加支援）にも記録しました。")
    ).to_be_visible()
    expect(page.locator("main table").last).to_contain_text("2回通えた。次は週2回に増やしたい。")

    # The case page shows the placement and both on its timeline.
    page.goto(f"{live_url}/cases/{case.pk}/")
    page.locator("summary", has_text="参加支援").click()
    panel = page.locator("details.card", has=page.locator("summary", has_text="参加支援"))
    expect(panel).to_have_attribute("open", "")
    expect(panel).to_contain_text("町立図書館の配架ボランティア")
    expect(panel).to_contain_text("体験中")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("体験開始：斎藤 悠斗 → 町立図書館の配架ボランティア")
    expect(timeline).to_contain_text("2回通えた。次は週2回に増やしたい。")


def test_a_salon_activity_shows_on_its_district_page(
    page, live_url, login, desk, partner, honmachi
):
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/community/resources/")
    page.get_by_role("link", name="地域資源を登録").click()
    page.get_by_label("名称", exact=True).fill("本町ふれあいサロン")
    page.get_by_label("種類", exact=True).select_option(label="サロン")
    page.get_by_label("行政区", exact=True).select_option(label="本町区")
    page.get_by_label("運営者", exact=True).fill("本町区自治会")
    page.get_by_label("開催日時", exact=True).fill("毎月第2水曜 10時〜")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("地域資源を登録しました。")).to_be_visible()
    resource_url = page.url
    logout(page)

    # A partner who attended logs the meeting, by age band.
    login(page, live_url, "partner", PASSWORD)
    page.goto(resource_url)
    page.get_by_role("link", name="活動を記録").click()
    page.get_by_label("子ども（0〜17歳）", exact=True).fill("5")
    page.get_by_label("中高年（40〜64歳）", exact=True).fill("2")
    page.get_by_label("高齢者（65歳以上）", exact=True).fill("14")
    page.get_by_label("ボランティア", exact=True).fill("4")
    page.get_by_label("内容・気づき", exact=True).fill("小学生と昔遊び")
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("活動を記録しました。")).to_be_visible()

    page.get_by_role("link", name="本町区の状況").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("本町区")
    row = page.locator("#recent-activities tr", has_text="本町ふれあいサロン")
    expect(row).to_contain_text("多世代")
    expect(row).to_contain_text("14")
    expect(page.locator("#district-counts")).to_contain_text("延べ 5 人")
