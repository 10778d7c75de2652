"""Re-authentication before exports and consent overrides.

The password counts as fresh for REAUTH_MAX_AGE_SECONDS after it was entered at login
or on the re-authentication page (the session has passed 2FA already: the middleware
lets no unverified session reach these views).

- ``recent_auth_required``: a view decorator for downloads; a stale session is sent to
  accounts:reauth?next=<this page> and comes back after the password.
- ``add_password_field`` / ``override_confirmed``: for a form that may record a consent
  override (法令上の例外). The form gets a password field when the session is stale, and
  the override is only carried out when the password is right; otherwise the form is
  shown again with all its input and a message beside the password field.
"""

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from accounts import security

PASSWORD_FIELD = "reauth_password"


def is_fresh(request) -> bool:
    return security.is_fresh(request)


def safe_next(request, url, default=None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default or reverse("home")


def reauth_url(next_url: str) -> str:
    return f"{reverse('accounts:reauth')}?{urlencode({'next': next_url})}"


def recent_auth_required(view_func):
    """Run the view only when the password was entered within the last
    REAUTH_MAX_AGE_SECONDS; otherwise ask for it and come back."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        if security.is_fresh(request):
            return view_func(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            next_url = request.get_full_path()
        else:  # a POST cannot be replayed: return to the page it was sent from
            next_url = safe_next(request, request.META.get("HTTP_REFERER", ""))
        url = reauth_url(next_url)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)

    return wrapped


def check_password(request, password: str) -> bool:
    """The logged-in user's password, checked through the authentication backends (so
    django-axes counts failures); on success the session is fresh again."""
    if not security.check_user_password(request, request.user, password):
        return False
    security.stamp_fresh(request.session)
    return True


def _password_field():
    return forms.CharField(
        label=_("パスワードの再入力"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "法令上の例外（本人同意なし）で共有するときは、本人確認のためパスワードを入力してください。"
            "本人同意で共有するときは不要です。"
        ),
    )


def add_password_field(form, request):
    """Give the form a password field when the password is not fresh."""
    if not security.is_fresh(request):
        form.fields[PASSWORD_FIELD] = _password_field()
    return form


def override_confirmed(request, form, override: bool) -> bool:
    """Call after form.is_valid(). True when the form may be carried out: no override
    was chosen, the password is fresh, or the password given is right. Otherwise puts a
    Japanese message beside the password field and returns False (nothing is saved and
    the form keeps the rest of its input)."""
    if not override or security.is_fresh(request):
        return True
    if PASSWORD_FIELD not in form.fields:  # went stale since the form was built
        form.fields[PASSWORD_FIELD] = _password_field()
        password = ""
    else:
        password = form.cleaned_data.get(PASSWORD_FIELD) or ""
    if check_password(request, password):
        return True
    if password:
        message = _("パスワードが違います。")
    else:
        message = _(
            "本人同意なしで共有するには、本人確認のためパスワードをもう一度入力してください。"
        )
    form.add_error(PASSWORD_FIELD, message)
    return False
