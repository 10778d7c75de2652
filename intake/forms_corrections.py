"""訂正 of a consultation: the counted values (date, 相談方法, 相談者, 相談内容, 対応結果)
and the 主訴, with a required reason."""

import copy
import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.corrections import reason_field
from intake.choices import Urgency
from intake.forms import ConsultationForm
from intake.models import Consultation, ConsultationCategory


def _as_at_intake(name: str) -> forms.Field:
    """The field exactly as the 相談受付 form asks it: a correction asks the same question
    (Django copies a form's fields per instance, so the copy here is never shared)."""
    return copy.deepcopy(ConsultationForm.base_fields[name])


class ConsultationCorrectionForm(forms.Form):
    received_on = _as_at_intake("received_on")
    received_time = _as_at_intake("received_time")
    channel = _as_at_intake("channel")
    came_from = _as_at_intake("came_from")
    categories = forms.ModelMultipleChoiceField(
        label=_("相談内容（複数可）"),
        queryset=ConsultationCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("相談内容を1つ以上選んでください。"),
            "invalid_choice": _("選んだ相談内容は使えません。"),
            "invalid_pk_value": _("選んだ相談内容は使えません。"),
        },
    )
    primary_category = forms.ModelChoiceField(
        label=_("主な相談内容"),
        queryset=ConsultationCategory.objects.none(),
        error_messages={
            "required": _("主な相談内容を選んでください。"),
            "invalid_choice": _("選んだ相談内容は使えません。"),
        },
    )
    summary = _as_at_intake("summary")
    wishes = _as_at_intake("wishes")
    urgency = forms.ChoiceField(
        label=_("緊急度"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("緊急度を選んでください。")},
    )
    outcome = _as_at_intake("outcome")
    reason = reason_field()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, consultation: Consultation, **kwargs):
        if not args or args[0] is None:
            local = timezone.localtime(consultation.received_at)
            links = list(consultation.category_links.all())
            kwargs["initial"] = {
                "received_on": local.date(),
                "received_time": local.time().replace(second=0, microsecond=0),
                "channel": consultation.channel,
                "came_from": consultation.came_from,
                "categories": [link.category_id for link in links],
                "primary_category": next((k.category_id for k in links if k.is_primary), None),
                "summary": consultation.summary,
                "wishes": consultation.wishes,
                "urgency": consultation.urgency,
                "outcome": consultation.outcome,
                "version": consultation.version,
            }
        super().__init__(*args, **kwargs)
        current = consultation.category_links.values("category_id")
        categories = ConsultationCategory.objects.filter(Q(is_active=True) | Q(pk__in=current))
        self.fields["categories"].queryset = categories
        self.fields["primary_category"].queryset = categories
        if "received_on" in self.initial:
            self.fields["received_on"].initial = self.initial["received_on"]

    def clean(self):
        data = super().clean()
        primary, chosen = data.get("primary_category"), data.get("categories")
        if primary is not None and chosen is not None and primary not in chosen:
            self.add_error(
                "primary_category",
                _("主な相談内容は、選んだ相談内容の中から1つ選んでください。"),
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "received_at": timezone.make_aware(
                dt.datetime.combine(data["received_on"], data["received_time"])
            ),
            "channel": data["channel"],
            "came_from": data["came_from"],
            "categories": list(data["categories"]),
            "primary_category": data["primary_category"],
            "summary": data["summary"],
            "wishes": data["wishes"],
            "urgency": data["urgency"],
            "outcome": data["outcome"],
            "reason": data["reason"],
            "expected_version": data.get("version"),
        }
