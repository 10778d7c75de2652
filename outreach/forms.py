from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from cases import sharing
from cases.models import Case
from common.form_parts import PersonChoiceField, StatusChangeForm, VersionedModelForm
from common.forms import WarekiDateField
from households.access import households_visible_to
from households.models import District, Person
from households.selectors import persons_visible_to
from outreach.choices import (
    TARGET_TRANSITIONS,
    ContactMethod,
    TargetSource,
    TargetStatus,
    VisitResult,
)
from outreach.models import OutreachTarget, VisitCampaign


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.household.name}・{obj.get_status_display()}）"


def _members(household):
    return Person.objects.filter(
        household_memberships__household=household, household_memberships__until__isnull=True
    ).order_by("household_memberships__pk")


class TargetFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("open", _("対応中（把握〜見守り）")),
        ("all", _("すべて")),
        *TargetStatus.choices,
    ]
    status = forms.ChoiceField(label=_("状況"), choices=STATUS_CHOICES, required=False)
    source = forms.ChoiceField(
        label=_("把握の経路"), choices=[("", _("すべて")), *TargetSource.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("行政区"),
        queryset=District.objects.order_by("code", "name"),
        required=False,
        empty_label=_("すべて"),
    )
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)

    def status_value(self) -> str:
        value = self.cleaned_data.get("status") or "open"
        return "" if value == "all" else value


