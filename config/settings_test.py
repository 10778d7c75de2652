"""Test settings: the same as production but fast hashing, eager Celery, plain http."""

import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403

# pytest-xdist runs the suite in worker processes gw0, gw1, … (PYTEST_XDIST_WORKER) at
# once. pytest-django gives each its own test database; Redis is shared, so each takes
# its own database there too, counted up from REDIS_URL's (…/8: gw0 8, gw1 9, …): one
# worker's cache.clear(), rate-limit counts and Celery queues never reach another's.
# The servers and Celery workers a test starts are handed settings.REDIS_URL.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_DATABASES = 16  # Redis's default `databases`


def _redis_url_of_worker(url: str, worker: str) -> str:
    parts = urlsplit(url)
    base = parts.path.strip("/") or "0"
    if parts.scheme not in ("redis", "rediss") or not base.isdigit():
        raise ImproperlyConfigured(
            "Under pytest-xdist REDIS_URL must be redis://host:port/N: "
            "each worker uses database N plus its number."
        )
    db = int(base) + int(worker.removeprefix("gw"))
    if db >= REDIS_DATABASES:
        raise ImproperlyConfigured(
            f"pytest-xdist worker {worker} would use Redis database {db} ({base} + {worker}); "
            f"Redis has {REDIS_DATABASES}: use a lower database in REDIS_URL or fewer workers."
        )
    return urlunsplit(parts._replace(path=f"/{db}"))


if XDIST_WORKER and REDIS_URL:  # noqa: F405
    REDIS_URL = _redis_url_of_worker(REDIS_URL, XDIST_WORKER)  # noqa: F405
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One directory per xdist worker (tests that write files mostly set their own).
MEDIA_ROOT = VAR_DIR / (f"test-media-{XDIST_WORKER}" if XDIST_WORKER else "test-media")  # noqa: F405
STORAGES["attachments"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(MEDIA_ROOT / "attachments")},
}
CLAMD_SOCKET = CLAMD_HOST = ""  # tests that scan start their own clamd
# The suite makes far more searches and logins a minute, from one address and (on
# SQLite, where ids are reused) one user id, than any person could: the limits still
# count, but only tests/common/test_ratelimit.py (which sets its own) ever reaches one.
RATELIMITS = {"search": "100000/m", "login": "100000/m"}
