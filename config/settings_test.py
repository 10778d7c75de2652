"""Test settings: the same as production but fast hashing, eager Celery, plain http."""

from config.settings import *  # noqa: F403

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
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
STORAGES["attachments"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(MEDIA_ROOT / "attachments")},
}
CLAMD_SOCKET = CLAMD_HOST = ""  # tests that scan start their own clamd
# The suite makes far more searches and logins a minute, from one address and (on
# SQLite, where ids are reused) one user id, than any person could: the limits still
# count, but only tests/common/test_ratelimit.py (which sets its own) ever reaches one.
RATELIMITS = {"search": "100000/m", "login": "100000/m"}