class TargetForm(VersionedModelForm):
    """Create and edit a target. Households and persons offered are those the user may
    see; the agency list is every agency for the desk, the user's own otherwise."""

    found_on = WarekiDateField(label=_("把握日"), allow_future=False)

    class Meta:
        model = OutreachTarget
        fields = [
            "household",
            "person",
            "description",
            "district",
            "source",
            "source_detail",
            "concern",
            "found_on",
            "assigned_agency",
        ]
        widgets = {"concern": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "source": {"required": _("把握の経路を選んでください。")},
            "concern": {"required": _("気になることを入力してください。")},
            "assigned_agency": {"required": _("担当機関を選んでください。")},
        }
        field_classes = {"person": PersonChoiceField}

    def __init__(self, *args, user, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_household = household
        if household is not None:
            del self.fields["household"]
            self.fields["person"].queryset = _members(household)
        else:
            self.fields["household"].queryset = households_visible_to(user).order_by("name", "pk")
            self.fields["household"].empty_label = _("（分からない・未登録）")
            if self.instance.household_id:
                self.fields["person"].queryset = _members(self.instance.household)
            else:
                self.fields["person"].queryset = persons_visible_to(user).order_by(
                    "name_kana", "pk"
                )
        self.fields["person"].empty_label = _("（分からない・未登録）")
        self.fields["district"].queryset = District.objects.order_by("code", "name")
        agencies = Agency.objects.filter(is_active=True)
        if not user.is_desk_staff:
            agencies = agencies.filter(pk__in=user.agency_ids)
        self.fields["assigned_agency"].queryset = agencies
        if not self.instance.pk:
            self.fields["found_on"].initial = timezone.localdate()
            self.fields["assigned_agency"].initial = (
                agencies.filter(pk__in=user.agency_ids).values_list("pk", flat=True).first()
            )

    def clean(self):
        data = super().clean()
        household = self.fixed_household or data.get("household")
        if not household and not data.get("person") and not (data.get("description") or "").strip():
            self.add_error(
                "description",
                _("世帯や人が分からないときは、分かっていること（手がかり）を入力してください。"),
            )
        return data


class TargetStatusForm(StatusChangeForm):
    note = forms.CharField(
        label=_("メモ・理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_transitions(target.status, TargetStatus, TARGET_TRANSITIONS)

    def clean(self):
        data = super().clean()
        if data.get("to_status") == TargetStatus.STOPPED and not (data.get("note") or "").strip():
            self.add_error("note", _("中断の理由を入力してください。"))
        return data


class ContactForm(forms.Form):
    contacted_on = WarekiDateField(label=_("日付"), allow_future=False)
    method = forms.ChoiceField(
        label=_("方法"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("方法を選んでください。")},
    )
    companions = forms.CharField(
        label=_("同行者"), required=False, max_length=200, help_text=_("例: 民生委員 〇〇さん")
    )
    reached = forms.BooleanField(label=_("本人・家族と接触できた"), required=False)
    result = forms.CharField(
        label=_("結果"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("結果を入力してください。")},
    )
    next_step = forms.CharField(
        label=_("次の対応"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_on = WarekiDateField(label=_("次回予定日"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate()


class ConnectForm(forms.Form):
    NEW, EXISTING = "new", "existing"
    mode = forms.ChoiceField(
        label=_("つなぎ方"),
        choices=[(NEW, _("新しくケースを開始する")), (EXISTING, _("既存のケースにつなぐ"))],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    title = forms.CharField(label=_("ケース名"), max_length=200, required=False)
    opened_on = WarekiDateField(label=_("開始日・つながった日"), allow_future=False)
    principal = PersonChoiceField(
        label=_("本人（主たる対象者）"), queryset=Person.objects.none(), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=_("支援の対象となる世帯員"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    case = CaseChoiceField(label=_("既存のケース"), queryset=Case.objects.none(), required=False)

    def __init__(self, *args, target, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_on"].initial = timezone.localdate()
        if target.household_id:
            members = _members(target.household)
            self.fields["principal"].queryset = members
            self.fields["members"].queryset = members
            self.fields["title"].initial = _("%(name)sの支援") % {"name": target.household.name}
            if target.person_id:
                self.fields["principal"].initial = target.person_id
            cases = sharing.cases_visible_to(user, action="records").filter(
                household=target.household
            )
        else:
            cases = sharing.cases_visible_to(user, action="records")
        self.fields["case"].queryset = cases.select_related("household").order_by("-opened_on")
        self.fields["case"].empty_label = _("（選んでください）")

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.EXISTING:
            if not data.get("case"):
                self.add_error("case", _("つなぐケースを選んでください。"))
        else:
            if not (data.get("title") or "").strip():
                self.add_error("title", _("ケース名を入力してください。"))
            if not data.get("principal"):
                self.add_error("principal", _("本人（主たる対象者）を選んでください。"))
        return data


class CampaignForm(VersionedModelForm):
    starts_on = WarekiDateField(label=_("開始日"))
    ends_on = WarekiDateField(label=_("終了日"))

    class Meta:
        model = VisitCampaign
        fields = ["name", "districts", "starts_on", "ends_on", "visiting_agencies", "note"]
        widgets = {
            "districts": forms.CheckboxSelectMultiple,
            "visiting_agencies": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": _("調査名を入力してください。")},
            "districts": {"required": _("対象の行政区を選んでください。")},
            "visiting_agencies": {"required": _("訪問する機関を選んでください。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["districts"].queryset = District.objects.order_by("code", "name")
        self.fields["visiting_agencies"].queryset = Agency.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("終了日は開始日より後にしてください。"))
        return data


class VisitForm(forms.Form):
    result = forms.ChoiceField(
        label=_("結果"),
        choices=VisitResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("訪問の結果を選んでください。")},
    )
    visited_on = WarekiDateField(
        label=_("訪問日"),
        allow_future=False,
        error_messages={"required": _("訪問日を入力してください。")},
    )
    note = forms.CharField(
        label=_("メモ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("気になる点ありのときは、その内容を書いてください。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("result") == VisitResult.CONCERN and not (data.get("note") or "").strip():
            self.add_error("note", _("気になる点をメモに書いてください。"))
        return data


class VisitFilterForm(forms.Form):
    result = forms.ChoiceField(
        label=_("結果"),
        choices=[("", _("すべて")), ("todo", _("未訪問")), *VisitResult.choices],
        required=False,
    )
