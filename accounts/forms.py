import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.audit import log_action
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
        from accounts import reauth

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
        from accounts.security import check_user_password

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
