"""Re-authentication: exports and consent overrides need the password entered within the
last 10 minutes; a stale session is asked for it and nothing typed is lost."""

import re
import time

import pytest
from django.urls import reverse

from accounts import security
from accounts.models import AccessLog
from cases.choices import GrantScope
from cases.models import AccessGrant
from referrals.models import Referral
from tests.auth_helpers import make_stale
from tests.factories_referrals import make_case

PASSWORD = "correct-horse-battery"
REAUTH = "/accounts/reauth/"

# Every export of personal data; a pk that does not exist is fine: the password comes
# before the lookup (so a stale session learns nothing either way).
EXPORTS = [
    ("cases:records_pdf", {"pk": 999999}),
    ("cases:plan_pdf", {"pk": 999999, "plan_pk": 999999}),
    ("meetings:minutes_pdf", {"pk": 999999}),
    ("meetings:agenda_pdf", {"pk": 999999}),
    ("intake:sheet_pdf", {"pk": 999999}),
    ("reports:download_pdf", {"pk": 999999}),
    ("reports:download_xlsx", {"pk": 999999}),
]


@pytest.mark.parametrize(("name", "kwargs"), EXPORTS, ids=[n for n, _ in EXPORTS])
def test_exports_ask_for_the_password_when_it_is_stale(client_for, desk, name, kwargs):
    client = client_for(desk)
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 404  # fresh: straight to the (missing) object

    make_stale(client, seconds=10 * 60 + 5)
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next={url.replace('/', '%2F')}"


