"""引継ぎ in a real browser: the desk's manager opens the handover page from the 職員
page, reads the caseload per worker, hands one of a worker's cases to a colleague with a
note; then ends the worker's membership, is refused while a case is still open, and
ends it by choosing a successor in the same step."""

from playwright.sync_api import expect

from accounts.choices import Role
from accounts.models import Membership
from cases.choices import RecordKind
from cases.models import Case, SupportRecord
from tests.factories import staff
from tests.factories_meetings import open_case

PASSWORD = "correct-horse-battery"
SCREENSHOTS = "test-results"


def test_a_manager_hands_a_workers_cases_over_and_the_worker_leaves(
    transactional_db, page, live_url, login, desk, manager, desk_agency
):
    receiver = staff(desk_agency, Role.COUNSELOR, username="receiver", display_name="受取 六子")
    first = open_case(agency=desk_agency, actor=desk, title="佐藤さん世帯の支援")
    second = open_case(agency=desk_agency, actor=desk, title="鈴木さん世帯の支援")
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons

    login(page, live_url, "manager", PASSWORD)
    page.goto(f"{live_url}/accounts/staff/")
    page.get_by_role("link", name="ケースの引継ぎ・担当件数").click()
    expect(page.get_by_role("heading", name="職員ごとの担当件数（進行中のケース）")).to_be_visible()
    row = page.locator("table.caseload tbody tr", has_text="窓口 花子")
    expect(row.locator("td").first).to_have_text("2")

    page.get_by_role("link", name="窓口 花子").click()
    expect(page.get_by_role("heading", name="窓口 花子さんの進行中のケース（2件）")).to_be_visible()
    page.get_by_label("鈴木さん世帯の支援").uncheck()
    page.get_by_label("引継ぎ先").select_option(label="受取 六子")
    page.get_by_label("引継ぎのメモ").fill("長男への訪問は火曜午後が良い")
    page.screenshot(path=f"{SCREENSHOTS}/handover-page.png", full_page=True)
    page.get_by_role("button", name="引継ぐ").click()
    expect(page.get_by_text("1件のケースを引継ぎました。")).to_be_visible()
    assert Case.objects.get(pk=first.pk).lead_staff == receiver
    assert Case.objects.get(pk=second.pk).lead_staff == desk
    note = SupportRecord.objects.get(case=first, kind=RecordKind.COORDINATION)
    assert "火曜午後" in note.narrative

    # The worker leaves: refused while 鈴木さん世帯 is still theirs.
    page.goto(f"{live_url}/accounts/staff/")
    desk_row = page.locator("tr", has_text="窓口 花子")
    desk_row.get_by_role("button", name="所属を終了").click()
    expect(page.get_by_text("進行中のケースを1件担当しています")).to_be_visible()
    assert Membership.objects.get(user=desk, agency=desk_agency).is_active
    expect(page.get_by_role("link", name="ケースの引継ぎ画面を開く")).to_be_visible()
    page.get_by_label("引継ぎ先").select_option(label="受取 六子")
    page.screenshot(path=f"{SCREENSHOTS}/staff-end-refused.png", full_page=True)
    page.get_by_role("button", name="引継いで所属を終了").click()
    expect(page.get_by_text("窓口 花子さんの担当を受取 六子さんに引継ぎました。")).to_be_visible()
    assert not Membership.objects.get(user=desk, agency=desk_agency).is_active
    assert not Case.objects.open().filter(lead_staff=desk).exists()
    assert Case.objects.get(pk=second.pk).lead_staff == receiver
