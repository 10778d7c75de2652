"""Two-factor authentication (django-otp) for every user: enrolment with a QR code and
recovery codes, the code step after the password, single-use recovery codes, the
administrator's reset (of users without membership), and regenerating recovery codes
from the account page."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog, ActionLog
from tests.auth_helpers import current_code, login_verified, make_stale, totp_device_for
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
LOGIN_URL = "/accounts/login/"
VERIFY_URL = "/accounts/2fa/"
SETUP_URL = "/accounts/2fa/setup/"


def _password_step(client, username, next_url="/"):
    response = client.post(
        LOGIN_URL, {"username": username, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def _codes_from(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)


# ---------------------------------------------------------------- enforcement


def test_after_the_password_every_page_waits_for_the_second_factor(client, desk, db):
    response = _password_step(client, "desk", "/households/")
    assert response["Location"] == f"{SETUP_URL}?next=%2Fhouseholds%2F"  # no device yet

    for url in ["/", "/households/", reverse("cases:case_list"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{SETUP_URL}?next="), url
    # Still open: the 2FA pages, logout, healthz.
    assert client.get(SETUP_URL).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_user_with_an_authenticator_is_asked_for_its_code(client, desk):
    totp_device_for(desk)
    _password_step(client, "desk")

    response = client.get("/households/")

    assert response["Location"] == f"{VERIFY_URL}?next=%2Fhouseholds%2F"
    # No menu or personal data before the second step.
    html = client.get(VERIFY_URL).content.decode()
    assert "2段階認証" in html
    assert 'class="pillars"' not in html
    assert "窓口 花子" not in html
    # htmx requests are redirected by header, not swapped into the page.
    response = client.get("/households/", HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"].startswith(VERIFY_URL)


# ---------------------------------------------------------------- enrolment


def test_enrolment_shows_a_qr_code_and_the_key_then_ten_recovery_codes(client, desk):
    _password_step(client, "desk")

    page = client.get(SETUP_URL)
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=desk, confirmed=False)
    assert "<svg" in html and "</svg>" in html
    assert "style=" not in html  # the strict CSP allows no style attribute
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)
    import base64

    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    # Reloading keeps the same key (the app may already have scanned it).
    assert secret in client.get(SETUP_URL).content.decode()
    assert TOTPDevice.objects.filter(user=desk).count() == 1

    response = client.post(SETUP_URL, {"code": "000000", "next": "/"})
    if response.status_code == 302:  # 1 in a million: 000000 was the right code
        pytest.skip("the random key's current code was 000000")
    assert "確認コードが違います。" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()

    response = client.post(SETUP_URL, {"code": current_code(device), "next": "/"})

    assert response["Location"] == "/accounts/2fa/recovery-codes/?next=%2F"
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get(response["Location"]).content.decode()
    codes = _codes_from(codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "この画面で一度だけ表示されます" in codes_page
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=desk).values_list("token", flat=True)
    )
    # Shown once: the page is gone after that.
    assert client.get("/accounts/2fa/recovery-codes/")["Location"] == reverse("accounts:security")
    assert client.get("/").status_code == 200
    assert ActionLog.objects.filter(action="accounts.user.two_factor_enrolled").count() == 1


def test_a_confirmed_authenticator_cannot_be_replaced_by_enrolling_again(client, desk):
    device = totp_device_for(desk)
    _password_step(client, "desk")

    response = client.get(SETUP_URL)

    assert response["Location"].startswith(VERIFY_URL)
    response = client.post(SETUP_URL, {"code": current_code(device)})
    assert response["Location"].startswith(VERIFY_URL)
    assert list(TOTPDevice.objects.filter(user=desk)) == [device]


def test_enrolment_codes_are_checked_in_japanese(client, desk):
    _password_step(client, "desk")
    response = client.post(SETUP_URL, {"code": "12ab"})
    assert "6桁の数字を入力してください。" in response.content.decode()
    response = client.post(SETUP_URL, {"code": ""})
    assert "確認コードを入力してください。" in response.content.decode()


# ---------------------------------------------------------------- the code step


def test_a_wrong_code_is_refused_and_logged(client, desk):
    device = totp_device_for(desk)
    _password_step(client, "desk")
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY_URL, {"code": wrong, "next": "/"})

    assert response.status_code == 200
    assert "確認コードが違います。" in response.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY_URL)
    assert AccessLog.objects.filter(
        outcome=AccessLog.Outcome.DENIED, user=desk, detail="2fa failed"
    ).exists()


@override_settings(OTP_TOTP_THROTTLE_FACTOR=600)
def test_wrong_codes_slow_down_guessing(client, desk):
    device = totp_device_for(desk)
    _password_step(client, "desk")
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    client.post(VERIFY_URL, {"code": wrong})

    response = client.post(VERIFY_URL, {"code": current_code(device)})

    assert "確認コードを続けて間違えたため、しばらく入力できません。" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_code_works_once(client, desk):
    device = totp_device_for(desk)
    code = current_code(device)
    _password_step(client, "desk")
    assert client.post(VERIFY_URL, {"code": code})["Location"] == "/"

    other = Client()
    _password_step(other, "desk")
    response = other.post(VERIFY_URL, {"code": code})

    assert response.status_code == 200
    assert other.get("/").status_code == 302


def test_codes_may_be_typed_with_spaces_or_full_width_digits(client, desk):
    device = totp_device_for(desk)
    _password_step(client, "desk")
    code = current_code(device)
    typed = code[:3] + " " + code[3:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    assert client.post(VERIFY_URL, {"code": typed})["Location"] == "/"


def test_a_recovery_code_works_once(client, desk):
    totp_device_for(desk)
    static = StaticDevice.objects.create(user=desk, name="回復コード", confirmed=True)
    static.token_set.create(token="abcd2345")
    static.token_set.create(token="wxyz6777")

    _password_step(client, "desk")
    response = client.post(VERIFY_URL, {"code": "ABCD-2345", "next": "/"})

    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "回復コードでログインしました（残り1個）" in page
    assert list(static.token_set.values_list("token", flat=True)) == ["wxyz6777"]
    assert ActionLog.objects.filter(action="accounts.user.recovery_code_used").exists()

    client.post(reverse("accounts:logout"))
    _password_step(client, "desk")
    static.throttle_reset()
    response = client.post(VERIFY_URL, {"code": "abcd2345"})
    assert response.status_code == 200
    assert "確認コードが違います。" in response.content.decode()
    assert client.get("/").status_code == 302


def test_the_next_page_must_be_on_this_site(client, desk):
    device = totp_device_for(desk)
    _password_step(client, "desk")
    response = client.post(
        VERIFY_URL, {"code": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


# ---------------------------------------------------------------- administrator reset


def test_an_administrator_resets_another_administrators_2fa(admin_user):
    """A user with no membership; a member's 2FA is their agency's manager's to reset
    (tests/accounts/test_admin_impersonation.py)."""
    other = UserFactory(username="admin2", is_staff=True, display_name="管理 二")
    totp_device_for(other)
    StaticDevice.objects.create(user=other, name="回復コード", confirmed=True)
    other_client = login_verified(Client(), other)
    other_session = other_client.session.session_key
    admin = login_verified(Client(), admin_user)

    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [other.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=other).exists()
    assert not StaticDevice.objects.filter(user=other).exists()
    # The user's sessions end; the administrator's do not.
    assert not Session.objects.filter(session_key=other_session).exists()
    assert other_client.get("/")["Location"].startswith(LOGIN_URL)
    assert admin.get("/admin/").status_code == 200
    log = ActionLog.objects.get(action="accounts.user.two_factor_reset")
    assert (log.actor, log.object_id) == (admin_user, str(other.pk))
    # At the next login the user enrols again.
    fresh = Client()
    assert _password_step(fresh, "admin2")["Location"].startswith(SETUP_URL)


def test_the_admin_shows_no_2fa_secrets(admin_user, desk):
    device = totp_device_for(desk)
    admin = login_verified(Client(), admin_user)
    html = admin.get(reverse("admin:accounts_user_change", args=[desk.pk])).content.decode()
    assert device.key not in html
    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_only_staff_reach_the_reset(client_for, desk, coordinator):
    totp_device_for(coordinator)
    client = client_for(desk)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [coordinator.pk]},
    )
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=coordinator).exists()


# ---------------------------------------------------------------- the account page


def test_the_account_page_needs_the_password_again(client_for, desk):
    client = client_for(desk)
    make_stale(client)

    response = client.get(reverse("accounts:security"))

    assert response["Location"] == "/accounts/reauth/?next=%2Faccounts%2Fsecurity%2F"
    response = client.post(
        "/accounts/reauth/", {"password": PASSWORD, "next": "/accounts/security/"}
    )
    assert response["Location"] == "/accounts/security/"
    html = client.get("/accounts/security/").content.decode()
    assert "2段階認証" in html and "回復コードを作り直す" in html


def test_recovery_codes_are_regenerated_and_the_old_ones_stop(client_for, desk):
    client = client_for(desk)
    StaticDevice.objects.create(user=desk, name="回復コード", confirmed=True).token_set.create(
        token="oldcode2"
    )

    response = client.post(reverse("accounts:recovery_codes_regenerate"))

    assert response["Location"].startswith("/accounts/2fa/recovery-codes/")
    codes = _codes_from(client.get(response["Location"]).content.decode())
    assert len(codes) == 10
    tokens = set(StaticToken.objects.filter(device__user=desk).values_list("token", flat=True))
    assert tokens == set(codes)
    assert "oldcode2" not in tokens
    assert ActionLog.objects.filter(action="accounts.user.recovery_codes_generated").exists()


def test_regenerating_with_a_stale_password_changes_nothing(client_for, desk):
    client = client_for(desk)
    StaticDevice.objects.create(user=desk, name="回復コード", confirmed=True).token_set.create(
        token="oldcode2"
    )
    make_stale(client)

    response = client.post(
        reverse("accounts:recovery_codes_regenerate"),
        HTTP_REFERER="http://testserver/accounts/security/",
    )

    assert (
        response["Location"]
        == "/accounts/reauth/?next=http%3A%2F%2Ftestserver%2Faccounts%2Fsecurity%2F"
    )
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["oldcode2"]