def test_the_blank_sheet_needs_no_password(client_for, municipal):
    client = client_for(municipal)
    make_stale(client)
    response = client.get(reverse("intake:sheet_blank_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_password_brings_the_user_back_to_the_download(client_for, desk, desk_agency):
    case, _principal, _son = make_case(desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    make_stale(client)
    url = reverse("cases:records_pdf", kwargs={"pk": case.pk})

    response = client.get(url)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "<title>パスワードの再入力 | 重層的支援 相談記録</title>" in html
    assert '<label for="id_password">パスワード</label>' in html

    response = client.post(REAUTH, {"password": "wrong-password-123", "next": url})
    assert response.status_code == 200
    assert "パスワードが違います。" in response.content.decode()
    assert client.get(url).status_code == 302  # still stale
    assert AccessLog.objects.filter(outcome=AccessLog.Outcome.DENIED, user=desk).exists()

    response = client.post(REAUTH, {"password": PASSWORD, "next": url})
    assert response["Location"] == url
    pdf = client.get(url)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_the_reauth_page_returns_only_to_this_site(client_for, desk):
    client = client_for(desk)
    make_stale(client)
    response = client.post(REAUTH, {"password": PASSWORD, "next": "https://evil.example/x"})
    assert response["Location"] == "/"


def test_an_empty_password_is_refused_in_japanese(client_for, desk):
    response = client_for(desk).post(REAUTH, {"password": ""})
    assert "パスワードを入力してください。" in response.content.decode()


# ---------------------------------------------------------------- consent overrides


def _share_data(agency, **extra):
    data = {
        "agency": agency.pk,
        "scope": GrantScope.SUMMARY,
        "exemption_reason": "life",
        "note": "救急搬送の調整のため至急共有する",
    }
    data.update(extra)
    return data


def _field_value(html, name):
    match = re.search(rf'<textarea name="{name}"[^>]*>\s*([^<]*)</textarea>', html)
    return match.group(1).strip() if match else None


def test_a_fresh_session_shares_on_an_exemption_without_more(
    client_for, desk, desk_agency, outsider_agency
):
    case, _p, _s = make_case(desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    url = reverse("cases:case_share", kwargs={"pk": case.pk})
    assert 'name="reauth_password"' not in client.get(url).content.decode()

    response = client.post(url, _share_data(outsider_agency))

    assert response.status_code == 302
    assert AccessGrant.objects.filter(case=case, agency=outsider_agency, revoked_at=None).exists()


def test_a_stale_exemption_share_asks_for_the_password_and_keeps_the_input(
    client_for, desk, desk_agency, outsider_agency
):
    case, _p, _s = make_case(desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    make_stale(client)
    url = reverse("cases:case_share", kwargs={"pk": case.pk})
    assert 'name="reauth_password"' in client.get(url).content.decode()

    response = client.post(url, _share_data(outsider_agency))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "本人同意なしで共有するには、本人確認のためパスワードをもう一度入力してください。" in html
    )
    assert _field_value(html, "note") == "救急搬送の調整のため至急共有する"
    assert f'<option value="{outsider_agency.pk}" selected>' in html
    assert not AccessGrant.objects.filter(agency=outsider_agency).exists()

    response = client.post(url, _share_data(outsider_agency, reauth_password="wrong-password-1"))
    assert "パスワードが違います。" in response.content.decode()
    assert not AccessGrant.objects.filter(agency=outsider_agency).exists()

    response = client.post(url, _share_data(outsider_agency, reauth_password=PASSWORD))
    assert response.status_code == 302
    grant = AccessGrant.objects.get(agency=outsider_agency)
    assert grant.exemption_reason == "life"
    assert time.time() - client.session[security.FRESH_AT_KEY] < 60  # fresh again


def test_a_stale_share_with_consent_needs_no_password(
    client_for, desk, desk_agency, partner_agency
):
    from tests.factories_referrals import consent_for

    case, principal, _s = make_case(desk=desk, desk_agency=desk_agency)
    consent = consent_for(principal, [partner_agency], actor=desk)
    client = client_for(desk)
    make_stale(client)

    response = client.post(
        reverse("cases:case_share", kwargs={"pk": case.pk}),
        {"agency": partner_agency.pk, "scope": GrantScope.SUMMARY, "consent": consent.pk},
    )

    assert response.status_code == 302
    assert AccessGrant.objects.filter(agency=partner_agency, consent=consent).exists()


def _referral_data(case, principal, agency, **extra):
    data = {
        "case": case.pk,
        "to_agency": agency.pk,
        "persons": [principal.pk],
        "reason": "緊急の見守りが必要",
        "request": "今夜の訪問をお願いしたい",
        "scope": "summary",
        "consent": "",
        "exemption_reason": "life",
        "exemption_note": "命に関わる状況のため",
    }
    data.update(extra)
    return data


def test_a_stale_exemption_referral_asks_for_the_password_and_keeps_the_input(
    client_for, desk, desk_agency, outsider_agency
):
    case, principal, _s = make_case(desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    make_stale(client)
    url = reverse("referrals:referral_new") + f"?case={case.pk}"

    response = client.post(url, _referral_data(case, principal, outsider_agency))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "本人同意なしで共有するには、本人確認のためパスワードをもう一度入力してください。" in html
    )
    assert 'name="reauth_password"' in html
    assert "今夜の訪問をお願いしたい" in html and "命に関わる状況のため" in html
    assert not Referral.objects.exists()

    response = client.post(
        url, _referral_data(case, principal, outsider_agency, reauth_password=PASSWORD)
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.to_agency, referral.exemption_reason) == (outsider_agency, "life")


def test_a_fresh_exemption_referral_goes_straight_through(
    client_for, desk, desk_agency, outsider_agency
):
    case, principal, _s = make_case(desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    url = reverse("referrals:referral_new") + f"?case={case.pk}"
    assert 'name="reauth_password"' not in client.get(url).content.decode()

    response = client.post(url, _referral_data(case, principal, outsider_agency))

    assert response.status_code == 302
    assert Referral.objects.filter(to_agency=outsider_agency).exists()


def test_a_wrong_password_on_a_form_keeps_no_form_text_in_the_lockout_records(
    client_for, desk, desk_agency, outsider_agency
):
    from axes.models import AccessAttempt, AccessFailureLog

    case, _p, _s = make_case(desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    make_stale(client)
    client.post(
        reverse("cases:case_share", kwargs={"pk": case.pk}),
        _share_data(outsider_agency, reauth_password="wrong-password-1"),
    )

    attempt = AccessAttempt.objects.get(username="desk")
    assert attempt.failures_since_start == 1
    assert "救急搬送" not in attempt.post_data
    assert "wrong-password-1" not in attempt.post_data
    assert AccessFailureLog.objects.filter(username="desk").count() == 1
