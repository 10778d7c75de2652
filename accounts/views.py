"""Login, two-factor authentication, re-authentication, password change, account page,
and the 職員 page where an agency's manager manages its memberships and reissues its
members' passwords and 2FA."""

import base64
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts import services as account_services
from accounts.audit import log_access, log_action
from accounts.forms import (
    JapanesePasswordChangeForm,
    LoginForm,
    MembershipCredentialsForm,
    MembershipEndForm,
    MembershipRoleForm,
    OTPEnrolForm,
    OTPVerifyForm,
    ReauthForm,
    StaffAddForm,
    is_totp_code,
)
from accounts.middleware import otp_not_required
from accounts.models import AccessLog
from accounts.reauth import recent_auth_required, safe_next
from accounts.registry import account_links
from accounts.selectors import agencies_managed_by, get_membership_for_manager, memberships_of
from common.ratelimit import ratelimit

# ---------------------------------------------------------------- login and logout


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def second_step_url(user, next_url: str) -> str:
    """Where a user who entered the right password goes: the code entry, or enrolment."""
    step = "accounts:otp_verify" if security.totp_device(user) else "accounts:otp_setup"
    return _with_next(step, next_url)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        next_url = self.get_redirect_url() or reverse("home")
        user = self.request.user
        if getattr(user, "is_verified", lambda: False)():  # already logged in and past 2FA
            return next_url
        return second_step_url(user, next_url)


