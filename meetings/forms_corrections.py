"""訂正 of one agenda item's finalised minutes, with a required reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.corrections import reason_field
from meetings.models import AgendaItem


class MinutesCorrectionForm(forms.Form):
    discussion = forms.CharField(
        label=_("協議内容"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    decisions = forms.CharField(
        label=_("決定事項"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    reason = reason_field()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item: AgendaItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.update(
            discussion=item.discussion, decisions=item.decisions, version=item.version
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "discussion": data["discussion"],
            "decisions": data["decisions"],
            "reason": data["reason"],
            "expected_version": data.get("version"),
        }
