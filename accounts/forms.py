import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from accounts import reauth
from accounts.audit import log_action
from accounts.choices import Role
from accounts.models import Agency, User
from accounts.security import check_user_password
from accounts.selectors import case_workers_of
from common.services import save_as


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("ユーザー名またはパスワードが違います。"),
        "inactive": _("このアカウントは無効です。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["username"].error_messages["required"] = _("ユーザー名を入力してください。")
        self.fields["password"].error_messages["required"] = _("パスワードを入力してください。")


def normalize_code(value: str) -> str:
    """Authenticator codes and recovery codes as typed: spaces and hyphens dropped,
    full-width digits and letters folded, lower case."""
    value = (value or "").translate(
        {
            ord(c): ord(c) - 0xFEE0
            for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"
        }
    )
    return re.sub(r"[\s\-ー－]", "", value).lower()


def is_totp_code(code: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", code))


class OTPVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("確認コード"),
        max_length=40,
        help_text=_(
            "認証アプリに表示された6桁の数字、または回復コード（英数字8文字）を入力してください。"
        ),
        error_messages={"required": _("確認コードを入力してください。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not (is_totp_code(code) or re.fullmatch(r"[a-z2-7]{8}", code)):
            raise forms.ValidationError(
                _("6桁の数字、または8文字の回復コードを入力してください。"), code="format"
            )
        return code


class OTPEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("確認コード"),
        max_length=20,
        help_text=_("登録した認証アプリに表示された6桁の数字を入力してください。"),
        error_messages={"required": _("確認コードを入力してください。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not is_totp_code(code):
            raise forms.ValidationError(_("6桁の数字を入力してください。"), code="format")
        return code


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": _("パスワードを入力してください。")},
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not reauth.check_password(self.request, password):
            raise forms.ValidationError(_("パスワードが違います。"), code="invalid")
        return password


class JapanesePasswordChangeForm(PasswordChangeForm):
    """Django's password change, in Japanese; the current password is checked through
    the authentication backends so django-axes counts wrong guesses."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("現在のパスワードが違います。"),
        "password_mismatch": _("新しいパスワードが一致しません。"),
    }

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = _("現在のパスワード")
        self.fields["new_password1"].label = _("新しいパスワード")
        self.fields["new_password2"].label = _("新しいパスワード（確認）")
        self.fields["new_password2"].help_text = _(
            "確認のため、同じパスワードをもう一度入力してください。"
        )
        required = _("入力してください。")
        for field in self.fields.values():
            field.error_messages["required"] = required

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not check_user_password(self.request, self.user, old_password):
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password

    def save(self, commit=True):
        self.user.set_password(self.cleaned_data["new_password1"])
        if commit:
            save_as(self.user, self.user)
            log_action(actor=self.user, action="accounts.user.password_changed", obj=self.user)
        return self.user


class AgencySearchForm(forms.Form):
    q = forms.CharField(label=_("検索"), required=False, max_length=100)


def _role_field():
    return forms.ChoiceField(
        label=_("役割"),
        choices=Role.choices,
        error_messages={
            "required": _("役割を選んでください。"),
            "invalid_choice": _("役割を一覧から選んでください。"),
        },
    )


class _MemberRowForm(forms.Form):
    """A form of one member's row on the 職員 page: its element ids are the row's own
    (id_prefix and the membership's pk), so the rows' forms do not clash."""

    id_prefix = ""

    def __init__(self, *args, membership, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}{membership.pk}_%s")
        super().__init__(*args, **kwargs)
        self.membership = membership


class StaffAddForm(forms.Form):
    """A manager adds a member to one of the agencies they manage: an existing active
    user chosen by username, or a new user created with a one-time initial password.
    Whether the change is allowed at all is accounts.services.membership_refusal's."""

    agency = forms.ModelChoiceField(
        label=_("機関"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("機関を選んでください。")},
    )
    username = forms.CharField(
        label=_("ユーザー名"),
        max_length=150,
        help_text=_("すでに利用者がいる場合はそのユーザー名、新しく作る場合は希望するユーザー名。"),
        error_messages={"required": _("ユーザー名を入力してください。")},
        validators=[
            UnicodeUsernameValidator(
                message=_("ユーザー名には文字・数字と @ . + - _ だけが使えます。")
            )
        ],
    )
    create = forms.BooleanField(
        label=_("新しい利用者として作成する（初期パスワードを発行）"), required=False
    )
    display_name = forms.CharField(
        label=_("表示名（氏名）"),
        max_length=100,
        required=False,
        help_text=_("新しく作成するときは必須です。"),
    )
    role = _role_field()

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        field.queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        field.error_messages["invalid_choice"] = _("管理している機関を選んでください。")
        if len(agencies) == 1:
            field.initial = agencies[0].pk
            field.widget = forms.HiddenInput()
        self.member = None

    def clean_username(self):
        return User.normalize_username(self.cleaned_data["username"])

    def clean(self):
        cleaned = super().clean()
        username, agency = cleaned.get("username"), cleaned.get("agency")
        if not username:
            return cleaned
        if cleaned.get("create"):
            if User.objects.filter(username=username).exists():
                self.add_error(
                    "username",
                    _(
                        "このユーザー名はすでに使われています。その利用者を追加するときは"
                        "「新しい利用者として作成する」のチェックを外してください。"
                    ),
                )
            if not cleaned.get("display_name"):
                self.add_error("display_name", _("新しく作成するときは表示名を入力してください。"))
            return cleaned
        self.member = User.objects.filter(username=username, is_active=True).first()
        if self.member is None:
            self.add_error(
                "username",
                _(
                    "このユーザー名の有効な利用者はいません。新しく作るときは"
                    "「新しい利用者として作成する」にチェックを入れてください。"
                ),
            )
        elif (
            agency is not None
            and self.member.memberships.filter(agency=agency, is_active=True).exists()
        ):
            self.add_error(
                "username",
                _("この利用者はすでにこの機関の職員です。役割は一覧から変更してください。"),
            )
        return cleaned


class MembershipRoleForm(_MemberRowForm):
    """A new role for one member (the row's own form on the 職員 page)."""

    id_prefix = "m"
    role = _role_field()

    def __init__(self, *args, membership, **kwargs):
        kwargs.setdefault("initial", {"role": membership.role})
        super().__init__(*args, membership=membership, **kwargs)
        self.fields["role"].widget.attrs["aria-label"] = _("%(user)sさんの役割") % {
            "user": membership.user
        }

    def clean_role(self):
        if not self.membership.is_active:
            raise forms.ValidationError(
                _("終了した所属の役割は変更できません。「職員を追加」から追加し直してください。")
            )
        return self.cleaned_data["role"]


class MembershipCredentialsForm(_MemberRowForm):
    """Reissuing one member's password or resetting their 2FA: no field; its refusal
    is shown beside the row's buttons. Whether it is allowed at all is
    accounts.services.credentials_refusal's."""

    id_prefix = "cred"

    def clean(self):
        if not self.membership.is_active:
            raise forms.ValidationError(
                _("終了した所属の職員のパスワードや2段階認証は、この画面ではリセットできません。")
            )
        return super().clean()


class MembershipEndForm(_MemberRowForm):
    """Ending one membership; its refusal is shown beside the row's button. A leaver
    who still holds open cases (accounts.registry deactivation guards) may be given a
    successor: everything is handed over to them and the membership ends in one step
    (accounts.services.membership_end)."""

    successor = forms.ChoiceField(
        label=_("引継ぎ先"),
        required=False,
        error_messages={"invalid_choice": _("引継ぎ先を一覧から選んでください。")},
    )
    note = forms.CharField(
        label=_("引継ぎのメモ"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    id_prefix = "end"

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, membership=membership, **kwargs)
        self.refusals = []  # accounts.registry.Refusal, with their links
        self.successors = list(case_workers_of(membership.agency_id).exclude(pk=membership.user_id))
        self.fields["successor"].choices = [("", _("（引継がない）"))] + [
            (str(u.pk), str(u)) for u in self.successors
        ]

    def clean_successor(self):
        value = self.cleaned_data["successor"]
        return next((u for u in self.successors if str(u.pk) == value), None)

    def clean(self):
        if not self.membership.is_active:
            raise forms.ValidationError(_("この所属はすでに終了しています。"))
        return super().clean()
