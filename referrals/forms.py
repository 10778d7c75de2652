import datetime as dt

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import AgencyKind
from accounts.models import Agency
from cases import sharing
from cases.choices import ExemptionReason, GrantScope
from cases.forms import RecordForm
from common.forms import KanaField, PhoneField, WarekiDateField
from common.wareki import format_date
from households.access import NoBasisToPassOn, require_basis_to_pass_on
from households.models import Consent, Person
from intake.choices import ConsentAtIntake, Urgency
from intake.models import ConsultationCategory
from referrals.choices import REFERRAL_SCOPES

SCOPE_HELP = {
    GrantScope.SUMMARY: _("ケースの概要と世帯員の氏名だけ。支援経過やプランは見えません。"),
    GrantScope.RECORDS: _("概要に加えて、支援プランと支援経過。相談受付の記録は見えません。"),
    GrantScope.FULL: _("相談受付の記録を含む、ケース記録すべて。"),
}


def _textarea(label, rows: int, required_message=""):
    """A text area; required, with its Japanese message, when one is given."""
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        required=bool(required_message),
        error_messages={"required": required_message} if required_message else None,
    )


def _exemption_reason(label):
    """The legal exemption a referral or a person passed on without consent rests on."""
    return forms.ChoiceField(
        label=label, choices=[("", "---------"), *ExemptionReason.choices], required=False
    )


class ConsentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, consent):
        names = "、".join(a.name for a in consent.agencies.all())
        return _("%(person)s（%(date)s・%(method)s）共有先: %(agencies)s") % {
            "person": consent.person.full_name,
            "date": format_date(consent.obtained_on),
            "method": consent.get_method_display(),
            "agencies": names,
        }


def _consent_queryset(case, agency=None):
    """Valid consents of the case's household; with an agency, only those naming it
    (cases.sharing.covering_consents)."""
    if agency is not None:
        qs = sharing.covering_consents(case, agency)
    else:
        qs = (
            Consent.objects.valid_on()
            .filter(person__household_memberships__household=case.household)
            .distinct()
            .order_by("-obtained_on", "-pk")
        )
    return qs.select_related("person").prefetch_related("agencies")


class ReferralForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("繋ぎ先"),
        queryset=Agency.objects.none(),
        error_messages={"required": _("繋ぎ先の機関を選んでください。")},
    )
    persons = forms.ModelMultipleChoiceField(
        label=_("対象者"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("対象者を1人以上選んでください。")},
    )
    reason = _textarea(_("繋ぐ理由・経緯"), 4, _("繋ぐ理由・経緯を入力してください。"))
    request = _textarea(_("依頼したいこと"), 3, _("依頼したいことを入力してください。"))
    scope = forms.ChoiceField(
        label=_("開示範囲（繋ぎ先が見られる範囲）"),
        choices=[(s.value, s.label) for s in REFERRAL_SCOPES],
        initial=GrantScope.SUMMARY,
        widget=forms.RadioSelect,
        help_text=_("必要最小限の範囲を選んでください。"),
        error_messages={"required": _("開示範囲を選んでください。")},
    )
    consent = ConsentChoiceField(
        label=_("本人同意（共有の根拠）"),
        queryset=Consent.objects.none(),
        required=False,
        help_text=_("繋ぎ先を共有先に含む有効な本人同意を選びます。"),
    )
    exemption_reason = _exemption_reason(_("本人同意がない場合: 法令上の例外の根拠"))
    exemption_note = _textarea(_("例外とする具体的な理由"), 2)
    sent_on = WarekiDateField(
        label=_("送付日"),
        allow_future=False,
        required=False,
        help_text=_("空欄なら今日。電話や紙ですでに繋いだときは、その日付を入力してください。"),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["to_agency"].queryset = (
            Agency.objects.filter(is_active=True)
            .exclude(pk=case.lead_agency_id)
            .order_by("kind", "name")
        )
        self.fields["to_agency"].widget.attrs.update(
            {
                "hx-get": reverse("referrals:consent_options") + f"?case={case.pk}",
                "hx-target": "#consent-options",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["persons"].queryset = Person.objects.filter(case_roles__case=case).order_by(
            "pk"
        )
        self.fields["consent"].queryset = _consent_queryset(case, self.selected_agency())

    def sent_at(self):
        """None (now) for today or a blank day; the start of an earlier day."""
        day = self.cleaned_data.get("sent_on")
        if day is None or day == timezone.localdate():
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def selected_agency(self):
        raw = self.data.get("to_agency") if self.is_bound else self.initial.get("to_agency")
        if isinstance(raw, Agency):
            return raw
        try:
            return self.fields["to_agency"].queryset.filter(pk=int(raw)).first() if raw else None
        except (TypeError, ValueError):
            return None

    def clean(self):
        data = super().clean()
        agency = data.get("to_agency")
        if data.get("exemption_reason"):
            if not (data.get("exemption_note") or "").strip():
                self.add_error(
                    "exemption_note",
                    _("法令上の例外として繋ぐには、例外とする具体的な理由を記録してください。"),
                )
        elif agency is not None and not sharing.consent_covers(
            data.get("consent"), agency, self.case
        ):
            self.add_error(
                "consent",
                _(
                    "%(agency)sを共有先に含む有効な本人同意が選ばれていません。"
                    "世帯のページで本人同意（共有先に%(agency)sを含めたもの）を記録してから選ぶか、"
                    "法令上の例外の根拠と具体的な理由を記録してください。"
                )
                % {"agency": agency.name},
            )
        return data


class StepForm(forms.Form):
    """A step of a referral, with the day it was taken (blank: today; a past day for
    history typed in later; never the future)."""

    on = WarekiDateField(
        label=_("日付"),
        allow_future=False,
        required=False,
        help_text=_("空欄なら今日。後から記録するときは、実際の日付を入力してください。"),
    )

    def __init__(self, *args, date_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if date_label:
            self.fields["on"].label = date_label


class DeclineForm(StepForm):
    reason = _textarea(_("辞退の理由"), 3, _("辞退の理由を入力してください。"))
    field_order = ["reason", "on"]


class NoteForm(StepForm):
    note = _textarea(_("回答・メモ"), 2)
    field_order = ["note", "on"]


class CancelForm(StepForm):
    reason = _textarea(_("取消の理由"), 2)
    field_order = ["reason", "on"]


class ReferralRecordForm(RecordForm):
    """The case's record form, with the persons limited to the referral's."""

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, case=referral.case, **kwargs)
        self.fields["persons"].queryset = referral.persons.order_by("pk")


class DeskReferralForm(forms.Form):
    desk_agency = forms.ModelChoiceField(
        label=_("送り先の相談窓口"),
        queryset=Agency.objects.none(),
        error_messages={"required": _("送り先の相談窓口を選んでください。")},
    )
    person_name = forms.CharField(
        label=_("対象者の氏名"),
        max_length=100,
        error_messages={"required": _("対象者の氏名を入力してください。")},
    )
    person_name_kana = KanaField(label=_("ふりがな"), required=False)
    person_birth_date = WarekiDateField(label=_("生年月日"), required=False, allow_future=False)
    person_contact = forms.CharField(
        label=_("連絡先（電話・住所など）"), max_length=300, required=False
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("相談内容"),
        queryset=ConsultationCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("相談内容を1つ以上選んでください。")},
    )
    summary = _textarea(_("相談の内容（主訴・経緯）"), 5, _("相談の内容を入力してください。"))
    wishes = _textarea(_("本人・家族の希望"), 2)
    urgency = forms.ChoiceField(label=_("緊急度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    consent_status = forms.ChoiceField(
        label=_("相談窓口との情報共有への本人同意"),
        choices=ConsentAtIntake.choices,
        initial=ConsentAtIntake.UNKNOWN,
    )
    consent_date = WarekiDateField(label=_("同意日"), required=False, allow_future=False)
    exemption_reason = _exemption_reason(_("同意がない場合: 法令上の例外の根拠"))
    exemption_note = _textarea(_("例外とする具体的な理由"), 2)

    # Where each refusal of households.access.require_basis_to_pass_on is shown.
    BASIS_FIELDS = {
        "no_basis": "consent_status",
        "consent_date": "consent_date",
        "exemption_reason": "exemption_reason",
        "exemption_note": "exemption_note",
    }

    def __init__(self, *args, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk_agency"].queryset = desks
        first_two = list(desks[:2])
        if len(first_two) == 1:
            self.fields["desk_agency"].initial = first_two[0]
        self.fields["categories"].queryset = ConsultationCategory.objects.filter(
            is_active=True
        ).order_by("order", "pk")

    def clean(self):
        data = super().clean()
        if data.get("consent_status") != ConsentAtIntake.YES:
            data["consent_date"] = None  # a day of consent the person did not give
        if "consent_date" not in self.errors:
            try:
                require_basis_to_pass_on(
                    consent_given=data.get("consent_status") == ConsentAtIntake.YES,
                    consent_on=data.get("consent_date"),
                    exemption_reason=data.get("exemption_reason", ""),
                    exemption_note=data.get("exemption_note", ""),
                )
            except NoBasisToPassOn as exc:
                self.add_error(self.BASIS_FIELDS[exc.code], exc.messages[0])
        return data


class AgencySearchForm(forms.Form):
    q = forms.CharField(label=_("機関名・種別・対応できる内容"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("種別"), choices=[("", _("すべて")), *AgencyKind.choices], required=False
    )


class AgencyForm(forms.ModelForm):
    phone = PhoneField(label=_("電話"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Agency
        fields = [
            "name",
            "kind",
            "address",
            "phone",
            "email",
            "hours",
            "handles",
            "contact_person",
            "is_active",
        ]
        widgets = {"handles": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "name": {
                "required": _("機関名を入力してください。"),
                "unique": _("同じ名前の機関がすでに登録されています。"),
            },
            "kind": {"required": _("種別を選んでください。")},
            "email": {"invalid": _("メールアドレスの形式が正しくありません。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)
