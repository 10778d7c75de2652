"""Logging in and out, and that nothing but the login page, /healthz and static files
answers an anonymous visitor."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
LOGIN_URL = "/accounts/login/"
PUBLIC = {"accounts:login", "healthz"}


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
    response = client.post(LOGIN_URL, {"username": "desk", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "窓口 花子（架空町 ふくしの相談窓口）" in home.content.decode()
    assert "ログアウト" in home.content.decode()

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert client.get("/")["Location"] == f"{LOGIN_URL}?next=/"


def test_login_returns_to_the_page_asked_for(client, desk):
    response = client.post(
        f"{LOGIN_URL}?next=/households/",
        {"username": "desk", "password": PASSWORD, "next": "/households/"},
    )

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


SAMPLE = {IntConverter: "1", SlugConverter: "x", UUIDConverter: str(uuid.uuid4())}


def _named_routes(patterns=None, namespace=""):
    """(name, kwargs) for every named URL pattern, with sample values for its converters."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin has its own login page; tested below
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_routes(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            kwargs = {key: SAMPLE.get(type(conv), "x") for key, conv in converters.items()}
            yield f"{namespace}{entry.name}", kwargs


ROUTES = sorted(_named_routes(), key=lambda route: route[0])


def test_url_walk_covers_the_household_pages():
    names = {name for name, _ in ROUTES}
    assert {"home", "households:search", "households:detail", "accounts:logout"} <= names


@pytest.mark.parametrize(("name", "kwargs"), ROUTES, ids=[name for name, _ in ROUTES])
def test_every_page_needs_login(client, db, name, kwargs):
    url = reverse(name, kwargs=kwargs)

    response = client.get(url)

    if name in PUBLIC:
        assert response.status_code == 200
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN_URL}?next="), url


def test_admin_needs_login(client, db):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_healthz_and_static_are_public(client, db):
    assert client.get("/healthz").content == b"ok"
    assert client.get("/static/css/app.css").status_code == 200
