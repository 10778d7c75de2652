"""Moving a person and merging a duplicate, in a real browser: the household is found
through the lookup box, both confirmation pages show what will move, and confirming
moves it. Set SCREENSHOT_DIR to keep the confirmation pages as PNG."""

import datetime as dt
import os

from playwright.sync_api import expect

from households.models import HouseholdMembership, Person
from tests.factories import HouseholdFactory, PersonFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def _shot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_move_and_merge_through_their_confirmation_pages(
    transactional_db, page, live_url, login, desk, desk_agency
):
    old = HouseholdFactory(name="前田さん世帯", registered_by_agency=desk_agency)
    new = HouseholdFactory(
        name="前田さん（長女）世帯", address="架空町大字西町8番地", registered_by_agency=desk_agency
    )
    PersonFactory(
        household=new,
        family_name="前田",
        given_name="由美",
        family_name_kana="マエダ",
        given_name_kana="ユミ",
    )
    mother = PersonFactory(
        household=old,
        family_name="前田",
        given_name="幸子",
        family_name_kana="マエダ",
        given_name_kana="サチコ",
        since=dt.date(2010, 4, 1),
    )
    dup = PersonFactory(
        household=old,
        family_name="前田",
        given_name="幸子",
        family_name_kana="マエダ",
        given_name_kana="サチコ",
        relationship="other_relative",
        mobile_phone="090-5555-6666",
    )
    login(page, live_url, "desk", PASSWORD)

    # Merge the duplicate first (both are in the same household).
    membership = HouseholdMembership.objects.get(person=mother)
    page.goto(f"{live_url}/households/{old.pk}/members/{membership.pk}/edit/")
    page.get_by_role("link", name="重複した登録の統合").click()
    page.get_by_label(f"登録番号 {dup.pk}", exact=False).check()
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.get_by_role("heading", name="統合の確認")).to_be_visible()
    _shot(page, "merge_confirm.png")
    page.get_by_role("button", name="統合する").click()
    expect(page.get_by_text("重複した登録を統合しました。")).to_be_visible()
    assert not Person.objects.filter(pk=dup.pk).exists()

    # Then move her to her daughter's household.
    page.goto(f"{live_url}/households/{old.pk}/members/{membership.pk}/edit/")
    page.get_by_role("link", name="別の世帯へ移動").click()
    page.get_by_label("移動先の世帯を検索").fill("まえだ")
    page.get_by_label("前田さん（長女）世帯", exact=False).check()
    page.get_by_label("移動先での続柄").select_option(label="父母")
    page.get_by_label("移動日（転入日）").fill("R6.6.1")
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.get_by_role("heading", name="世帯の移動の確認：前田 幸子")).to_be_visible()
    _shot(page, "move_confirm.png")
    page.get_by_role("button", name="移動する").click()
    expect(page.get_by_text("前田 幸子さんを前田さん（長女）世帯へ移動しました。")).to_be_visible()
    current = HouseholdMembership.objects.get(person=mother, until__isnull=True)
    assert current.household == new and current.since == dt.date(2024, 6, 1)
