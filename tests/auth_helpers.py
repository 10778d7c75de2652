"""Logging a test client in as a user who has passed two-factor authentication.

client.force_login alone leaves the session before 2FA: every page but the 2FA steps
would redirect (accounts.middleware.OTPRequiredMiddleware). login_verified also gives the
user a confirmed authenticator (TOTPDevice) and marks the session as django_otp.login
does; the login signal stamps the login time, so the password also counts as freshly
entered (accounts.reauth).
"""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security


def totp_device_for(user) -> TOTPDevice:
    """The user's confirmed authenticator, created if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="テスト端末", confirmed=True)
    return device


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The 6-digit code the authenticator app shows now (or at the epoch time `at`)."""
    token = TOTP(device.bin_key, device.step, device.t0, device.digits)
    token.time = time.time() if at is None else at
    return f"{token.token():06d}"


def login_verified(client, user):
    """Log client in as user, past 2FA and with a fresh password. Returns the client."""
    device = totp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    security.stamp_login(session)
    session.save()
    return client


def make_stale(client, seconds: int = 3600):
    """Pretend the password was last entered `seconds` ago (the login too)."""
    session = client.session
    session[security.FRESH_AT_KEY] = time.time() - seconds
    session.save()
