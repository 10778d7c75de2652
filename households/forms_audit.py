"""The filter of the access-log review (閲覧記録)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessLog, User
from common.forms import WarekiDateField


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        shown = str(obj)
        return shown if shown == obj.username else f"{shown}（{obj.username}）"


class AccessLogFilterForm(forms.Form):
    user = UserChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("利用者"),
        empty_label=_("すべての利用者"),
        error_messages={"invalid_choice": _("一覧にある利用者を選んでください。")},
    )
    person = forms.CharField(
        label=_("対象者"),
        required=False,
        max_length=100,
        help_text=_("氏名・ふりがな（一部でも可）または ID"),
    )
    date_from = WarekiDateField(label=_("期間（から）"), required=False)
    date_to = WarekiDateField(label=_("期間（まで）"), required=False)
    outcome = forms.ChoiceField(
        label=_("結果"),
        required=False,
        choices=[("", _("すべて")), *AccessLog.Outcome.choices],
        error_messages={"invalid_choice": _("一覧にある結果を選んでください。")},
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("「まで」は「から」と同じ日かそれより後にしてください。"))
        return data

    def search_kwargs(self) -> dict:
        """The selector's filters (the form must be valid)."""
        data = self.cleaned_data
        return {
            "user": data.get("user"),
            "person": data.get("person") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "outcome": data.get("outcome") or "",
        }
