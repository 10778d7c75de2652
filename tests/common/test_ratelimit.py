"""Rate limits (common.ratelimit): the request over the limit gets a Japanese 429, other
users are not affected, a new window starts afresh, and every search page is limited.

The clock is common.ratelimit._now, replaced here; the limits are set per test (the test
settings keep them out of reach of the rest of the suite)."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from common import ratelimit as rl

MESSAGE = "短い時間に操作が集中したため、受け付けを一時的に止めています。"
WINDOW_START = 60 * 29_000_000  # a minute boundary (epoch seconds)

# Every page that searches or filters by typed text, sharing the "search" bucket.
SEARCH_URLS = [
    "households:search",
    "households:lookup",
    "households:access_log",
    "households:access_log_csv",
    "cases:case_list",
    "referrals:agency_list",
    "participation:opportunity_list",
    "participation:host_log_list",
    "outreach:target_list",
    "community:resource_list",
]


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(WINDOW_START + 5)
    monkeypatch.setattr(rl, "_now", clock)
    return clock


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _search(client, q="山田", **headers):
    return client.get(reverse("households:search"), {"q": q}, **headers)


# ---------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("60/m", (60, 60)),
        ("60", (60, 60)),  # a bare number counts per minute
        ("20/5m", (20, 300)),
        ("1000/h", (1000, 3600)),
        ("5/s", (5, 1)),
        ("10/d", (10, 86400)),
        ("0/m", (0, 0)),
        ("", (0, 0)),
        (None, (0, 0)),
    ],
)
def test_rates_are_read(rate, parsed):
    assert rl.parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["x/m", "60/w", "60/0m", "-1/m", "1.5/m"])
def test_bad_rates_are_refused(rate):
    with pytest.raises(ValueError):
        rl.parse_rate(rate)


def test_bad_key_or_rate_fails_at_import():
    with pytest.raises(ValueError):
        rl.ratelimit(scope="search", key="session")
    with pytest.raises(ValueError):
        rl.ratelimit(scope="search", rate="lots")
    with override_settings(RATELIMITS={"search": "60 per minute"}), pytest.raises(ValueError):
        rl.ratelimit(scope="search")


# ---------------------------------------------------------------- the search pages


@override_settings(RATELIMITS={"search": "3/m"})
def test_the_request_over_the_limit_gets_a_japanese_429(client_for, desk, clock):
    client = client_for(desk)
    for _ in range(3):
        assert _search(client).status_code == 200

    response = _search(client)

    assert response.status_code == 429
    html = response.content.decode()
    assert MESSAGE in html
    assert "55秒ほど待ってから" in html  # the window ends 55 s later
    assert response["Retry-After"] == "55"
    assert '<html lang="ja">' in html
    assert "<script" not in html and "style=" not in html  # CSP: nothing inline
    assert "山田" not in html  # nothing of the search is answered


@override_settings(RATELIMITS={"search": "2/m"})
def test_other_users_are_not_affected(client_for, desk, coordinator, partner, clock):
    client = client_for(desk)
    _search(client), _search(client)
    assert _search(client).status_code == 429

    assert _search(client_for(coordinator)).status_code == 200
    assert _search(client_for(partner)).status_code == 200
    assert _search(client_for(desk)).status_code == 429  # still desk's window


@override_settings(RATELIMITS={"search": "2/m"})
def test_a_new_window_starts_afresh(client_for, desk, clock):
    client = client_for(desk)
    _search(client), _search(client)
    assert _search(client).status_code == 429

    clock.now = WINDOW_START + 59.5
    assert _search(client).status_code == 429
    assert _search(client)["Retry-After"] == "1"

    clock.now = WINDOW_START + 60  # the next minute
    assert _search(client).status_code == 200
    assert _search(client).status_code == 200
    assert _search(client).status_code == 429


@override_settings(RATELIMITS={"search": "2/m"})
def test_htmx_gets_a_fragment_with_the_message(client_for, desk, clock):
    client = client_for(desk)
    lookup = reverse("households:lookup")
    client.get(lookup, {"q": "ヤマダ"}), client.get(lookup, {"q": "ヤマダ"})

    response = client.get(lookup, {"q": "ヤマダ"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 429
    html = response.content.decode()
    assert MESSAGE in html
    assert "<html" not in html and "<body" not in html
    assert html.strip().startswith('<div class="form-errors" role="alert">')


def test_base_layout_lets_htmx_show_a_429(client_for, desk):
    """htmx does not swap 4xx answers unless told to: base.html says so for 429."""
    import json
    import re

    html = client_for(desk).get(reverse("households:search")).content.decode()
    config = json.loads(re.search(r'name="htmx-config" content=\'([^\']+)\'', html).group(1))
    rules = config["responseHandling"]
    first_429 = next(r for r in rules if re.fullmatch(r["code"], "429"))
    assert first_429["swap"] is True and first_429.get("error") is False
    assert next(r for r in rules if re.fullmatch(r["code"], "404"))["swap"] is False


@override_settings(RATELIMITS={"search": "3/m"})
def test_the_search_pages_share_one_bucket(client_for, desk, clock):
    client = client_for(desk)
    assert _search(client).status_code == 200
    assert client.get(reverse("cases:case_list"), {"q": "佐藤"}).status_code == 200
    assert client.get(reverse("referrals:agency_list"), {"q": "包括"}).status_code == 200

    assert client.get(reverse("participation:opportunity_list")).status_code == 429


@override_settings(RATELIMITS={"search": "1/m"})
@pytest.mark.parametrize("name", SEARCH_URLS)
def test_every_search_page_is_limited(client_for, desk, clock, name):
    client = client_for(desk)
    client.get(reverse(name), {"q": "山田"})

    response = client.get(reverse(name), {"q": "山田"})

    assert response.status_code == 429, name
    assert MESSAGE in response.content.decode()


@override_settings(RATELIMITS={"search": "0/m"})
def test_a_zero_rate_switches_the_limit_off(client_for, desk, clock):
    client = client_for(desk)
    for _ in range(5):
        assert _search(client).status_code == 200


@override_settings(RATELIMITS={"search": "1/m"})
def test_anonymous_visitors_meet_the_login_wall_first(client, db, clock):
    """LoginRequiredMiddleware answers before the view: the login redirect, never 429."""
    for _ in range(3):
        response = client.get(reverse("households:search"))
        assert response.status_code == 302


# ---------------------------------------------------------------- per address (login)


def _view():
    @rl.ratelimit(key="ip", scope="login", methods=("POST",))
    def login_like(request):
        return HttpResponse("ok")

    return login_like


@override_settings(RATELIMITS={"login": "2/m"}, BEHIND_PROXY=False)
def test_per_address_limit_counts_only_the_listed_methods(clock, db):
    view, factory = _view(), RequestFactory()

    for _ in range(5):
        assert view(factory.get("/", REMOTE_ADDR="192.0.2.1")).status_code == 200
    assert view(factory.post("/", REMOTE_ADDR="192.0.2.1")).status_code == 200
    assert view(factory.post("/", REMOTE_ADDR="192.0.2.1")).status_code == 200
    refused = view(factory.post("/", REMOTE_ADDR="192.0.2.1"))

    assert refused.status_code == 429
    assert MESSAGE in refused.content.decode()
    assert view(factory.post("/", REMOTE_ADDR="192.0.2.2")).status_code == 200


@override_settings(RATELIMITS={"login": "1/m"}, BEHIND_PROXY=True)
def test_behind_the_proxy_the_address_it_appended_counts(clock, db):
    view, factory = _view(), RequestFactory()

    def post(forwarded):
        return view(factory.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded))

    assert post("203.0.113.9").status_code == 200
    # The client cannot escape by sending its own X-Forwarded-For entries first.
    assert post("198.51.100.1, 203.0.113.9").status_code == 429
    assert post("203.0.113.10").status_code == 200


@override_settings(RATELIMITS={"login": "1/m"}, BEHIND_PROXY=False)
def test_the_clients_own_forwarded_header_is_ignored_without_a_proxy(clock, db):
    view, factory = _view(), RequestFactory()

    assert view(factory.post("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="1.1.1.1"))
    refused = view(factory.post("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="2.2.2.2"))

    assert refused.status_code == 429


@override_settings(RATELIMITS={"login": "3/m"}, BEHIND_PROXY=False)
def test_login_posts_are_limited_per_address(client, clock, db):
    from tests.factories import UserFactory

    UserFactory(username="someone")
    url = reverse("accounts:login")
    for attempt in range(3):
        response = client.post(url, {"username": f"nobody{attempt}", "password": "x" * 12})
        assert response.status_code == 200  # the form again, with its error
    response = client.post(url, {"username": "someone", "password": "y" * 12})
    assert response.status_code == 429
    assert "受け付けを一時的に止めています" in response.content.decode()
    assert client.get(url).status_code == 200  # reading the page is not limited
