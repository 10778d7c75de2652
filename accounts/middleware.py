"""Session limits and the two-factor requirement, after Django's login middleware."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from accounts import security


def otp_not_required(view_func):
    """Mark a view a logged-in user may open before passing 2FA (the 2FA pages, logout)."""

    @wraps(view_func)
    def wrapped(*args, **kwargs):
        return view_func(*args, **kwargs)

    wrapped.otp_required = False
    return wrapped


def _redirect(request, url):
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


class SessionLimitsMiddleware:
    """Log out a session whose user was deactivated, or whose login is older than
    SESSION_ABSOLUTE_SECONDS (the idle timeout is the session cookie's age, slid
    forward by security.slide_idle_deadline)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if not user.is_active:
                logout(request)
            elif security.login_expired(request.session):
                logout(request)
                hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
                messages.info(
                    request,
                    _(
                        "ログインから%(hours)d時間が経過したため、ログアウトしました。"
                        "もう一度ログインしてください。"
                    )
                    % {"hours": hours},
                )
        elif SESSION_KEY in request.session:
            # The session names a user who can no longer log in (deactivated): end it.
            request.session.flush()
        response = self.get_response(request)
        security.slide_idle_deadline(request.session)
        return response


class OTPRequiredMiddleware:
    """Every logged-in user must pass 2FA before any page but login, logout, the 2FA
    pages and the public ones: those with a confirmed authenticator are sent to the
    code entry, the others to enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "otp_required", True):
            return None
        step = "accounts:otp_verify" if security.totp_device(user) else "accounts:otp_setup"
        query = urlencode({"next": request.get_full_path()})
        return _redirect(request, f"{reverse(step)}?{query}")
