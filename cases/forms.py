import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, User
from cases.choices import (
    CASE_TRANSITIONS,
    CasePersonRole,
    CaseStatus,
    CloseReason,
    ExemptionReason,
    GrantScope,
    Project,
    RecordKind,
    RiskLevel,
)
from cases.models import AssessmentIssue, Case
from cases.services import hand_typed_referral_refusal
from common.forms import WarekiDateField
from common.widgets import LightSelect, LightTextInput
from households.forms import consent_choice_label
from households.models import Consent, Person


def _check_boxes(label, queryset):
    """An optional choice of several, shown as check boxes (the persons or issues that
    apply); forms given a household narrow the queryset in __init__."""
    return forms.ModelMultipleChoiceField(
        label=label, queryset=queryset, required=False, widget=forms.CheckboxSelectMultiple
    )


def text_area(label, rows: int, *, required_message=None, **kwargs):
    """A multi-line text field. required_message: what to say when it is left empty;
    without one the field is optional."""
    if required_message is None:
        kwargs["required"] = False
    else:
        kwargs["error_messages"] = {"required": required_message}
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def household_persons(household):
    return Person.objects.filter(
        household_memberships__household=household, household_memberships__until__isnull=True
    ).order_by("household_memberships__pk")


def valid_household_consents(household):
    return (
        Consent.objects.valid_on()
        .filter(person__household_memberships__household=household)
        .distinct()
        .select_related("person")
        .prefetch_related("agencies")
        .order_by("-obtained_on", "-pk")
    )


