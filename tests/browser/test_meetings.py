"""A desk worker runs a 支援会議 about a household that has not consented, then a
重層的支援会議 that approves a consented plan, in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import PlanStatus
from meetings.models import AgendaItem, Meeting
from tests.factories_meetings import consent_for, consented_plan, open_case

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def _submit(page, form_selector: str, button_text: str):
    with page.expect_navigation():
        page.locator(form_selector).get_by_role("button", name=button_text).click()


def _saved(item):
    item.refresh_from_db()
    return item


def _eventually(page, check, timeout_ms=10_000):
    """Autosave runs after a pause in typing: wait until the database has it."""
    waited = 0
    while not check():
        assert waited < timeout_ms, "autosave did not reach the database"
        page.wait_for_timeout(200)
        waited += 200


def _schedule(page, live_url, kind: str, title: str, day: dt.date):
    page.goto(f"{live_url}/meetings/")
    page.get_by_role("link", name=f"{kind}を登録", exact=True).click()
    form = page.locator("main form[method='post']").first
    form.locator("[name='title']").fill(title)
    form.locator("[name='date']").fill(day.isoformat())
    form.locator("[name='start_time']").fill("14:00")
    form.locator("[name='place']").fill("役場 小会議室")
    with page.expect_navigation():
        form.get_by_role("button", name="保存する").click()
    assert title in page.locator("h1").inner_text()
    return Meeting.objects.get(title=title)


def _add_member(page, membership):
    form = page.locator("#members form:has(select[name='membership'])")
    form.locator("select[name='membership']").select_option(str(membership.pk))
    with page.expect_navigation():
        form.get_by_role("button", name="構成員に加える").click()


def _add_case(page, case, brief: str):
    page.get_by_role("link", name="議題を加える").click()
    page.locator("select[name='topic']").select_option("case")
    page.locator("select[name='case']").select_option(str(case.pk))
    page.locator("textarea[name='brief']").fill(brief)
    with page.expect_navigation():
        page.get_by_role("button", name="保存する").click()


def test_support_meeting_then_multilayer_plan_approval(
    page, live_url, login, desk, desk_agency, partner, partner_agency
):
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons
    secret_case = open_case(agency=desk_agency, actor=desk, title="鈴木さん世帯（8050）の支援")
    consented = open_case(agency=desk_agency, actor=desk, title="佐藤さん世帯の支援")
    consent = consent_for(consented, [desk_agency, partner_agency], actor=desk)
    plan = consented_plan(
        consented,
        consent,
        actor=desk,
        roles=[{"concern": "母の介護", "agency": partner_agency, "method": "ケアプランの調整"}],
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    membership = partner.memberships.get()

    login(page, live_url, "desk", PASSWORD)

    # 支援会議 about a household without consent
    support = _schedule(page, live_url, "支援会議", "第1回 支援会議", yesterday)
    assert "取扱注意・守秘義務" in page.content()
    _add_member(page, membership)
    with page.expect_navigation():
        page.get_by_role("button", name="誓約書を受領したと記録").click()
    _add_case(page, secret_case, "長男が十年ひきこもり、母の介護も滞っている。")
    assert "長男が十年ひきこもり" in page.locator("#agenda").inner_text()

    page.get_by_role("link", name="議事録を記録").click()
    item = AgendaItem.objects.get(meeting=support)
    section = page.locator(f"#item-{item.pk}")
    section.get_by_label("協議内容").fill(
        "学校と包括の情報を共有した。祖母の介護サービスが途切れている。"
    )
    # (Playwright's string predicates are evaluated with eval, which the CSP forbids.)
    expect(page.locator(f"#save-state-{item.pk}")).to_contain_text("保存しました")
    section.get_by_label("決定事項").fill("包括が今週中に自宅を訪問する。")
    _eventually(page, lambda: _saved(item).decisions == "包括が今週中に自宅を訪問する。")
    # the browser is closed and opened again: nothing is lost
    page.reload()
    section = page.locator(f"#item-{item.pk}")
    assert "祖母の介護サービスが途切れている" in section.get_by_label("協議内容").input_value()
    assert section.get_by_label("決定事項").input_value() == "包括が今週中に自宅を訪問する。"
    role_form = section.locator("form:has(input[name$='-task'])")
    role_form.locator("select[name$='-agency']").select_option(str(partner_agency.pk))
    role_form.locator("input[name$='-task']").fill("自宅を訪問して様子を確認する")
    with page.expect_navigation():
        role_form.get_by_role("button", name="役割分担を加える").click()
    assert "自宅を訪問して様子を確認する" in page.locator(f"#item-{item.pk}").inner_text()
    item.refresh_from_db()
    assert item.decisions == "包括が今週中に自宅を訪問する。"

    # 重層的支援会議 for the consented case: approve its plan
    multilayer = _schedule(page, live_url, "重層的支援会議", "第1回 重層的支援会議", yesterday)
    _add_member(page, membership)
    _add_case(page, consented, "プラン（第1版）の承認。本人同意済み。")
    page.get_by_role("link", name="議事録を記録").click()
    item = AgendaItem.objects.get(meeting=multilayer)
    section = page.locator(f"#item-{item.pk}")
    assert "プラン承認の対象: 第1版" in section.inner_text()
    section.locator(f"select[name='d{item.pk}-decision']").select_option("plan_approval")
    with page.expect_navigation():
        section.get_by_role("button", name="決定を記録").click()
    assert "ケースに反映しました" in page.locator(".messages").inner_text()

    page.goto(f"{live_url}/cases/{consented.pk}/")
    active = page.locator("section.card:has(h2:text('実施中の支援プラン'))")
    assert "第1版" in active.inner_text() and "ケアプランの調整" in active.inner_text()
    assert "支援中" in page.locator("h1").inner_text()
    assert "第1回 重層的支援会議" in page.locator("#timeline").inner_text()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
