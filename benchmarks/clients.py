"""The benches' requests through the whole Django stack: production-like settings for
an in-process run, and a test client logged in past the second factor."""

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.test import Client

BENCH_SETTINGS = {
    # In-process runs see production-like settings without TLS or a collected manifest.
    "SECURE_SSL_REDIRECT": False,
    # A benchmark repeats one search hundreds of times a minute: no per-user rate limit.
    "RATELIMITS": {},
    "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "attachments": settings.STORAGES["attachments"],
    },
}


def logged_in_client(user) -> Client:
    """A test client logged in as user, past the second factor when django-otp is on
    (a confirmed TOTP device is created for the benchmark user once)."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if apps.is_installed("django_otp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def get_ok(client, url: str):
    """The response to a GET of url; a page that does not answer 200 stops the bench."""
    response = client.get(url)
    if response.status_code != 200:
        raise CommandError(f"{url} answered {response.status_code}")
    return response