class CaseOpenForm(forms.Form):
    title = forms.CharField(
        label=_("ケース名"),
        max_length=200,
        error_messages={"required": _("ケース名を入力してください。")},
    )
    opened_on = WarekiDateField(label=_("開始日"), allow_future=False)
    lead_staff = forms.ModelChoiceField(
        label=_("主担当"),
        queryset=User.objects.none(),
        error_messages={"required": _("主担当を選んでください。")},
    )
    risk_level = forms.ChoiceField(
        label=_("リスク"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    principal = forms.ModelChoiceField(
        label=_("本人（主たる対象者）"),
        queryset=Person.objects.none(),
        error_messages={"required": _("本人を選んでください。")},
    )
    members = _check_boxes(_("支援の対象となる世帯員"), Person.objects.none())
    summary = text_area(_("ケースの概要"), 3)

    def __init__(self, *args, household, agency, **kwargs):
        super().__init__(*args, **kwargs)
        persons = household_persons(household)
        self.fields["principal"].queryset = persons
        self.fields["members"].queryset = persons
        self.fields["lead_staff"].queryset = User.objects.filter(
            memberships__agency=agency, memberships__is_active=True, is_active=True
        ).order_by("pk")
        self.fields["opened_on"].initial = timezone.localdate()

    def persons(self):
        principal = self.cleaned_data["principal"]
        out = [(principal, CasePersonRole.PRINCIPAL)]
        out += [(p, CasePersonRole.MEMBER) for p in self.cleaned_data["members"] if p != principal]
        return out


class CaseEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    collaboration_started_on = WarekiDateField(label=_("多機関協働の開始日"), required=False)
    collaboration_ended_on = WarekiDateField(label=_("多機関協働の終了日"), required=False)

    class Meta:
        model = Case
        fields = [
            "title",
            "lead_agency",
            "lead_staff",
            "risk_level",
            "summary",
            "collaboration_started_on",
            "collaboration_ended_on",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["lead_staff"].queryset = (
            User.objects.filter(memberships__is_active=True, is_active=True)
            .distinct()
            .order_by("pk")
        )
        self.initial.setdefault("version", self.instance.version)

    def clean(self):
        data = super().clean()
        agency, staff = data.get("lead_agency"), data.get("lead_staff")
        if (
            agency
            and staff
            and not staff.memberships.filter(agency=agency, is_active=True).exists()
        ):
            self.add_error("lead_staff", _("主担当は主担当機関の職員から選んでください。"))
        start, end = data.get("collaboration_started_on"), data.get("collaboration_ended_on")
        if start and end and end < start:
            self.add_error("collaboration_ended_on", _("終了日は開始日より後にしてください。"))
        return data


class CaseStatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("新しい状況"), choices=CaseStatus.choices)
    on = WarekiDateField(label=_("日付"), allow_future=False)
    close_reason_kind = forms.ChoiceField(
        label=_("終結理由"), choices=[("", "---------"), *CloseReason.choices], required=False
    )
    reason = text_area(_("理由・補足"), 2)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = CASE_TRANSITIONS.get(case.status, set())
        self.fields["to_status"].choices = [
            (v, label) for v, label in CaseStatus.choices if v in allowed
        ]
        self.fields["on"].initial = timezone.localdate()
        self.case = case

    def clean(self):
        data = super().clean()
        if data.get("to_status") == CaseStatus.CLOSED and not data.get("close_reason_kind"):
            self.add_error("close_reason_kind", _("終結するには終結理由を選んでください。"))
        if data.get("to_status") == CaseStatus.SUSPENDED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("中断の理由を入力してください。"))
        if data.get("on") and data["on"] < self.case.opened_on:
            self.add_error("on", _("日付はケースの開始日より後にしてください。"))
        return data


class RecordForm(forms.Form):
    occurred_on = WarekiDateField(label=_("日付"), allow_future=False)
    occurred_time = forms.TimeField(
        label=_("時刻"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": _("時刻は 14:30 のように入力してください。")},
    )
    kind = forms.ChoiceField(
        label=_("種別"),
        choices=RecordKind.choices,
        error_messages={"required": _("種別を選んでください。")},
    )
    project = forms.ChoiceField(
        label=_("事業"), choices=Project.choices, initial=Project.COLLABORATION
    )
    persons = _check_boxes(_("対象者"), Person.objects.none())
    minutes = forms.IntegerField(
        label=_("所要時間（分）"),
        required=False,
        min_value=0,
        max_value=24 * 60,
        error_messages={
            "invalid": _("所要時間は分単位の数字で入力してください。"),
            "min_value": _("所要時間は0分以上にしてください。"),
            "max_value": _("所要時間は1440分以下にしてください。"),
        },
    )
    narrative = text_area(_("内容"), 5, required_message=_("内容を入力してください。"))
    next_visit_on = WarekiDateField(
        label=_("次回訪問予定日"),
        required=False,
        help_text=_("決まっていれば入力します。カレンダーに「訪問」として表示されます。"),
    )
    referred_to = forms.CharField(
        label=_("繋ぎ先（システムに登録されていない機関）"),
        max_length=200,
        required=False,
        help_text=_(
            "種別が「繋ぎ」のときに入力します。システムに登録されている機関へは、ケースの"
            "「繋ぐ」から送ってください（支援経過は自動で記録されます）。"
        ),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = household_persons(case.household)
        self.fields["occurred_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        day, visit = data.get("occurred_on"), data.get("next_visit_on")
        if day and visit and visit <= day:
            self.add_error(
                "next_visit_on", _("次回訪問予定日は、記録の日付より後の日にしてください。")
            )
        if data.get("kind") == RecordKind.REFERRAL:
            refusal = hand_typed_referral_refusal(data.get("referred_to", ""))
            if refusal:
                self.add_error("referred_to", refusal)
        else:
            data["referred_to"] = ""
        return data

    def occurred_at(self):
        d = self.cleaned_data["occurred_on"]
        t = self.cleaned_data.get("occurred_time") or dt.time(0, 0)
        return timezone.make_aware(dt.datetime.combine(d, t))


class AssessmentForm(forms.Form):
    assessed_on = WarekiDateField(label=_("実施日"), allow_future=False)
    household_overview = text_area(
        _("世帯全体の状況"), 4, required_message=_("世帯全体の状況を入力してください。")
    )
    issues = _check_boxes(_("世帯の課題"), AssessmentIssue.objects.filter(is_active=True))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()
        self.persons = list(household_persons(case.household))
        issues = AssessmentIssue.objects.filter(is_active=True)
        for p in self.persons:
            self.fields[f"situation_{p.pk}"] = text_area(
                _("%(name)sさんの状況") % {"name": p.full_name}, 2
            )
            self.fields[f"strengths_{p.pk}"] = text_area(_("強み・できていること"), 1)
            self.fields[f"issues_{p.pk}"] = _check_boxes(_("課題"), issues)

    def member_rows(self):
        return [
            (p, self[f"situation_{p.pk}"], self[f"strengths_{p.pk}"], self[f"issues_{p.pk}"])
            for p in self.persons
        ]

    def _ticked(self, name) -> set[str]:
        if self.is_bound:
            return {str(v) for v in self.data.getlist(self.add_prefix(name))}
        return {str(getattr(v, "pk", v)) for v in self.initial.get(name) or []}

    def issue_columns(self) -> list[tuple[str, str]]:
        """(field name, column heading): the household, then each member."""
        return [("issues", str(_("世帯全体")))] + [
            (f"issues_{p.pk}", p.full_name) for p in self.persons
        ]

    def issue_grid(self) -> list[dict]:
        """Issues × (household, members) as rows of check boxes: one compact table
        instead of a list of every issue under every person. Each box is named for
        screen readers by its person and issue."""
        columns = self.issue_columns()
        ticked = {name: self._ticked(name) for name, _heading in columns}
        return [
            {
                "issue": issue,
                "cells": [
                    {
                        "name": name,
                        "id": f"id_{name}_{issue.pk}",
                        "checked": str(issue.pk) in ticked[name],
                        "label": f"{heading}：{issue.name}",
                    }
                    for name, heading in columns
                ],
            }
            for issue in self.fields["issues"].queryset
        ]

    def issue_errors(self) -> list[str]:
        return [e for name, _h in self.issue_columns() for e in self.errors.get(name, [])]

    def members(self):
        return [
            {
                "person": p,
                "situation": self.cleaned_data.get(f"situation_{p.pk}", ""),
                "strengths": self.cleaned_data.get(f"strengths_{p.pk}", ""),
                "issues": self.cleaned_data.get(f"issues_{p.pk}", []),
            }
            for p in self.persons
        ]


class ShareForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("共有先機関"),
        queryset=Agency.objects.filter(is_active=True),
        error_messages={"required": _("共有先の機関を選んでください。")},
    )
    scope = forms.ChoiceField(
        label=_("共有する範囲"),
        choices=[
            (GrantScope.SUMMARY, GrantScope.SUMMARY.label),
            (GrantScope.RECORDS, GrantScope.RECORDS.label),
            (GrantScope.FULL, GrantScope.FULL.label),
        ],
    )
    consent = forms.ModelChoiceField(
        label=_("根拠となる本人同意"), queryset=Consent.objects.none(), required=False
    )
    exemption_reason = forms.ChoiceField(
        label=_("法令上の例外（同意がない場合）"),
        choices=[("", "---------"), *ExemptionReason.choices],
        required=False,
    )
    note = text_area(_("理由・メモ"), 2)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk=case.lead_agency_id
        )
        self.fields["consent"].queryset = valid_household_consents(case.household)
        self.fields["consent"].label_from_instance = consent_choice_label

    def clean(self):
        data = super().clean()
        if not data.get("consent") and not data.get("exemption_reason"):
            self.add_error("consent", _("本人同意を選ぶか、法令上の例外の根拠を選んでください。"))
        if data.get("exemption_reason") and not (data.get("note") or "").strip():
            self.add_error(
                "note", _("法令上の例外による共有では、具体的な理由を記録してください。")
            )
        return data


class CaseFilterForm(forms.Form):
    STATUS_CHOICES = [("open", _("対応中")), ("ended", _("終結・中断")), ("all", _("すべて"))]
    q = forms.CharField(label=_("検索"), required=False, max_length=100, widget=LightTextInput)
    status = forms.ChoiceField(
        label=_("状況"), choices=STATUS_CHOICES, required=False, widget=LightSelect
    )
    mine = forms.BooleanField(label=_("自分が主担当"), required=False)
