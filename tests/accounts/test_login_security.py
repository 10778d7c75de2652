"""Login lockout (django-axes: 5 failures of one username from one address lock that
pair for 15 minutes), the audit of failed logins, the admin site's login going through
ours, and passwords (12 characters at least, a Japanese change page)."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, ActionLog
from common.ratelimit import client_ip
from tests.auth_helpers import current_code, login_verified, make_stale, totp_device_for

PASSWORD = "correct-horse-battery"
LOGIN_URL = "/accounts/login/"
LOCKED = "ログインに続けて失敗したため、このアカウントはこの端末から15分間ログインできません。"
WRONG = "ユーザー名またはパスワードが違います。"


def _post(client, username, password, ip="192.0.2.10"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail(client, n, username="desk", ip="192.0.2.10"):
    return [_post(client, username, "wrong-password-123", ip) for _ in range(n)]


def test_five_failures_lock_the_username_and_address(client, desk):
    responses = _fail(client, 5)

    for response in responses[:4]:
        assert response.status_code == 200
        assert WRONG in response.content.decode()
    locked = responses[4]
    assert locked.status_code == 429
    html = locked.content.decode()
    assert LOCKED in html
    # The lockout is the login page, in Japanese, not a bare error page.
    assert "<title>ログイン | 重層的支援 相談記録</title>" in html
    assert 'name="username"' in html

    # Even the right password is refused while locked.
    response = _post(client, "desk", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    attempt = AccessAttempt.objects.get(username="desk", ip_address="192.0.2.10")
    assert attempt.failures_since_start >= 5
    assert AccessFailureLog.objects.filter(username="desk").count() >= 5
    assert AccessFailureLog.objects.filter(username="desk", locked_out=True).exists()


def test_the_lock_holds_only_that_username_from_that_address(client, desk, coordinator):
    _fail(client, 5)

    # The same user from another address, and another user from the same address.
    assert _post(client, "desk", PASSWORD, ip="198.51.100.7").status_code == 302
    client.post(reverse("accounts:logout"))
    assert _post(client, "coordinator", PASSWORD).status_code == 302


def test_the_lock_ends_after_15_minutes(client, desk):
    _fail(client, 5)
    assert _post(client, "desk", PASSWORD).status_code == 429

    AccessAttempt.objects.filter(username="desk").update(
        attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=5)
    )

    response = _post(client, "desk", PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
    # A successful login clears the failures (AXES_RESET_ON_SUCCESS).
    assert not AccessAttempt.objects.filter(username="desk").exists()


def test_a_success_resets_the_count(client, desk):
    _fail(client, 4)
    assert _post(client, "desk", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    responses = _fail(client, 4)

    assert all(r.status_code == 200 for r in responses)
    assert _post(client, "desk", PASSWORD).status_code == 302


def test_a_failed_login_is_in_the_access_log(client, desk):
    _post(client, "desk", "wrong-password-123")
    _post(client, "nobody", "wrong-password-123")

    rows = list(AccessLog.objects.filter(outcome=AccessLog.Outcome.DENIED).order_by("pk"))
    assert [(r.object_type, r.object_id, r.detail, r.path) for r in rows] == [
        ("accounts.user", str(desk.pk), "login failed: desk", LOGIN_URL),
        ("accounts.user", "", "login failed: nobody", LOGIN_URL),
    ]
    assert all(r.user is None for r in rows)
    # The password typed is never stored.
    assert "wrong-password-123" not in str(
        list(AccessAttempt.objects.values_list("post_data", flat=True))
    )


def test_the_lockout_is_logged(client, desk):
    _fail(client, 5)

    assert AccessLog.objects.filter(
        outcome=AccessLog.Outcome.DENIED, detail="login locked out: desk"
    ).exists()


def test_a_locked_out_reauthentication_logs_the_user_out(client, desk):
    login_verified(client, desk)
    make_stale(client)
    for _ in range(4):
        response = client.post(
            reverse("accounts:reauth"), {"password": "wrong-password-123", "next": "/"}
        )
        assert response.status_code == 200
        assert "パスワードが違います。" in response.content.decode()

    response = client.post(reverse("accounts:reauth"), {"password": "wrong-password-123"})

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/")["Location"] == f"{LOGIN_URL}?next=/"


@override_settings(BEHIND_PROXY=True)
def test_behind_the_proxy_the_address_is_the_one_it_appended(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "203.0.113.5"


def test_directly_the_address_is_the_peer(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="10.9.9.9", REMOTE_ADDR="192.0.2.1")
    assert client_ip(request) == "192.0.2.1"


# ---------------------------------------------------------------- the admin site's login


def test_the_admin_login_page_hands_over_to_ours(client, db):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2Faccounts%2Fuser%2F"

    # Posting a password to the admin's login does not log in (nor bypass the lockout).
    response = client.post(
        "/admin/login/", {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session

    # An outside address is not followed.
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2F"


def test_an_administrator_logs_in_with_password_and_code(client, admin_user):
    device = totp_device_for(admin_user)
    response = client.get("/admin/")
    response = client.get(response["Location"])  # /admin/login/ -> ours
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2F"

    response = client.post(
        LOGIN_URL, {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/accounts/2fa/?next=%2Fadmin%2F"
    # Between password and code, the admin is closed too.
    assert client.get("/admin/")["Location"] == "/accounts/2fa/?next=%2Fadmin%2F"
    response = client.post("/accounts/2fa/", {"code": current_code(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"

    assert client.get("/admin/").status_code == 200


def test_the_admin_login_is_locked_out_like_ours(client, admin_user):
    for _ in range(5):
        client.post(
            LOGIN_URL, {"username": "admin", "password": "nope-nope-nope", "next": "/admin/"}
        )
    response = client.post(
        LOGIN_URL, {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_member_who_is_not_staff_is_told_the_admin_is_not_theirs(client_for, desk):
    client = client_for(desk)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "管理サイトを使う権限がありません。" in response.content.decode()


# ---------------------------------------------------------------- passwords


def test_the_validators_refuse_11_characters():
    with pytest.raises(ValidationError) as exc:
        password_validation.validate_password("kx9!mq2#vb7")
    assert any("12" in m for m in exc.value.messages)
    password_validation.validate_password("kx9!mq2#vb7z")


def _change(client, old, new1, new2=None):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_the_password_change_page_is_japanese(client_for, desk):
    html = client_for(desk).get(reverse("accounts:password_change")).content.decode()
    assert "<title>パスワードの変更 | 重層的支援 相談記録</title>" in html
    assert '<label for="id_old_password">現在のパスワード</label>' in html
    assert '<label for="id_new_password1">新しいパスワード</label>' in html


def test_an_11_character_password_is_refused(client_for, desk):
    client = client_for(desk)

    response = _change(client, PASSWORD, "kx9!mq2#vb7")

    assert response.status_code == 200
    assert "このパスワードは短すぎます。最低 12 文字以上必要です。" in response.content.decode()
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)


def test_a_wrong_current_password_is_refused(client_for, desk):
    response = _change(client_for(desk), "not-my-password-1", "kx9!mq2#vb7zz")

    assert "現在のパスワードが違います。" in response.content.decode()
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)
    assert AccessLog.objects.filter(outcome=AccessLog.Outcome.DENIED, user=desk).exists()


def test_mismatched_new_passwords_are_refused(client_for, desk):
    response = _change(client_for(desk), PASSWORD, "kx9!mq2#vb7zz", "kx9!mq2#vb7zy")

    assert "新しいパスワードが一致しません。" in response.content.decode()


def test_a_password_change_keeps_this_session_and_ends_the_others(client_for, desk, client):
    from django.test import Client

    other = login_verified(Client(), desk)
    mine = client_for(desk)

    response = _change(mine, PASSWORD, "kx9!mq2#vb7zz")

    assert response["Location"] == reverse("accounts:security")
    desk.refresh_from_db()
    assert desk.check_password("kx9!mq2#vb7zz")
    assert mine.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert ActionLog.objects.filter(
        action="accounts.user.password_changed", object_id=str(desk.pk)
    ).exists()


def test_the_lockout_records_keep_no_password_from_the_change_form(client_for, desk):
    _change(client_for(desk), "not-my-password-1", "kx9!mq2#vb7zz")

    attempt = AccessAttempt.objects.get(username="desk")
    assert "not-my-password-1" not in attempt.post_data
    assert "kx9!mq2#vb7zz" not in attempt.post_data
