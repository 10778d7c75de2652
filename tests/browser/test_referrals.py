"""繋ぎ in a real browser: the desk refers a case to the 地域包括支援センター, the partner
accepts it from the inbox and logs a 訪問, the desk sees the 訪問 on its timeline, and a
third agency sees nothing."""

import re

from playwright.sync_api import expect

from referrals.models import Referral
from tests.factories_referrals import CASE_TITLE, PERSON_GIVEN, consent_for, make_case

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
VISIT_NOTE = "包括の職員が自宅を訪問し、介護保険の申請を手伝った。"


def logout(page):
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_label("ユーザー名")).to_be_visible()


def test_refer_accept_log_a_visit_and_the_outsider_sees_nothing(
    transactional_db,
    page,
    live_url,
    login,
    desk,
    desk_agency,
    partner,
    partner_agency,
    outsider,
):
    case, principal, _son = make_case(desk=desk, desk_agency=desk_agency)
    consent = consent_for(principal, [partner_agency], actor=desk)

    # The desk refers the case from the case page.
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/cases/{case.pk}/")
    page.locator(".actions").get_by_role("link", name="繋ぐ", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("繋ぐ"))).to_be_visible()
    page.get_by_label("繋ぎ先", exact=True).select_option(label=partner_agency.name)
    # htmx reloads the consent choices for the chosen agency.
    consent_select = page.locator(f"#consent-options [data-agency='{partner_agency.pk}'] select")
    expect(consent_select.locator(f"option[value='{consent.pk}']")).to_have_count(1)
    consent_select.select_option(value=str(consent.pk))
    page.get_by_label(f"佐藤 {PERSON_GIVEN}").check()
    page.get_by_label("繋ぐ理由・経緯", exact=True).fill("母の介護保険の申請が必要")
    page.get_by_label("依頼したいこと", exact=True).fill("要介護認定の申請を手伝ってほしい")
    page.get_by_label("概要のみ").check()
    page.get_by_role("button", name="繋ぎを送る").click()
    expect(page.get_by_text(f"{partner_agency.name}へ繋ぎを送りました。")).to_be_visible()
    referral = Referral.objects.get()
    logout(page)

    # The partner finds it in the inbox (unanswered) and accepts it.
    login(page, live_url, "partner", PASSWORD)
    expect(page.locator(".topbar span.badge")).to_have_text("1")  # the unread notice
    page.goto(f"{live_url}/referrals/")
    row = page.locator("tbody tr", has_text=f"佐藤 {PERSON_GIVEN}")
    expect(row).to_contain_text("送付")
    expect(row).to_contain_text(desk_agency.name)
    row.get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_url}/referrals/{referral.pk}/")
    page.get_by_role("button", name="受理する").click()
    expect(page.get_by_text("繋ぎを受理しました。")).to_be_visible()

    # It logs a 訪問 against the referral (summary scope: it does not read the file).
    page.get_by_role("link", name="支援経過を記録").first.click()
    page.get_by_label("種別", exact=True).select_option(label="訪問")
    page.get_by_label("内容", exact=True).fill(VISIT_NOTE)
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("支援経過を記録しました。")).to_be_visible()
    expect(page.get_by_text(VISIT_NOTE)).to_be_visible()
    logout(page)

    # The desk sees the 訪問 on its case timeline.
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/cases/{case.pk}/")
    visit = page.locator("#timeline li", has_text=VISIT_NOTE)
    expect(visit).to_contain_text("訪問")
    expect(visit).to_contain_text(partner_agency.name)
    expect(page.locator("#timeline")).to_contain_text(
        f"{desk_agency.name} → {partner_agency.name}：受理"
    )
    logout(page)

    # The third agency sees nothing: 404 on the case and the referral, an empty inbox.
    login(page, live_url, "outsider", PASSWORD)
    for path in (f"/cases/{case.pk}/", f"/referrals/{referral.pk}/"):
        response = page.goto(f"{live_url}{path}")
        assert response is not None and response.status == 404, path
        expect(page.locator("body")).not_to_contain_text(CASE_TITLE)
    page.goto(f"{live_url}/referrals/")
    expect(page.get_by_text("受け取った繋ぎはありません。")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(PERSON_GIVEN)
