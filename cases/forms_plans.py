"""Forms of the 支援プラン pages: the plan and its role rows, consent, approval, review."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from cases.choices import (
    ReviewOutcome,
)
from cases.forms import household_persons, text_area, valid_household_consents
from common.forms import WarekiDateField
from households.choices import ConsentMethod
from households.forms import consent_choice_label
from households.models import Consent, Person


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    person_wishes = text_area(
        _("本人の希望"), 3, required_message=_("本人の希望を入力してください。")
    )
    goals = text_area(_("目標"), 3, required_message=_("目標を入力してください。"))
    review_on = WarekiDateField(label=_("評価予定日"), required=False)


class PlanRoleForm(forms.Form):
    concern = forms.CharField(label=_("困りごと"), max_length=300, required=False)
    agency = forms.ModelChoiceField(
        label=_("支援機関"), queryset=Agency.objects.filter(is_active=True), required=False
    )
    method = text_area(_("支援方法"), 1)
    person = forms.ModelChoiceField(
        label=_("対象者"), queryset=Person.objects.none(), required=False
    )
    due_on = WarekiDateField(label=_("期限"), required=False)

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            self.fields["person"].queryset = household_persons(household)
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
        consents = valid_household_consents(case.household)
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
    purpose = text_area(
        _("目的（共有する範囲）"),
        2,
        required_message=_("同意の目的を入力してください。"),
        max_length=1000,
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
        self.fields["person"].queryset = household_persons(case.household)
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
    evaluation = text_area(_("評価"), 3, required_message=_("評価の内容を入力してください。"))
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
