"""Server-side sessions of a user. Below both services (password reset) and security
(2FA reset), which each end a user's sessions, so neither imports the other for it."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone


def end_sessions(user) -> int:
    """Delete every server-side session of user. Returns how many were deleted."""
    deleted = 0
    now = timezone.now()
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            session.delete()
            deleted += 1
    return deleted
