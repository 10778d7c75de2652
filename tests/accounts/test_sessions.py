"""Sessions: 30 minutes idle, 12 hours at most after login, ended on the server at
logout, and gone when the user is deactivated."""

import datetime as dt
import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import security, services
from tests.auth_helpers import login_verified

LOGIN_URL = "/accounts/login/"


def _set(client, key, value):
    session = client.session
    session[key] = value
    session.save()


def test_the_idle_timeout_is_30_minutes(client_for, desk):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = client_for(desk)
    client.get("/")
    row = Session.objects.get(session_key=client.session.session_key)
    remaining = (row.expire_date - timezone.now()).total_seconds()
    assert 29 * 60 < remaining <= 30 * 60


def test_activity_slides_the_idle_deadline_with_one_write_a_minute(client_for, desk, settings):
    """Requests within SESSION_REFRESH_SECONDS of the last save leave the session row
    alone; the first one after it moves the deadline forward."""
    from config.settings import SESSION_REFRESH_SECONDS

    assert SESSION_REFRESH_SECONDS == 60  # the default (tests/conftest.py raises it)
    settings.SESSION_REFRESH_SECONDS = 60
    client = client_for(desk)
    client.get("/")
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date == first  # not rewritten
    # The last save was 61 seconds ago: the next request slides the deadline.
    _set(client, security.SEEN_AT_KEY, time.time() - 61)
    Session.objects.filter(session_key=key).update(expire_date=first)
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date > first
    # And a session last saved 31 minutes ago has expired on the server.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.get("/").status_code == 302


def test_a_session_ends_12_hours_after_login(client_for, desk):
    client = client_for(desk)
    key = client.session.session_key
    _set(client, security.LOGIN_AT_KEY, time.time() - 12 * 3600 - 5)

    response = client.get("/households/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/households/"
    assert not Session.objects.filter(session_key=key).exists()
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "ログインから12時間が経過したため、ログアウトしました。" in page


def test_activity_does_not_extend_the_12_hours(client_for, desk):
    client = client_for(desk)
    _set(client, security.LOGIN_AT_KEY, time.time() - 11 * 3600 - 59 * 60)

    assert client.get("/").status_code == 200  # 11:59 after login: still in
    login_at = client.session[security.LOGIN_AT_KEY]
    assert time.time() - login_at > 11 * 3600  # the request did not move the login time


def test_a_session_without_a_login_time_is_ended(client_for, desk):
    client = client_for(desk)
    session = client.session
    del session[security.LOGIN_AT_KEY]
    session.save()

    assert client.get("/")["Location"] == f"{LOGIN_URL}?next=/"


def test_logout_deletes_the_session_row(client_for, desk):
    client = client_for(desk)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()

    client.post(reverse("accounts:logout"))

    assert not Session.objects.filter(session_key=key).exists()
    # The old cookie value is worth nothing.
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = key
    assert stale.get("/")["Location"] == f"{LOGIN_URL}?next=/"


def test_login_changes_the_session_key(client, desk):
    client.get(LOGIN_URL)
    client.session.save()
    before = client.session.session_key
    client.post(LOGIN_URL, {"username": "desk", "password": "correct-horse-battery"})
    assert client.session.session_key != before


def test_deactivating_a_user_ends_their_sessions_only(desk, coordinator, admin_user):
    desk_client = login_verified(Client(), desk)
    desk_key = desk_client.session.session_key
    other = login_verified(Client(), coordinator)

    services.user_deactivate(actor=admin_user, user=desk)

    assert not Session.objects.filter(session_key=desk_key).exists()
    assert desk_client.get("/")["Location"] == f"{LOGIN_URL}?next=/"
    assert other.get("/").status_code == 200


def test_a_user_deactivated_behind_the_services_back_is_logged_out(client_for, desk):
    client = client_for(desk)
    key = client.session.session_key
    type(desk).objects.filter(pk=desk.pk).update(is_active=False)

    response = client.get("/")

    assert response["Location"] == f"{LOGIN_URL}?next=/"
    assert not Session.objects.filter(session_key=key).exists()


def test_ending_sessions_clears_them_from_the_cache_too(desk, coordinator, settings):
    """With SESSION_STORE=cached_db a session is read from the cache: ending a user's
    sessions (password or 2FA reset, deactivation) must remove it there as well, or the
    old cookie would still open pages until the cache entry expired."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    from accounts.sessions import end_sessions

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    desk_client = login_verified(Client(), desk)
    key = desk_client.session.session_key
    other = login_verified(Client(), coordinator)
    assert desk_client.get("/").status_code == 200
    assert SessionStore(session_key=key).exists(key)

    assert end_sessions(desk) == 1

    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(session_key=key).load() == {}  # nothing left in the cache either
    assert desk_client.get("/")["Location"] == f"{LOGIN_URL}?next=/"
    assert other.get("/").status_code == 200
