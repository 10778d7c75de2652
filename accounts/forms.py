from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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


class AgencySearchForm(forms.Form):
    q = forms.CharField(label=_("検索"), required=False, max_length=100)
