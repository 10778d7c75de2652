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
    ReviewOutcome,
    RiskLevel,
)
from cases.models import AssessmentIssue, Case
from cases.services import hand_typed_referral_refusal
from common.forms import WarekiDateField
from households.choices import ConsentMethod
from households.forms import consent_choice_label
from households.models import Consent, Person


def _household_persons(household):
    return Person.objects.filter(
        household_memberships__household=household, household_memberships__until__isnull=True
    ).order_by("household_memberships__pk")


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
    members = forms.ModelMultipleChoiceField(
        label=_("支援の対象となる世帯員"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("ケースの概要"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, household, agency, **kwargs):
        super().__init__(*args, **kwargs)
        persons = _household_persons(household)
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
    reason = forms.CharField(
        label=_("理由・補足"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

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
    persons = forms.ModelMultipleChoiceField(
        label=_("対象者"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
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
    narrative = forms.CharField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("内容を入力してください。")},
    )
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
        self.fields["persons"].queryset = _household_persons(case.household)
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
    household_overview = forms.CharField(
        label=_("世帯全体の状況"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("世帯全体の状況を入力してください。")},
    )
    issues = forms.ModelMultipleChoiceField(
        label=_("世帯の課題"),
        queryset=AssessmentIssue.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()
        self.persons = list(_household_persons(case.household))
        issues = AssessmentIssue.objects.filter(is_active=True)
        for p in self.persons:
            self.fields[f"situation_{p.pk}"] = forms.CharField(
                label=_("%(name)sさんの状況") % {"name": p.full_name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"strengths_{p.pk}"] = forms.CharField(
                label=_("強み・できていること"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            self.fields[f"issues_{p.pk}"] = forms.ModelMultipleChoiceField(
                label=_("課題"),
                queryset=issues,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

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


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    person_wishes = forms.CharField(
        label=_("本人の希望"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("本人の希望を入力してください。")},
    )
    goals = forms.CharField(
        label=_("目標"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("目標を入力してください。")},
    )
    review_on = WarekiDateField(label=_("評価予定日"), required=False)


class PlanRoleForm(forms.Form):
    concern = forms.CharField(label=_("困りごと"), max_length=300, required=False)
    agency = forms.ModelChoiceField(
        label=_("支援機関"), queryset=Agency.objects.filter(is_active=True), required=False
    )
    method = forms.CharField(
        label=_("支援方法"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    person = forms.ModelChoiceField(
        label=_("対象者"), queryset=Person.objects.none(), required=False
    )
    due_on = WarekiDateField(label=_("期限"), required=False)

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            self.fields["person"].queryset = _household_persons(household)
        # The row's boxes sit in a table under column headings; each still needs its
        # own accessible name (which column, which row).
        row = (self.prefix or "").rsplit("-", 1)[-1]
        row = int(row) + 1 if row.isdecimal() else 1
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = _("%(label)s（%(n)s行目）") % {
                "label": field.label,
                "n": row,
            }

    def clean(self):
        data = super().clean()
        filled = [data.get("concern"), data.get("agency"), data.get("method")]
        if any(filled) and not all(filled):
            for name in ("concern", "agency", "method"):
                if not data.get(name):
                    self.add_error(
                        name,
                        _("役割分担の行は、困りごと・支援機関・支援方法をすべて入力してください。"),
                    )
        return data

    def is_blank(self):
        return not any(self.cleaned_data.get(k) for k in ("concern", "agency", "method"))


# A plan's role rows. Bounded: a posted roles-TOTAL_FORMS of 2,000 (Django's own cap)
# made the page build and render 2,000 rows, two queries each, for one request.
MAX_PLAN_ROLES = 100


class BasePlanRoleFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": _("役割分担は%(num)d行までです。"),
    }


PlanRoleFormSet = forms.formset_factory(
    PlanRoleForm,
    formset=BasePlanRoleFormSet,
    extra=0,
    min_num=0,
    max_num=MAX_PLAN_ROLES,
    absolute_max=MAX_PLAN_ROLES,
    validate_max=True,
)


def _valid_household_consents(household):
    return (
        Consent.objects.valid_on()
        .filter(person__household_memberships__household=household)
        .distinct()
        .select_related("person")
        .prefetch_related("agencies")
        .order_by("-obtained_on", "-pk")
    )


class PlanConsentForm(forms.Form):
    """Choose a recorded 本人同意 for the plan. The options say who, when, how and
    which agencies each covers; one covering every role agency is chosen already."""

    consent = forms.ModelChoiceField(
        label=_("記録済みの本人同意"),
        queryset=Consent.objects.none(),
        error_messages={
            "required": _(
                "本人同意を選んでください。記録がなければ下の「新しく同意を記録する」で"
                "記録してください。"
            ),
            "invalid_choice": _("選んだ本人同意は使えません（期限切れ・撤回・別の世帯）。"),
        },
    )
    consented_on = WarekiDateField(label=_("プランへの同意日"), allow_future=False)

    def __init__(self, *args, case, role_agency_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        consents = _valid_household_consents(case.household)
        self.fields["consent"].queryset = consents
        self.fields["consent"].label_from_instance = consent_choice_label
        self.fields["consented_on"].initial = timezone.localdate()
        needed = set(role_agency_ids)
        self.consent_list = list(consents)
        covering = [c for c in self.consent_list if needed <= {a.pk for a in c.agencies.all()}]
        if covering:
            self.fields["consent"].initial = covering[0].pk
        self.covers_roles = bool(covering)


class PlanNewConsentForm(forms.Form):
    """Record a new 本人同意 from the plan page and use it for the plan at once."""

    person = forms.ModelChoiceField(
        label=_("同意した人"),
        queryset=Person.objects.none(),
        error_messages={"required": _("同意した人を選んでください。")},
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("共有先機関"),
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("共有先の機関を1つ以上選んでください。")},
    )
    purpose = forms.CharField(
        label=_("目的（共有する範囲）"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("同意の目的を入力してください。")},
    )
    method = forms.ChoiceField(
        label=_("方法"),
        choices=ConsentMethod.choices,
        initial=ConsentMethod.SIGNED,
        widget=forms.RadioSelect,
        error_messages={"required": _("同意の方法（署名・口頭）を選んでください。")},
    )
    obtained_on = WarekiDateField(label=_("同意日"), allow_future=False)

    def __init__(self, *args, plan, principal=None, **kwargs):
        kwargs.setdefault("prefix", "nc")
        super().__init__(*args, **kwargs)
        case = plan.case
        self.fields["person"].queryset = _household_persons(case.household)
        self.fields["person"].initial = principal.pk if principal else None
        self.fields["agencies"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk=case.lead_agency_id
        )
        self.fields["agencies"].initial = sorted(
            {r.agency_id for r in plan.roles.all()} - {case.lead_agency_id}
        )
        self.fields["purpose"].initial = _(
            "支援プラン（第%(n)s版）に基づく支援のための情報共有"
        ) % {"n": plan.number}
        self.fields["obtained_on"].initial = timezone.localdate()


class PlanApproveForm(forms.Form):
    """承認して実施する: the day the plan was approved and came into force."""

    on = WarekiDateField(
        label=_("承認・実施開始日"),
        allow_future=False,
        required=False,
        help_text=_("空欄なら今日。過去の日付も入力できます。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class PlanReviewForm(forms.Form):
    reviewed_on = WarekiDateField(label=_("評価日"), allow_future=False)
    evaluation = forms.CharField(
        label=_("評価"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("評価の内容を入力してください。")},
    )
    outcome = forms.ChoiceField(label=_("評価の結果"), choices=ReviewOutcome.choices)
    next_review_on = WarekiDateField(label=_("次回評価日"), required=False)

    def clean(self):
        data = super().clean()
        if (
            data.get("reviewed_on")
            and data.get("next_review_on")
            and data["next_review_on"] <= data["reviewed_on"]
        ):
            self.add_error("next_review_on", _("次回評価日は評価日より後にしてください。"))
        return data


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
    note = forms.CharField(
        label=_("理由・メモ"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk=case.lead_agency_id
        )
        self.fields["consent"].queryset = _valid_household_consents(case.household)
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
    q = forms.CharField(label=_("検索"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状況"), choices=STATUS_CHOICES, required=False)
    mine = forms.BooleanField(label=_("自分が主担当"), required=False)
