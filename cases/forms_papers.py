"""Forms of the printed forms / corrections / change-history work: the 訂正 of a
support record."""

from django import forms
from django.utils import timezone

from cases.forms import RecordForm
from cases.models import SupportRecord
from common.corrections import reason_field


class RecordCorrectionForm(RecordForm):
    """The record's values, corrected, and why (required)."""

    reason = reason_field()
    token = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, case, record: SupportRecord, token: int, **kwargs):
        if not args or args[0] is None:
            local = timezone.localtime(record.occurred_at)
            kwargs["initial"] = {
                "occurred_on": local.date(),
                "occurred_time": local.time().replace(second=0, microsecond=0),
                "kind": record.kind,
                "project": record.project,
                "persons": list(record.persons.all()),
                "minutes": record.minutes,
                "narrative": record.narrative,
                "referred_to": record.referred_to,
                "token": token,
            }
        super().__init__(*args, case=case, **kwargs)
        if "occurred_on" in self.initial:
            self.fields["occurred_on"].initial = self.initial["occurred_on"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "occurred_at": self.occurred_at(),
            "kind": data["kind"],
            "project": data["project"],
            "persons": data["persons"],
            "minutes": data["minutes"],
            "narrative": data["narrative"],
            "referred_to": data["referred_to"],
            "reason": data["reason"],
            "expected_token": data.get("token"),
        }
