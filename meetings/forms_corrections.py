"""訂正 of one agenda item's finalised minutes, with a required reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem


class MinutesCorrectionForm(forms.Form):
    discussion = forms.CharField(
        label=_("協議内容"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    decisions = forms.CharField(
        label=_("決定事項"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    reason = forms.CharField(
        label=_("訂正の理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("訂正前の内容は取り消し線付きで残り、訂正者・日時・理由とともに表示されます。"),
        error_messages={"required": _("訂正の理由を入力してください。")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item: AgendaItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.update(
            discussion=item.discussion, decisions=item.decisions, version=item.version
        )
