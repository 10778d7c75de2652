"""Issue 3's flow in a real browser: a phone consultation for a new household with two
members, a case, two support records of different kinds, a plan with two roles for two
agencies, and all of it on the case timeline."""

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from cases.models import Case, PlanRole, SupportPlan, SupportRecord

PASSWORD = "correct-horse-battery"


@pytest.fixture
def categories(transactional_db):
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)


def test_phone_consultation_to_case_records_plan_and_timeline(
    transactional_db, categories, page, live_url, login, desk, partner_agency, outsider_agency
):
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/intake/consultations/new/")
    page.get_by_text("新しい世帯として登録する").click()
    for n, (given, kana, born, rel) in enumerate(
        [("ハル", "はる", "S20.4.1", "世帯主"), ("誠", "まこと", "1975-06-15", "子")], start=1
    ):
        page.locator(f"#id_p{n}_family_name").fill("木村")
        page.locator(f"#id_p{n}_given_name").fill(given)
        page.locator(f"#id_p{n}_family_name_kana").fill("きむら")
        page.locator(f"#id_p{n}_given_name_kana").fill(kana)
        page.locator(f"#id_p{n}_birth_date").fill(born)
        page.locator(f"#id_p{n}_relationship").select_option(label=rel)
    page.get_by_role("radio", name="電話", exact=True).check()
    page.get_by_role("radio", name="家族", exact=True).check()
    page.get_by_role("checkbox", name="介護", exact=True).check()
    page.get_by_role("checkbox", name="介護を主な相談内容にする").check()
    page.get_by_role("checkbox", name="債務", exact=True).check()
    page.get_by_label("主訴").fill("母の介護が限界で、弟に借金がある")
    page.get_by_role("radio", name="継続支援", exact=True).check()
    page.get_by_role("button", name="保存").click()

    # The case open page, prefilled from the consultation.
    expect(page.get_by_role("heading", name="ケースの開始：木村さん世帯")).to_be_visible()
    page.get_by_role("button", name="ケースを開始").click()
    expect(page.get_by_text("ケースを開始しました。")).to_be_visible()
    case = Case.objects.get()
    assert case.household.current_memberships().count() == 2

    # Two support records of different kinds.
    for kind, text in (("訪問", "自宅を訪問し母の様子を確認"), ("同行", "弟と法テラスへ同行")):
        page.get_by_role("link", name="支援経過を記録").click()
        page.get_by_label("日付").fill("R6.5.1" if kind == "訪問" else "R6.5.8")
        page.get_by_label("種別").select_option(label=kind)
        page.get_by_label("内容").fill(text)
        page.get_by_role("button", name="記録する", exact=True).click()
        expect(page.get_by_text("支援経過を記録しました。")).to_be_visible()
    assert set(SupportRecord.objects.values_list("kind", flat=True)) == {"visit", "accompany"}

    # A plan with two roles for two agencies.
    page.get_by_role("link", name="支援プランを作成").click()
    page.get_by_label("本人の希望").fill("母は自宅で暮らしたい")
    page.get_by_label("目標").fill("介護サービスの利用と債務整理")
    page.locator("#id_roles-0-concern").fill("母の介護")
    page.locator("#id_roles-0-agency").select_option(label=partner_agency.name)
    page.locator("#id_roles-0-method").fill("要介護認定の申請支援")
    page.locator("#id_roles-1-concern").fill("弟の借金")
    page.locator("#id_roles-1-agency").select_option(label=outsider_agency.name)
    page.locator("#id_roles-1-method").fill("家計相談と債務整理の支援")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("支援プラン（案）を作成しました。")).to_be_visible()
    plan = SupportPlan.objects.get()
    assert sorted(
        PlanRole.objects.filter(plan=plan).values_list("agency__name", flat=True)
    ) == sorted([partner_agency.name, outsider_agency.name])

    # Everything on one timeline.
    page.goto(f"{live_url}/cases/{case.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("母の介護が限界で")
    expect(timeline).to_contain_text("自宅を訪問し母の様子を確認")
    expect(timeline).to_contain_text("弟と法テラスへ同行")
    expect(timeline).to_contain_text("第1版")
    expect(timeline).to_contain_text("受付")
