"""Desk staff correct a support record in a real browser: the record page then shows
the earlier kind struck through, and the case's 変更履歴 page reads in Japanese."""

import os

from playwright.sync_api import expect

from tests.cases.conftest import make_case

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_correct_a_record_and_read_the_history(
    transactional_db, page, live_url, login, desk, desk_agency
):
    case, _person, _plan = make_case(desk=desk, desk_agency=desk_agency, title="訂正のケース")
    record = case.records.get()
    login(page, live_url, "desk", PASSWORD)

    page.goto(f"{live_url}/cases/{case.pk}/")
    page.get_by_role("link", name="架空町 ふくしの相談窓口").first.click()
    expect(page.get_by_role("heading", name="支援経過：")).to_be_visible()
    page.get_by_role("link", name="訂正する").click()
    page.get_by_label("種別", exact=True).select_option(label="訪問")
    page.get_by_role("button", name="訂正する").click()
    # No reason: refused beside the field, nothing saved.
    expect(page.get_by_text("訂正の理由を入力してください。").first).to_be_visible()
    page.get_by_label("訂正の理由", exact=True).fill("種別を電話と誤って記録した")
    page.get_by_role("button", name="訂正する").click()

    expect(page.get_by_text("支援経過を訂正しました。")).to_be_visible()
    expect(page.locator("del", has_text="電話")).to_be_visible()
    expect(page.get_by_text("種別を電話と誤って記録した")).to_be_visible()
    _shot(page, "record_corrected")
    record.refresh_from_db()
    assert record.kind == "visit"

    page.goto(f"{live_url}/cases/{case.pk}/history/")
    expect(page.get_by_role("heading", name="変更履歴：訂正のケース")).to_be_visible()
    expect(page.get_by_role("row", name="ケース名")).to_be_visible()
    _shot(page, "case_history")
