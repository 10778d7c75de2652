"""Issue 19 in a real browser: consent recorded where it is asked for (同意あり at
intake) takes a saved intake to a plan in force (実施中) in five clicks; the case page
shows its timeline on the first screen at 1366×768 and lands on a new record."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from cases.choices import PlanStatus
from cases.models import Case, SupportPlan, SupportRecord
from households.models import Consent, District

PASSWORD = "correct-horse-battery"
SHOTS = Path(__file__).resolve().parent.parent.parent / "test-results"


@pytest.fixture
def categories(transactional_db):
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)


class Clicks:
    """Counts the clicks a worker makes (a select or a typed box is not a click)."""

    def __init__(self):
        self.count = 0

    def click(self, locator):
        self.count += 1
        locator.click()


def _intake_with_consent(page, live_url, agency_name, screenshot=None):
    page.goto(f"{live_url}/intake/consultations/new/")
    page.get_by_text("新しい世帯として登録する").click()
    page.locator("#id_p1_family_name").fill("田中")
    page.locator("#id_p1_given_name").fill("花子")
    page.locator("#id_p1_family_name_kana").fill("たなか")
    page.locator("#id_p1_given_name_kana").fill("はなこ")
    page.locator("#id_p1_birth_date").fill("S30.4.1")
    page.locator("#id_nh_district").select_option(label="本町区")
    page.get_by_role("radio", name="電話", exact=True).check()
    page.get_by_role("radio", name="本人", exact=True).check()
    page.get_by_role("checkbox", name="介護", exact=True).check()
    page.get_by_role("checkbox", name="介護を主な相談内容にする").check()
    page.get_by_label("主訴").fill("夫の介護と家計のことで困っている")
    page.get_by_role("radio", name="同意あり", exact=True).check()
    details = page.locator(".consent-details")
    expect(details).to_be_visible()  # shown only with 同意あり
    details.get_by_role("checkbox", name=agency_name, exact=True).check()
    page.get_by_role("radio", name="継続支援", exact=True).check()
    if screenshot:
        page.screenshot(path=str(SHOTS / screenshot), full_page=True)
    page.get_by_role("button", name="保存").click()


def test_saved_intake_to_plan_in_force_in_five_clicks(
    transactional_db, categories, page, live_url, login, desk, partner_agency
):
    District.objects.create(name="本町区")
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_url, "desk", PASSWORD)
    _intake_with_consent(page, live_url, partner_agency.name, "issue19_intake_consent.png")

    # The intake recorded a real consent covering the agency ticked.
    consent = Consent.objects.get()
    assert consent.person.full_name == "田中 花子"
    assert list(consent.agencies.all()) == [partner_agency]
    household = consent.person.household_memberships.get().household
    assert household.district.name == "本町区"

    clicks = Clicks()
    expect(page.get_by_role("heading", name="ケースの開始：田中さん世帯")).to_be_visible()
    clicks.click(page.get_by_role("button", name="ケースを開始"))
    clicks.click(page.get_by_role("link", name="支援プランを作成"))
    page.get_by_label("本人の希望").fill("夫を自宅で介護し続けたい")
    page.get_by_label("目標").fill("介護サービスを使い始める")
    page.get_by_label("困りごと（1行目）").fill("夫の介護")
    page.get_by_label("支援機関（1行目）").select_option(label=partner_agency.name)
    page.get_by_label("支援方法（1行目）").fill("要介護認定の申請を支援する")
    clicks.click(page.get_by_role("button", name="保存", exact=True))

    # The plan page offers the intake's consent, told apart by its agencies and 和暦.
    consent_box = page.locator("#id_consent")
    expect(consent_box).to_be_visible()
    label = consent_box.locator("option:checked").inner_text()
    assert "田中 花子" in label and partner_agency.name in label and "令和" in label
    assert "-" not in label.split("共有先")[0]  # no ISO date
    page.screenshot(path=str(SHOTS / "issue19_plan_consent.png"), full_page=True)
    clicks.click(page.get_by_role("button", name="この同意をプランへの同意として記録"))
    expect(page.get_by_text("プランへの本人同意を記録しました。")).to_be_visible()
    clicks.click(page.get_by_role("button", name="承認して実施する"))
    expect(page.get_by_text("プランを承認し、実施中のプランにしました。")).to_be_visible()
    page.screenshot(path=str(SHOTS / "issue19_plan_active.png"), full_page=True)

    plan = SupportPlan.objects.get()
    assert plan.status == PlanStatus.ACTIVE and plan.consent == consent
    assert clicks.count <= 5, clicks.count

    # The case page: the timeline begins on the first screen at 1366×768.
    case = Case.objects.get()
    page.goto(f"{live_url}/cases/{case.pk}/")
    top = page.locator("#timeline-heading").bounding_box()["y"]
    assert top < 768, top
    page.screenshot(path=str(SHOTS / "issue19_case_first_screen.png"))
    # The status form waits behind a disclosure.
    expect(page.get_by_role("button", name="状況を変更")).to_be_hidden()

    # A record saved without a time lands on its entry, shown without a false 00:00.
    page.get_by_role("link", name="支援経過を記録").click()
    page.get_by_label("日付").fill("R6.5.1")
    page.get_by_label("種別").select_option(label="訪問")
    page.get_by_label("内容").fill("自宅を訪問し夫の様子を確認した")
    page.get_by_role("button", name="記録する", exact=True).click()
    record = SupportRecord.objects.get()
    assert page.url.endswith(f"#tl-record-{record.pk}")
    entry = page.locator(f"#tl-record-{record.pk}")
    expect(entry).to_be_in_viewport()
    expect(entry).to_contain_text("自宅を訪問し夫の様子を確認した")
    when = entry.locator(".when").inner_text()
    assert when == "令和6年5月1日", when


def test_consent_that_misses_a_role_agency_is_recorded_again_on_the_plan_page(
    transactional_db, categories, page, live_url, login, desk, partner_agency, outsider_agency
):
    District.objects.create(name="本町区")
    login(page, live_url, "desk", PASSWORD)
    _intake_with_consent(page, live_url, partner_agency.name)
    page.get_by_role("button", name="ケースを開始").click()
    page.get_by_role("link", name="支援プランを作成").click()
    page.get_by_label("本人の希望").fill("家で暮らしたい")
    page.get_by_label("目標").fill("家計の立て直し")
    page.get_by_label("困りごと（1行目）").fill("家計")
    page.get_by_label("支援機関（1行目）").select_option(label=outsider_agency.name)
    page.get_by_label("支援方法（1行目）").fill("家計相談")
    page.get_by_role("button", name="保存", exact=True).click()

    # The intake's consent does not name the 社協: a new consent is recorded here,
    # with the role's agency ticked already.
    new = page.locator("details.new-consent")
    expect(new).to_have_attribute("open", "")
    expect(new.get_by_role("checkbox", name=outsider_agency.name, exact=True)).to_be_checked()
    new.get_by_role("button", name="同意を記録してプランへの同意にする").click()
    expect(page.get_by_text("本人同意を記録し、プランへの同意にしました。")).to_be_visible()
    page.get_by_role("button", name="承認して実施する").click()
    expect(page.get_by_text("プランを承認し、実施中のプランにしました。")).to_be_visible()
    plan = SupportPlan.objects.get()
    assert plan.status == PlanStatus.ACTIVE
    assert outsider_agency in plan.consent.agencies.all()
    assert Consent.objects.count() == 2
