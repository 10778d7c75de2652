"""相談受付 in a real browser: the htmx household lookup, the members fragment, and a
new household registered from the same screen (intake/views.py, templates/intake/)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from households.choices import Relationship
from intake.models import Consultation
from tests.factories import HouseholdFactory, PersonFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


@pytest.fixture
def categories(transactional_db):
    """Live-server tests run on a flushed database: seed the category master list again."""
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)


@pytest.fixture
def household(desk, desk_agency):
    """山田さん世帯: a mother and her son, registered by the desk."""
    h = HouseholdFactory(name="山田さん世帯", registered_by_agency=desk_agency, actor=desk)
    for given, kana, born, rel in [
        ("ハナ", "ハナ", dt.date(1944, 5, 5), Relationship.HEAD),
        ("一郎", "イチロウ", dt.date(1974, 8, 1), Relationship.CHILD),
    ]:
        PersonFactory(
            household=h,
            family_name="山田",
            given_name=given,
            family_name_kana="ヤマダ",
            given_name_kana=kana,
            birth_date=born,
            relationship=rel,
            actor=desk,
        )
    return h


def _tick_category(page, name, *, primary=False):
    page.get_by_role("checkbox", name=name, exact=True).check()
    if primary:
        page.get_by_role("checkbox", name=f"{name}を主な相談内容にする").check()


def test_phone_consultation_for_a_household_found_by_lookup(
    transactional_db, categories, page, live_url, login, desk, household
):
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/intake/consultations/new/")

    # Enter in the lookup box searches; it does not submit the consultation.
    search = page.get_by_role("searchbox", name="登録済みの世帯を検索")
    search.fill("やまだ")
    search.press("Enter")
    results = page.locator("#household-results")
    expect(results).to_contain_text("山田さん世帯")
    assert Consultation.objects.count() == 0

    results.get_by_role("radio").first.check()
    son = page.locator("#household-members").get_by_role("checkbox", name="山田 一郎")
    expect(son).to_be_visible()
    son.check()

    page.get_by_role("radio", name="電話", exact=True).check()
    page.get_by_role("radio", name="家族", exact=True).check()
    page.get_by_label("相談者の氏名").fill("山田 花子")
    _tick_category(page, "介護", primary=True)
    _tick_category(page, "債務")
    page.get_by_label("主訴").fill("母の介護と兄の借金のこと")
    page.get_by_role("radio", name="情報提供", exact=True).check()
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("相談を受け付けました。")).to_be_visible()
    expect(page.locator("main")).to_contain_text("主：介護")
    c = Consultation.objects.get()
    assert c.household == household
    assert [p.given_name for p in c.persons.all()] == ["一郎"]


def test_new_household_with_two_persons_goes_on_to_open_a_case(
    transactional_db, categories, page, live_url, login, desk
):
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/intake/consultations/new/")

    page.get_by_text("新しい世帯として登録する").click()
    for n, (given, given_kana, born, relationship) in enumerate(
        [("トメ", "とめ", "S15.3.3", "世帯主"), ("健", "けん", "1970-10-10", "子")], start=1
    ):
        page.locator(f"#id_p{n}_family_name").fill("佐藤")
        page.locator(f"#id_p{n}_given_name").fill(given)
        page.locator(f"#id_p{n}_family_name_kana").fill("さとう")
        page.locator(f"#id_p{n}_given_name_kana").fill(given_kana)
        page.locator(f"#id_p{n}_birth_date").fill(born)
        page.locator(f"#id_p{n}_relationship").select_option(label=relationship)
        # Both are whom the consultation is about (相談受付 実人数); the first is ticked
        # already.
        page.locator(f"#id_p{n}_concerned").check()
    page.get_by_role("radio", name="来所", exact=True).check()
    page.get_by_role("radio", name="本人", exact=True).check()
    _tick_category(page, "ひきこもり・不登校", primary=True)
    page.get_by_label("主訴").fill("息子が10年ほど家から出ていない")
    page.get_by_role("radio", name="継続支援", exact=True).check()
    page.get_by_role("button", name="保存").click()

    c = Consultation.objects.get()
    expect(page).to_have_url(f"{live_url}/cases/new/?consultation={c.pk}")
    assert c.household.name == "佐藤さん世帯"
    assert sorted(p.given_name for p in c.persons.all()) == ["トメ", "健"]


def test_primary_mark_follows_its_category_in_the_tab_order(
    transactional_db, categories, page, live_url, login, desk
):
    """Issue 19: 主 is reached with one Tab from its category (no Shift+Tab hunt), and
    ticking it ticks the category and clears another 主."""
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/intake/consultations/new/")
    debt = page.get_by_role("checkbox", name="債務", exact=True)
    debt.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "債務を主な相談内容にする"
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="債務を主な相談内容にする")).to_be_checked()

    page.get_by_role("checkbox", name="介護を主な相談内容にする").check()
    expect(page.get_by_role("checkbox", name="介護", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="債務を主な相談内容にする")).not_to_be_checked()
