"""Authentication hardening: login timestamps in the session, the audit of failed
logins, and the 2FA writes (enrolment, recovery codes, reset). The django-axes lockout
page is accounts.lockout (it renders a form, and forms sit above this module)."""

import base64
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import QueryDict
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import log_access, log_action
from accounts.models import AccessLog, User
from accounts.services import credentials_check
from accounts.sessions import end_sessions

# Session keys (epoch seconds): when the password was entered at login, and when it was
# last entered at all (login or re-authentication).
LOGIN_AT_KEY = "auth_login_at"
FRESH_AT_KEY = "auth_fresh_at"
# Recovery codes just made, shown once by accounts:otp_codes and then forgotten.
NEW_CODES_KEY = "otp_new_recovery_codes"
SEEN_AT_KEY = "_seen_at"  # when the session was last saved for activity


def stamp_login(session) -> None:
    now = time.time()
    session[LOGIN_AT_KEY] = now
    session[FRESH_AT_KEY] = now
    session[SEEN_AT_KEY] = now


def slide_idle_deadline(session) -> None:
    """Move a logged-in session's idle deadline (its expiry, SESSION_COOKIE_AGE from
    its last save) forward, by saving it, when it was last saved more than
    SESSION_REFRESH_SECONDS ago: one write a minute instead of one per request."""
    if SESSION_KEY not in session:
        return
    seen = session.get(SEEN_AT_KEY)
    now = time.time()
    stale = (
        not isinstance(seen, int | float) or not 0 <= now - seen < settings.SESSION_REFRESH_SECONDS
    )
    if stale or session.modified:  # a save for another reason counts too
        session[SEEN_AT_KEY] = now


def stamp_fresh(session) -> None:
    session[FRESH_AT_KEY] = time.time()


def _age(session, key) -> float | None:
    value = session.get(key)
    if not isinstance(value, int | float):
        return None
    return time.time() - value


def is_fresh(request) -> bool:
    """The password was entered within REAUTH_MAX_AGE_SECONDS."""
    age = _age(request.session, FRESH_AT_KEY)
    return age is not None and 0 <= age <= settings.REAUTH_MAX_AGE_SECONDS


def login_expired(session) -> bool:
    """More than SESSION_ABSOLUTE_SECONDS since the login (or no login time at all)."""
    age = _age(session, LOGIN_AT_KEY)
    return age is None or not (0 <= age <= settings.SESSION_ABSOLUTE_SECONDS)


@receiver(user_logged_in, dispatch_uid="accounts.security.stamp_login")
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        stamp_login(request.session)


@receiver(user_login_failed, dispatch_uid="accounts.security.log_failed_login")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    """Every failed password check (login, re-authentication, password change) is kept in
    the access log as DENIED, beside django-axes' own AccessAttempt/AccessFailureLog."""
    username = str((credentials or {}).get("username") or "")[:150]
    target = User.objects.filter(username=username).only("pk").first() if username else None
    actor = getattr(request, "user", None) if request is not None else None
    locked = bool(getattr(request, "axes_locked_out", False))
    log_access(
        user=actor,
        object_type="accounts.user",
        object_id=str(target.pk) if target else "",
        outcome=AccessLog.Outcome.DENIED,
        request=request,
        detail=("login locked out: " if locked else "login failed: ") + username,
    )


def check_user_password(request, user, password: str) -> bool:
    """user's password, checked through the authentication backends so django-axes counts
    a wrong one (and refuses while locked out). For forms other than the login form:
    django-axes keeps the POST data of a failed attempt, and those forms carry other
    passwords and case text, so it sees an empty POST."""
    if not password:
        return False
    original = request.POST
    request.POST = QueryDict()
    try:
        authenticated = authenticate(request, username=user.get_username(), password=password)
    finally:
        request.POST = original
    return authenticated is not None and authenticated.pk == user.pk


# ---------------------------------------------------------------- 2FA writes


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (kept across reloads of the setup page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=False)
    return device


def recovery_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def recovery_codes_generate(*, actor, user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="回復コード", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    log_action(actor=actor, action="accounts.user.recovery_codes_generated", obj=user)
    return codes


@transaction.atomic
def two_factor_enrol(*, user, device: TOTPDevice) -> list[str]:
    """Confirm the device just verified, drop any other TOTP device, make recovery codes."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    log_action(actor=user, action="accounts.user.two_factor_enrolled", obj=user)
    return recovery_codes_generate(actor=user, user=user)


@transaction.atomic
def two_factor_reset(*, actor, user) -> None:
    """Remove all of the user's 2FA devices and end their sessions, so they enrol again
    at their next login: a member's by their agency's manager (the 職員 page), others'
    by an administrator. Refused (CredentialsRuleError, nothing written) by
    accounts.services.credentials_refusal."""
    credentials_check(actor=actor, user=user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    sessions = end_sessions(user)
    log_action(
        actor=actor, action="accounts.user.two_factor_reset", obj=user, sessions_ended=sessions
    )


# ---------------------------------------------------------------- the demo's 2FA
# Only with settings.DEMO_MODE (make demo), which settings refuse without DEBUG and
# `check --deploy` refuses outright (accounts/checks.py).


class DemoModeOff(Exception):
    """The demo's 2FA shortcuts were asked for outside `make demo`."""


def _require_demo_mode() -> None:
    if not getattr(settings, "DEMO_MODE", False):
        raise DemoModeOff


@transaction.atomic
def demo_two_factor_enrol(*, user) -> str:
    """Give a demo persona a confirmed authenticator (if it has none); return its key
    in base32, the form an authenticator app takes."""
    _require_demo_mode()
    device = totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="デモ用", confirmed=True)
        log_action(actor=None, action="accounts.user.demo_two_factor_enrolled", obj=user)
    return base64.b32encode(device.bin_key).decode()


def demo_current_code(user) -> str | None:
    """The code the persona's authenticator would show now (None: not enrolled)."""
    _require_demo_mode()
    device = totp_device(user)
    if device is None:
        return None
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    token.time = time.time()
    return f"{token.token():0{device.digits}d}"
