from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from cases import sharing
from cases.models import Case
from common.form_parts import PersonChoiceField, StatusChangeForm, VersionedModelForm
from common.forms import WarekiDateField
from households.models import District, Person
from participation.choices import (
    PLACEMENT_TRANSITIONS,
    WEEKDAYS,
    EndReason,
    FollowUpMethod,
    HostOutcome,
    OpportunityKind,
    PlacementStatus,
)
from participation.models import HostDevelopment, Opportunity, Placement


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.household.name}）"


class OpportunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}・{obj.host_name}）"


def _districts():
    return District.objects.order_by("code", "name")


class OpportunitySearchForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("種類"), choices=[("", _("すべて")), *OpportunityKind.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("行政区"), queryset=District.objects.none(), required=False, empty_label=_("すべて")
    )
    day = forms.TypedChoiceField(
        label=_("曜日"),
        choices=[("", _("すべて")), *WEEKDAYS],
        coerce=int,
        empty_value=None,
        required=False,
    )
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    include_inactive = forms.BooleanField(label=_("受入を休止している参加先も表示"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()


class OpportunityForm(VersionedModelForm):
    """days is a form field of its own (weekday checkboxes); the service stores the mask."""

    days = forms.TypedMultipleChoiceField(
        label=_("曜日"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "kind",
            "description",
            "host_name",
            "host_agency",
            "district",
            "place",
            "hours",
            "capacity",
            "conditions",
            "contact",
            "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "conditions": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": _("名称を入力してください。")},
            "kind": {"required": _("種類を選んでください。")},
            "host_name": {"required": _("受入先を入力してください。")},
            "capacity": {"invalid": _("定員は数字で入力してください。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()
        self.fields["host_agency"].queryset = Agency.objects.filter(is_active=True)
        self.order_fields([*self.Meta.fields[:7], "days"])
        if self.instance.pk:
            self.initial["days"] = self.instance.day_list


class HostLogFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("結果"), choices=[("", _("すべて")), *HostOutcome.choices], required=False
    )
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)


class HostLogForm(VersionedModelForm):
    contacted_on = WarekiDateField(label=_("日付"), allow_future=False)
    next_on = WarekiDateField(label=_("次回予定日"), required=False)

    class Meta:
        model = HostDevelopment
        fields = [
            "contacted_on",
            "organisation",
            "host_agency",
            "method",
            "outcome",
            "outcome_note",
            "next_step",
            "next_on",
            "opportunity",
        ]
        widgets = {
            "outcome_note": forms.Textarea(attrs={"rows": 4}),
            "next_step": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "organisation": {"required": _("相手先を入力してください。")},
            "method": {"required": _("方法を選んでください。")},
            "outcome": {"required": _("結果を選んでください。")},
            "outcome_note": {"required": _("内容を入力してください。")},
        }
        field_classes = {"opportunity": OpportunityChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["opportunity"].queryset = Opportunity.objects.order_by("name")
        if not self.instance.pk:
            self.fields["contacted_on"].initial = timezone.localdate()


class PlacementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状況"),
        choices=[("ongoing", _("調整中・参加中")), ("all", _("すべて")), *PlacementStatus.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("参加先の種類"),
        choices=[("", _("すべて")), *OpportunityKind.choices],
        required=False,
    )

    def status_value(self) -> str:
        value = self.cleaned_data.get("status") or "ongoing"
        return "" if value == "all" else value


def persons_of(case=None, household=None):
    """Persons a placement may be for: the case's persons and its household's current
    members, or a household's current members."""
    from django.db.models import Q

    if case is not None:
        cond = Q(case_roles__case=case) | Q(
            household_memberships__household_id=case.household_id,
            household_memberships__until__isnull=True,
        )
    else:
        cond = Q(
            household_memberships__household=household, household_memberships__until__isnull=True
        )
    ids = Person.objects.filter(cond).values("pk")
    return Person.objects.filter(pk__in=ids).order_by("name_kana", "pk")


class PlacementForm(forms.Form):
    opportunity = OpportunityChoiceField(
        label=_("参加先"),
        queryset=Opportunity.objects.none(),
        error_messages={"required": _("参加先を選んでください。")},
    )
    person = PersonChoiceField(
        label=_("本人"),
        queryset=Person.objects.none(),
        error_messages={"required": _("本人を選んでください。")},
    )
    coordinating_on = WarekiDateField(label=_("調整開始日"), allow_future=False)
    note = forms.CharField(
        label=_("本人の希望・配慮すること"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case=None, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = Opportunity.objects.active().order_by("kind", "name")
        self.fields["person"].queryset = persons_of(case=case, household=household)
        self.fields["coordinating_on"].initial = timezone.localdate()


class PlacementEditForm(VersionedModelForm):
    coordinating_on = WarekiDateField(label=_("調整開始日"), allow_future=False)

    class Meta:
        model = Placement
        fields = ["case", "coordinating_on", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"case": CaseChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.instance.person
        cases = sharing.cases_visible_to(user, action="records").filter(
            pk__in=Case.objects.filter(case_persons__person=person).values("pk")
        )
        if self.instance.case_id:
            cases = cases | Case.objects.filter(pk=self.instance.case_id)
        self.fields["case"].queryset = cases.select_related("household").order_by("-opened_on")
        self.fields["case"].required = not user.is_desk_staff
        self.fields["case"].empty_label = _("（ケースなし）")


class PlacementStatusForm(StatusChangeForm):
    on = WarekiDateField(label=_("日付"), allow_future=False)
    end_reason_kind = forms.ChoiceField(
        label=_("終了の理由"), choices=[("", "---------"), *EndReason.choices], required=False
    )
    end_reason = forms.CharField(
        label=_("終了の理由の詳細"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_transitions(placement.status, PlacementStatus, PLACEMENT_TRANSITIONS)
        self.fields["on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("to_status") == PlacementStatus.ENDED and not data.get("end_reason_kind"):
            self.add_error("end_reason_kind", _("終了の理由を選んでください。"))
        return data


class FollowUpForm(forms.Form):
    followed_on = WarekiDateField(label=_("日付"), allow_future=False)
    method = forms.ChoiceField(
        label=_("方法"),
        choices=FollowUpMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("方法を選んでください。")},
    )
    note = forms.CharField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("内容を入力してください。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["followed_on"].initial = timezone.localdate()


class CasePickForm(forms.Form):
    """On an opportunity's page: pick the case whose person to place there."""

    case = CaseChoiceField(
        label=_("ケース"),
        queryset=Case.objects.none(),
        error_messages={"required": _("ケースを選んでください。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = (
            sharing.cases_visible_to(user, action="records")
            .open()
            .select_related("household")
            .order_by("-opened_on")
        )
