"""Settings, read from the environment (django-environ).

With nothing set the app runs on the embedded default: SQLite under var/, Celery
tasks in-process, a secret key generated once into var/. Production sets the
variables listed in .env.example.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# `make demo` only: the demo personas are enrolled in 2FA with keys seed_demo prints,
# `manage.py demo_code USER` prints a persona's current code and the 2FA page shows it.
# Never in production: refused here without DEBUG, and by `check --deploy`
# (accounts/checks.py), so a server cannot run with it.
DEMO_MODE = env.bool("DJANGO_DEMO", default=False)
if DEMO_MODE and not DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_DEMO=true is for `make demo` only and needs DJANGO_DEBUG=true; "
        "a production server must not set it."
    )


def _secret_key() -> str:
    """Production passes DJANGO_SECRET_KEY; the embedded default keeps one in var/."""
    if "DJANGO_SECRET_KEY" in env:
        return env.str("DJANGO_SECRET_KEY")
    return secret_key.load_or_create(VAR_DIR / "secret_key")


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin with the project's site: it names no domain object.
    "accounts.admin_site.AccountsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "simple_history",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "common",
    "accounts",
    "households",
    "intake",
    "cases",
    "meetings",
    "referrals",
    "outreach",
    "participation",
    "community",
    "reports",
    "imports",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After login and messages: end sessions past their absolute lifetime or of
    # deactivated users, then send a logged-in user who has not passed 2FA to it.
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.OTPRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "common.middleware.NoStoreMiddleware",
    "common.pdf.PdfFontMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.navigation",
            ],
            "builtins": ["common.templatetags.wareki"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A reused connection is checked (one SELECT 1 round trip) before a request's first
# query, so a restarted PostgreSQL costs no failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # The planner's JIT compilation cost more than it saved on every list query measured
    # (make bench): off for this application's connections.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Server-side parameters let psycopg prepare a statement the connection has run
    # DATABASE_PREPARE_THRESHOLD times: PostgreSQL then keeps its plan instead of
    # planning every query anew (under load: −15 % CPU a request, see README 性能).
    # 0 turns it off (Django's client-side binding), e.g. behind a pooler in
    # transaction mode that cannot keep a connection's prepared statements.
    if prepare_threshold := env.int("DATABASE_PREPARE_THRESHOLD", default=5):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = prepare_threshold
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username+IP before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("英語"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Attachments (common/attachments.py): a private directory never served by a URL on the
# embedded default; S3-compatible object storage (django-storages) when a bucket is set.
# Every download goes through the owner's access check in the application.
ATTACHMENTS_S3_BUCKET = env.str("ATTACHMENTS_S3_BUCKET", default="")
if ATTACHMENTS_S3_BUCKET:
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENTS_S3_BUCKET,
            "endpoint_url": env.str("ATTACHMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("ATTACHMENTS_S3_REGION", default="") or None,
            "access_key": env.str("ATTACHMENTS_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("ATTACHMENTS_S3_SECRET_KEY", default="") or None,
            "location": env.str("ATTACHMENTS_S3_PREFIX", default="attachments"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "addressing_style": env.str("ATTACHMENTS_S3_ADDRESSING_STYLE", default="path"),
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("ATTACHMENTS_ROOT", default=str(MEDIA_ROOT / "attachments")),
            "directory_permissions_mode": 0o700,
            "file_permissions_mode": 0o600,
        },
    }
# Largest attachment accepted, in megabytes (the reverse proxy must allow a little more).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
# ClamAV: a clamd unix socket, or host and port. When one is set, every upload is
# scanned, and refused while clamd cannot be reached (fail closed).
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=30.0)

# Sessions: server-side, ended when the browser closes, idle timeout 30 minutes, and
# at most 12 hours after the password was entered (accounts.middleware).
# SESSION_STORE=cached_db reads sessions from the cache (Redis) and writes both; the
# table stays the record (accounts.sessions ends them through the engine).
SESSION_STORE = env.str("SESSION_STORE", default="db")
if SESSION_STORE not in ("db", "cached_db"):
    raise ImproperlyConfigured("SESSION_STORE must be db or cached_db.")
SESSION_ENGINE = f"django.contrib.sessions.backends.{SESSION_STORE}"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# The idle deadline slides with activity, but the session row is rewritten at most
# once per SESSION_REFRESH_SECONDS (accounts.middleware.SessionLimitsMiddleware), not on
# every request: the idle timeout is then between SESSION_COOKIE_AGE minus that and
# SESSION_COOKIE_AGE after the last request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
# Exports and consent overrides ask for the password again when it was last entered
# longer ago than this (accounts.reauth).
REAUTH_MAX_AGE_SECONDS = env.int("REAUTH_MAX_AGE_SECONDS", default=10 * 60)

# Login lockout (django-axes, database handler): 5 failures of one username from one
# IP address lock that pair for 15 minutes; a successful login clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "common.ratelimit.client_ip"
AXES_COOLOFF_MESSAGE = _(
    "ログインに続けて失敗したため、このアカウントはこの端末から15分間ログインできません。"
    "時間をおいてもう一度お試しください。"
)
AXES_PERMALOCK_MESSAGE = AXES_COOLOFF_MESSAGE
AXES_VERBOSE = False

# Two-factor authentication (django-otp, TOTP + one-time recovery codes), required
# for every user (accounts.middleware.OTPRequiredMiddleware).
OTP_TOTP_ISSUER = "重層的支援 相談記録"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
RECOVERY_CODE_COUNT = 10

# Security headers; production (DEBUG off) gets the strict values by default.
SECURE_COOKIES = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): web pages load scripts and styles only from
# static files; no inline script or style attribute is allowed anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "form-action": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "frame-ancestors": [CSP_NONE],
    }
}
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Cache and Celery: Redis when REDIS_URL is set, otherwise in-process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits (common.ratelimit), counted in that cache per fixed window: searches per
# user (all search pages share one bucket), login attempts per client address.
# "0/m" switches a limit off.
RATELIMITS = {
    "search": env.str("RATELIMIT_SEARCH", default="60/m"),
    "login": env.str("RATELIMIT_LOGIN", default="20/m"),
    "calendar_feed": env.str("RATELIMIT_CALENDAR_FEED", default="30/m"),
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
# The queue web processes send to and workers read (`celery worker -Q` defaults to it):
# two installations (staging, production) sharing one Redis keep their own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "cases-revoke-lapsed-consents": {
        "task": "cases.tasks.cases_revoke_lapsed_consents_task",
        "schedule": crontab(hour=0, minute=30),
    },
    "cases-daily-reminders": {
        "task": "cases.reminders.cases_daily_reminders_task",
        "schedule": crontab(hour=6, minute=30),
    },
    "referrals-mark-overdue": {
        "task": "referrals.tasks.referrals_mark_overdue_task",
        "schedule": crontab(hour=6, minute=0),
    },
    "reports-monthly-previous-month": {
        "task": "reports.tasks.reports_schedule_monthly_task",
        "schedule": crontab(day_of_month=1, hour=1, minute=0),
    },
    "reports-requeue-stuck": {
        "task": "reports.tasks.reports_requeue_stuck_task",
        "schedule": crontab(minute="*/5"),
    },
    "reports-purge-expired": {
        "task": "reports.tasks.reports_purge_expired_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "imports-purge-expired-exports": {
        "task": "imports.tasks.imports_purge_expired_exports_task",
        "schedule": crontab(hour=2, minute=40),
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@example.invalid")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Domain settings.
DESK_OPENED_ON = env.str("DESK_OPENED_ON", default="2019-06-01")
REFERRAL_ANSWER_DAYS = env.int("REFERRAL_ANSWER_DAYS", default=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
