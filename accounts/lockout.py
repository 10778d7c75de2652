"""The django-axes lockout page (settings.AXES_LOCKOUT_CALLABLE). A view, so it sits
above the forms it renders; accounts.security stays below them."""

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import render

from accounts.forms import LoginForm


def lockout_response(request, original_response=None, credentials=None):
    """The login page with the lockout message (HTTP 429) instead of axes' bare text.
    A logged-in user who gets locked out re-entering a password is logged out."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        logout(request)
    username = str((credentials or {}).get("username") or "")
    form = LoginForm(request, initial={"username": username})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "lockout_message": settings.AXES_COOLOFF_MESSAGE, "next": ""},
        status=429,
    )
