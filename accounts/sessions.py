"""Server-side sessions of a user. Below both services (password reset) and security
(2FA reset), which each end a user's sessions, so neither imports the other for it."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone


def end_sessions(user) -> int:
    """Delete every server-side session of user. Returns how many were deleted.

    Through the configured session engine, not the table alone: with cached_db a
    session also lives in the cache, and a row deleted under it would keep the
    session alive from there until it expired."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    deleted = 0
    now = timezone.now()
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session_key=session.session_key).delete()
            deleted += 1
    return deleted
