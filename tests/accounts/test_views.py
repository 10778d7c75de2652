"""Logging in and out, and that nothing but the login page, /healthz, the site's icon
and static files answers an anonymous visitor."""

from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse

from tests.auth_helpers import current_code, totp_device_for
from tests.factories import UserFactory
from tests.url_walk import all_routes

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
LOGIN_URL = "/accounts/login/"
# The public pages and what they first answer an anonymous GET (the icon: its static file).
PUBLIC = {"accounts:login": 200, "healthz": 200, "favicon": 301}


def test_login_page_is_in_japanese(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "<title>ログイン | 重層的支援 相談記録</title>" in html
    assert '<label for="id_username">ユーザー名</label>' in html
    assert '<label for="id_password">パスワード</label>' in html
    assert '<button type="submit" class="primary">ログイン</button>' in html


def test_login_and_logout(client, desk):
    device = totp_device_for(desk)

    response = client.post(LOGIN_URL, {"username": "desk", "password": PASSWORD})

    # The password is the first step; the authenticator code is the second.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/?next=%2F"
    assert client.get("/")["Location"] == "/accounts/2fa/?next=%2F"
    response = client.post("/accounts/2fa/", {"code": current_code(device), "next": "/"})
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert (
        '窓口 花子<span class="agency">（架空町 ふくしの相談窓口）</span>' in home.content.decode()
    )
    assert "ログアウト" in home.content.decode()

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert client.get("/")["Location"] == f"{LOGIN_URL}?next=/"


def test_login_returns_to_the_page_asked_for(client, desk):
    device = totp_device_for(desk)

    response = client.post(
        f"{LOGIN_URL}?next=/households/",
        {"username": "desk", "password": PASSWORD, "next": "/households/"},
    )
    assert response["Location"] == "/accounts/2fa/?next=%2Fhouseholds%2F"
    response = client.post("/accounts/2fa/", {"code": current_code(device), "next": "/households/"})

    assert response["Location"] == "/households/"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "desk", "password": "wrong-password-123"}, "ユーザー名またはパスワードが違います。"),
        ({"username": "nobody", "password": PASSWORD}, "ユーザー名またはパスワードが違います。"),
        ({"username": "", "password": PASSWORD}, "ユーザー名を入力してください。"),
        ({"username": "desk", "password": ""}, "パスワードを入力してください。"),
    ],
)  # fmt: skip
def test_bad_login_is_refused_in_japanese(client, desk, data, message):
    response = client.post(LOGIN_URL, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_user_cannot_log_in(client, db):
    UserFactory(username="gone", is_active=False)

    response = client.post(LOGIN_URL, {"username": "gone", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client_for, desk):
    client = client_for(desk)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get("/").status_code == 200


# Where an anonymous visitor may end up: the application's login (the admin's login
# hands over to it, for lockout and 2FA) or the admin's own, should it come back.
LOGIN_PAGES = {LOGIN_URL, "/admin/login/"}
REDIRECTS = (301, 302, 303, 307, 308)
ROUTES = sorted(((label, url) for label, url, _ in all_routes()), key=lambda r: r[0])


def test_url_walk_covers_every_pattern():
    """Every pattern is walked (the admin and unnamed patterns too), each sample URL
    reaches the pattern it was made from, and the labels are unique."""
    walked = list(all_routes())
    labels = [label for label, _url, _entry in walked]
    assert len(labels) == len(set(labels))
    for label, url, entry in walked:
        assert resolve(url).func == entry.callback, (label, url)
    names = set(labels)
    assert {"home", "households:search", "households:detail", "accounts:logout"} <= names
    assert {"admin:index", "admin:accounts_user_change", "admin:app_list"} <= names
    assert any(url.startswith("/admin/") and "None" not in label for label, url in ROUTES)


def _anonymous_outcome(client, method, url):
    """Follow redirects (GET, as a browser does) and return (first status, final
    status, final path)."""
    response = client.get(url) if method == "get" else client.post(url)
    first, path = response.status_code, urlsplit(url).path
    for _hop in range(5):
        if response.status_code not in REDIRECTS:
            break
        location = response["Location"]
        path = urlsplit(location).path
        response = client.get(location)
    return first, response.status_code, path


@pytest.mark.parametrize(("name", "url"), ROUTES, ids=[name for name, _ in ROUTES])
def test_every_page_needs_login(client, db, name, url):
    """Anonymous: the public pages answer; anything else ends on a login page (after
    redirects) or is 404/405, never a page with content. GET and POST alike."""
    for method in ("get", "post"):
        first, final, path = _anonymous_outcome(client, method, url)
        if name in PUBLIC:
            if method == "get":
                assert first == PUBLIC[name], (url, first)
            assert final < 500, (method, url, final)
            continue
        assert first != 200, (method, url)
        if first in REDIRECTS:
            assert path in LOGIN_PAGES and final == 200, (method, url, path, final)
        else:
            assert first in (404, 405), (method, url, first)


def test_admin_needs_login(client, db):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    # The admin's own login page hands over to the application's login (lockout, 2FA).
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2F"


def test_healthz_and_static_are_public(client, db):
    assert client.get("/healthz").content == b"ok"
    assert client.get("/static/css/app.css").status_code == 200
