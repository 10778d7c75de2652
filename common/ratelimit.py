"""Rate limits, counted in the Django cache (Redis in production, in-process otherwise).

    @ratelimit(scope="search")                                  # per user, settings rate
    @ratelimit(key="ip", scope="login", methods=("POST",))      # per client address

A scope's rate comes from settings.RATELIMITS[scope] (e.g. "60/m", "20/m", "1000/h";
"0/m" or an empty string switches the limit off) unless the decorator names one. Every
view with the same scope shares one bucket per user (or address), so the search pages
together allow 60 searches a minute to one user.

Counting is a fixed window: the key holds the window's number, cache.add() starts it at
1 and cache.incr() counts on atomically (both are atomic in Redis and in the locmem
cache). The request over the limit gets HTTP 429 with a Japanese page, or for an htmx
request a small fragment with the same message (base.html lets htmx swap 429s in), and
Retry-After says when the window ends.
"""

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}
KEYS = ("user", "ip")


def _now() -> float:
    """The clock (tests replace it to move between windows)."""
    return time.time()


def parse_rate(rate: str | None) -> tuple[int, int]:
    """'60/m' -> (60 requests, 60 seconds); '100/5m' -> (100, 300). (0, 0) = no limit."""
    if not rate:
        return 0, 0
    count, _slash, period = str(rate).strip().partition("/")
    period = period.strip() or "m"
    unit = period[-1]
    if not count.strip().isdigit() or unit not in UNITS:
        raise ValueError(f"bad rate {rate!r}: use e.g. '60/m', '20/5m', '1000/h'")
    multiplier = period[:-1].strip() or "1"
    if not multiplier.isdigit() or int(multiplier) < 1:
        raise ValueError(f"bad rate {rate!r}: use e.g. '60/m', '20/5m', '1000/h'")
    limit = int(count)
    return (limit, int(multiplier) * UNITS[unit]) if limit else (0, 0)


def configured_rate(scope: str) -> str:
    return getattr(settings, "RATELIMITS", {}).get(scope, "")


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind our reverse proxy (DJANGO_BEHIND_PROXY) the address the
    proxy appended last to X-Forwarded-For (earlier entries come from the client).
    django-axes uses it too (AXES_CLIENT_IP_CALLABLE), so lockouts and rate limits
    count the same address."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if parts:
            return parts[-1]
    return request.META.get("REMOTE_ADDR", "")


def _identity(request, key: str) -> str:
    if key == "user":
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"  # key="ip", or an anonymous visitor


def hit(request, *, scope: str, key: str = "user", rate: str | None = None) -> int | None:
    """Count one request of this user (or address) in scope. Returns None while within
    the limit, or the seconds until the window ends once over it."""
    if key not in KEYS:
        raise ValueError(f"ratelimit key must be one of {KEYS}, not {key!r}")
    limit, period = parse_rate(configured_rate(scope) if rate is None else rate)
    if not limit:
        return None
    now = _now()
    window = int(now // period)
    who = hashlib.sha256(_identity(request, key).encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{period}:{who}:{window}"
    if cache.add(cache_key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # the window's key expired between add() and incr()
            cache.add(cache_key, 1, timeout=period + 1)
            count = 1
    if count <= limit:
        return None
    if count == limit + 1:
        logger.warning("rate limit %s reached (%s, %s/%ss)", scope, key, limit, period)
    return max(1, int((window + 1) * period - now + 0.999))


def ratelimited_response(request, retry_after: int):
    """HTTP 429 in Japanese: a page, or a fragment for htmx to put where the results go."""
    template = "_ratelimited.html" if getattr(request, "htmx", False) else "429.html"
    response = render(request, template, {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(*, scope: str, key: str = "user", rate: str | None = None, methods=None):
    """Decorator: at most `rate` requests (default settings.RATELIMITS[scope]) per user
    (key="user"; anonymous visitors by address) or per client address (key="ip") in
    one window; methods limits which HTTP methods count (default all)."""
    if key not in KEYS:
        raise ValueError(f"ratelimit key must be one of {KEYS}, not {key!r}")
    # A bad rate (here or in RATELIMIT_* of the environment) fails when the views are
    # imported (manage.py check, migrate at start-up), not on the first request.
    parse_rate(configured_rate(scope) if rate is None else rate)
    counted = {m.upper() for m in methods} if methods else None

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if counted is None or request.method in counted:
                retry_after = hit(request, scope=scope, key=key, rate=rate)
                if retry_after is not None:
                    return ratelimited_response(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