@login_not_required
@ratelimit(key="ip", scope="login", methods=("POST",))
def login_view(request, *args, **kwargs):
    return LoginView.as_view()(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """Logs out, then says so on the login page (the message outlives the session: it
    travels in the messages cookie)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("ログアウトしました。"))
        return response


logout_view = otp_not_required(LogoutView.as_view())


# ---------------------------------------------------------------- two-factor authentication


def _next(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next") or "")


def _throttle_message(device) -> str | None:
    allowed, _info = device.verify_is_allowed()
    if allowed:
        return None
    return _(
        "確認コードを続けて間違えたため、しばらく入力できません。少し待ってからもう一度お試しください。"
    )


def _log_2fa_failure(request, detail):
    log_access(
        user=request.user,
        obj=request.user,
        outcome=AccessLog.Outcome.DENIED,
        request=request,
        detail=detail,
    )


@otp_not_required
@ratelimit(key="ip", scope="login", methods=("POST",))
def otp_verify(request):
    """The second step of login: a code from the authenticator app or a recovery code."""
    user = request.user
    next_url = _next(request)
    if user.is_verified():
        return redirect(next_url)
    totp = security.totp_device(user)
    if totp is None:
        return redirect(_with_next("accounts:otp_setup", next_url))
    form = OTPVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        with transaction.atomic():
            if is_totp_code(code):
                devices = list(
                    TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
                )
            else:
                devices = list(
                    StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
                )
            matched, throttled = None, None
            for device in devices:
                throttled = _throttle_message(device)
                if throttled is None and device.verify_token(code):
                    matched = device
                    break
        if matched is not None:
            request.session.cycle_key()
            otp_login(request, matched)
            if isinstance(matched, StaticDevice):
                left = security.recovery_codes_remaining(user)
                log_action(
                    actor=user, action="accounts.user.recovery_code_used", obj=user, remaining=left
                )
                messages.warning(
                    request,
                    _(
                        "回復コードでログインしました（残り%(n)d個）。認証アプリを確認し、"
                        "必要ならアカウントのページで回復コードを作り直してください。"
                    )
                    % {"n": left},
                )
            return redirect(next_url)
        _log_2fa_failure(request, "2fa failed")
        form.add_error("code", throttled or _("確認コードが違います。"))
    context = {"form": form, "next": next_url}
    if settings.DEMO_MODE:  # make demo only: settings refuse it without DEBUG
        context["demo_code"] = security.demo_current_code(user)
    return render(request, "accounts/otp_verify.html", context)


def _qr_svg(url: str) -> str:
    """The provisioning URL as inline SVG (presentation attributes only, no style)."""
    svg = segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff", border=4)
    return mark_safe(svg)  # noqa: S308  (segno's own markup around a URL it encoded)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@otp_not_required
def otp_setup(request):
    """Enrolment: scan the QR code (or type the key), confirm with a code; then the
    recovery codes are shown once. Only for a user with no confirmed authenticator."""
    user = request.user
    next_url = _next(request)
    if security.totp_device(user) is not None:
        if user.is_verified():
            return redirect("accounts:security")
        return redirect(_with_next("accounts:otp_verify", next_url))
    device = security.pending_totp_device(user)
    form = OTPEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = _throttle_message(device)
        if throttled is None and device.verify_token(form.cleaned_data["code"]):
            codes = security.two_factor_enrol(user=user, device=device)
            request.session.cycle_key()
            otp_login(request, device)
            request.session[security.NEW_CODES_KEY] = codes
            return redirect(_with_next("accounts:otp_codes", next_url))
        _log_2fa_failure(request, "2fa enrolment code failed")
        form.add_error(
            "code", throttled or _("確認コードが違います。時刻が合っているか確認してください。")
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped(secret),
        },
    )


def otp_codes(request):
    """The recovery codes just made, shown this once."""
    codes = request.session.pop(security.NEW_CODES_KEY, None)
    if not codes:
        return redirect("accounts:security")
    return render(request, "accounts/otp_codes.html", {"codes": codes, "next": _next(request)})


# ---------------------------------------------------------------- re-authentication


def reauth(request):
    """Enter the password again before an export or a consent override."""
    next_url = _next(request)
    form = ReauthForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        return redirect(next_url)
    return render(request, "accounts/reauth.html", {"form": form, "next": next_url})


# ---------------------------------------------------------------- account page


@recent_auth_required
def account_security(request):
    user = request.user
    totp = security.totp_device(user)
    return render(
        request,
        "accounts/security.html",
        {
            "totp": totp,
            "codes_left": security.recovery_codes_remaining(user),
            "account_links": account_links(request, "security"),
        },
    )


@require_POST
@recent_auth_required
def recovery_codes_regenerate(request):
    codes = security.recovery_codes_generate(actor=request.user, user=request.user)
    request.session[security.NEW_CODES_KEY] = codes
    return redirect(_with_next("accounts:otp_codes", reverse("accounts:security")))


def password_change(request):
    form = JapanesePasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        security.stamp_fresh(request.session)
        messages.success(request, _("パスワードを変更しました。"))
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


# ---------------------------------------------------------------- 職員 (staff management)

# The new member's initial password (or a member's reissued one) travels in the session
# from the POST to the page that shows it, and is dropped there (shown once, as the
# recovery codes are).
NEW_MEMBER_KEY = "accounts_new_member"


def _managed_agencies_or_403(user) -> list:
    """The agencies whose staff user manages; a user who manages none (an
    administrator, any other role) is refused the page."""
    agencies = list(agencies_managed_by(user))
    if not agencies:
        raise PermissionDenied
    return agencies


def _render_staff(request, agencies, *, add_form=None, failed=None, new_member=None):
    """The 職員 page: each managed agency's memberships, active and ended, with a role
    form and an end button per active member other than the viewer. failed maps a
    membership pk to its refused (bound) form, shown again with its message."""
    failed = failed or {}
    sections = {agency.pk: {"agency": agency, "rows": []} for agency in agencies}
    for membership in memberships_of(agencies):
        bound = failed.get(membership.pk)
        row = {
            "membership": membership,
            "is_self": membership.user_id == request.user.pk,
            "role_form": bound
            if isinstance(bound, MembershipRoleForm)
            else MembershipRoleForm(membership=membership),
            "end_form": bound if isinstance(bound, MembershipEndForm) else None,
            "credentials_form": bound if isinstance(bound, MembershipCredentialsForm) else None,
        }
        sections[membership.agency_id]["rows"].append(row)
    return render(
        request,
        "accounts/staff.html",
        {
            "sections": list(sections.values()),
            "add_form": add_form or StaffAddForm(agencies=agencies),
            "new_member": new_member,
            "account_links": account_links(request, "staff"),
        },
    )


def _staff_done(request, message):
    """Back to the 職員 page with the change's message."""
    messages.success(request, message)
    return redirect("accounts:staff")


def _render_staff_refused(request, membership, form):
    """The 職員 page again, the refused form open under its member with its message."""
    return _render_staff(
        request, _managed_agencies_or_403(request.user), failed={membership.pk: form}
    )


@recent_auth_required
def staff(request):
    """The 職員 page of an agency's manager (GET), and adding a member (POST)."""
    agencies = _managed_agencies_or_403(request.user)
    if request.method != "POST":
        new_member = request.session.pop(NEW_MEMBER_KEY, None)
        return _render_staff(request, agencies, new_member=new_member)
    form = StaffAddForm(request.POST, agencies=agencies)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["create"]:
                membership, password = account_services.membership_add_new_user(
                    actor=request.user,
                    agency=data["agency"],
                    role=data["role"],
                    username=data["username"],
                    display_name=data["display_name"],
                )
                request.session[NEW_MEMBER_KEY] = {
                    "username": membership.user.username,
                    "password": password,
                }
            else:
                membership = account_services.membership_add(
                    actor=request.user, user=form.member, agency=data["agency"], role=data["role"]
                )
        except account_services.MembershipRuleError as refusal:
            form.add_error("username", refusal.messages[0])
        else:
            return _staff_done(
                request,
                _("%(user)sさんを%(agency)sの職員（%(role)s）に追加しました。")
                % {
                    "user": membership.user,
                    "agency": membership.agency,
                    "role": membership.get_role_display(),
                },
            )
    return _render_staff(request, agencies, add_form=form)


@require_POST
@recent_auth_required
def staff_role(request, pk):
    """Change a member's role."""
    membership = get_membership_for_manager(request.user, pk)
    form = MembershipRoleForm(request.POST, membership=membership)
    if form.is_valid():
        role = form.cleaned_data["role"]
        if role == membership.role:
            messages.info(request, _("役割は変わっていません。"))
            return redirect("accounts:staff")
        try:
            account_services.membership_add(
                actor=request.user, user=membership.user, agency=membership.agency, role=role
            )
        except account_services.MembershipRuleError as refusal:
            form.add_error("role", refusal.messages[0])
        else:
            membership.refresh_from_db()
            return _staff_done(
                request,
                _("%(user)sさんの役割を%(role)sに変更しました。")
                % {"user": membership.user, "role": membership.get_role_display()},
            )
    return _render_staff_refused(request, membership, form)


@require_POST
@recent_auth_required
def staff_end(request, pk):
    """End a member's membership: they leave the agency and its cases."""
    membership = get_membership_for_manager(request.user, pk)
    form = MembershipEndForm(request.POST, membership=membership)
    if form.is_valid():
        successor = form.cleaned_data["successor"]
        try:
            account_services.membership_end(
                actor=request.user,
                membership=membership,
                successor=successor,
                note=form.cleaned_data["note"],
            )
        except account_services.DeactivationRefused as refused:
            form.refusals = refused.refusals
            form.add_error(None, refused.messages[0])
        except account_services.MembershipRuleError as refusal:
            form.add_error(None, refusal.messages[0])
        else:
            if successor is not None:
                messages.success(
                    request,
                    _("%(user)sさんの担当を%(successor)sさんに引継ぎました。")
                    % {"user": membership.user, "successor": successor},
                )
            return _staff_done(
                request,
                _("%(user)sさんの%(agency)sの所属を終了しました。")
                % {"user": membership.user, "agency": membership.agency},
            )
    return _render_staff_refused(request, membership, form)


@require_POST
@recent_auth_required
def staff_password(request, pk):
    """Reissue a member's password: a new one-time initial password, shown once on the
    職員 page; the member's sessions end (accounts.services.user_password_reset)."""
    membership = get_membership_for_manager(request.user, pk)
    form = MembershipCredentialsForm(request.POST, membership=membership)
    if form.is_valid():
        try:
            password = account_services.user_password_reset(
                actor=request.user, user=membership.user
            )
        except account_services.CredentialsRuleError as refusal:
            form.add_error(None, refusal.messages[0])
        else:
            request.session[NEW_MEMBER_KEY] = {
                "username": membership.user.username,
                "password": password,
                "reissued": True,
            }
            return _staff_done(
                request,
                _("%(user)sさんのパスワードを再発行しました。") % {"user": membership.user},
            )
    return _render_staff_refused(request, membership, form)


@require_POST
@recent_auth_required
def staff_two_factor(request, pk):
    """Reset a member's 2FA: their devices and recovery codes go and their sessions
    end; they enrol again at their next login (accounts.security.two_factor_reset)."""
    membership = get_membership_for_manager(request.user, pk)
    form = MembershipCredentialsForm(request.POST, membership=membership)
    if form.is_valid():
        try:
            security.two_factor_reset(actor=request.user, user=membership.user)
        except account_services.CredentialsRuleError as refusal:
            form.add_error(None, refusal.messages[0])
        else:
            return _staff_done(
                request,
                _(
                    "%(user)sさんの2段階認証をリセットしました。次のログインで認証アプリを登録し直します。"
                )
                % {"user": membership.user},
            )
    return _render_staff_refused(request, membership, form)
