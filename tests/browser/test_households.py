"""Desk staff register a household in a real browser and find it again by hiragana."""

import re

from playwright.sync_api import expect

from households.models import Household

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def fill_member(page, *, relationship, family, given, family_kana, given_kana, born, sex):
    page.get_by_label("続柄", exact=True).select_option(label=relationship)
    page.get_by_label("姓", exact=True).fill(family)
    page.get_by_label("名", exact=True).fill(given)
    page.get_by_label("せい（ふりがな）", exact=True).fill(family_kana)
    page.get_by_label("めい（ふりがな）", exact=True).fill(given_kana)
    page.get_by_label("生年月日", exact=True).fill(born)
    page.get_by_label("性別", exact=True).select_option(label=sex)


def test_register_a_household_and_find_it_by_hiragana(
    transactional_db, page, live_url, login, desk
):
    login(page, live_url, "desk", PASSWORD)

    # Register the household.
    page.goto(f"{live_url}/households/")
    page.get_by_role("link", name="新しい世帯を登録").click()
    expect(page.get_by_role("heading", name="世帯の登録")).to_be_visible()
    page.get_by_label("世帯の呼び名", exact=True).fill("小川さん世帯")
    page.get_by_label("住所", exact=True).fill("架空町大字本町3番地")
    page.get_by_label("電話", exact=True).fill("０９６－２９３－５５５５")
    page.get_by_role("button", name="保存").click()

    # Two members, the second through 「保存して次の世帯員を追加」.
    expect(page.get_by_text("世帯を登録しました。続けて世帯員を追加してください。")).to_be_visible()
    expect(page.get_by_role("heading", name="世帯員の追加：小川さん世帯")).to_be_visible()
    fill_member(
        page,
        relationship="世帯主",
        family="小川",
        given="一郎",
        family_kana="おがわ",
        given_kana="いちろう",
        born="S30.5.5",
        sex="男性",
    )
    page.get_by_role("button", name="保存して次の世帯員を追加").click()
    expect(page.get_by_text("世帯員を追加しました。")).to_be_visible()
    fill_member(
        page,
        relationship="配偶者",
        family="小川",
        given="良子",
        family_kana="ｵｶﾞﾜ",
        given_kana="ヨシコ",
        born="昭和32年7月7日",
        sex="女性",
    )
    page.get_by_role("button", name="保存", exact=True).click()
    household = Household.objects.get(name="小川さん世帯")
    expect(page).to_have_url(f"{live_url}/households/{household.pk}/")

    # Find it again from the search page, typing hiragana.
    page.goto(f"{live_url}/households/")
    page.get_by_role("searchbox").fill("おがわ")
    page.get_by_role("button", name="検索").click()
    results = page.locator("#search-results")
    expect(results).to_contain_text("「おがわ」の検索結果")
    # Birth dates and the address tell same-name families apart.
    expect(results).to_contain_text("小川 一郎（オガワ イチロウ、昭和30年5月5日生）")
    expect(results).to_contain_text("架空町大字本町3番地")
    results.get_by_role("link", name="小川さん世帯").click()

    # Both members are on the household page, with 続柄 and 和暦 birth dates.
    expect(page).to_have_url(re.compile(rf"/households/{household.pk}/$"))
    members = page.locator("table").first
    expect(members.locator("tr", has_text="小川 一郎")).to_contain_text("世帯主")
    expect(members.locator("tr", has_text="小川 一郎")).to_contain_text("昭和30年5月5日")
    expect(members.locator("tr", has_text="小川 良子")).to_contain_text("配偶者")
    expect(members.locator("tr", has_text="小川 良子")).to_contain_text("オガワ ヨシコ")
    expect(members.locator("tbody tr")).to_have_count(2)
    assert household.memberships.filter(until__isnull=True).count() == 2
