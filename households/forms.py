from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from common.forms import KanaField, PhoneField, VersionedFormMixin, WarekiDateField
from common.wareki import format_date
from households.choices import Relationship
from households.models import Consent, District, Household, Person
from households.selectors import search_hint

# The purpose a consent recorded at the desk is given unless staff write another.
DEFAULT_CONSENT_PURPOSE = _("相談支援のため、関係機関の間で必要な情報を共有すること")


def consent_choice_label(consent: Consent) -> str:
    """One line that tells consents apart in a list: who, when (和暦), how, which
    agencies it covers and for what. Prefetch agencies and select person."""
    agencies = "、".join(a.name for a in consent.agencies.all()) or "—"
    purpose = consent.purpose if len(consent.purpose) <= 24 else consent.purpose[:23] + "…"
    return _("%(person)s（%(date)s %(method)s）共有先: %(agencies)s／目的: %(purpose)s") % {
        "person": consent.person.full_name,
        "date": format_date(consent.obtained_on),
        "method": consent.get_method_display(),
        "agencies": agencies,
        "purpose": purpose,
    }


class HouseholdForm(forms.ModelForm):
    phone = PhoneField(label=_("電話"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Household
        fields = [
            "name",
            "postal_code",
            "address",
            "district",
            "phone",
            "is_address_confidential",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        # The required check runs before clean_name, so it needs the message too.
        error_messages = {"name": {"required": _("世帯の呼び名を入力してください。")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.all()
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("世帯の呼び名を入力してください。"))
        return name


class PersonForm(VersionedFormMixin, forms.ModelForm):
    family_name_kana = KanaField(label=_("せい（ふりがな）"))
    given_name_kana = KanaField(label=_("めい（ふりがな）"), required=False)
    birth_date = WarekiDateField(label=_("生年月日"), required=False, allow_future=False)
    phone = PhoneField(label=_("電話（自宅）"), required=False)
    mobile_phone = PhoneField(label=_("電話（携帯）"), required=False)

    class Meta:
        model = Person
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "birth_date",
            "sex",
            "phone",
            "mobile_phone",
            "email",
            "has_care_certification",
            "has_disability_certificate",
            "receives_public_assistance",
            "needs_interpreter",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"family_name": {"required": _("姓を入力してください。")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # editing: the version the page was loaded at
            self.add_version_field()

    def clean_family_name(self):
        value = self.cleaned_data["family_name"].strip()
        if not value:
            raise forms.ValidationError(_("姓を入力してください。"))
        return value


class MemberForm(PersonForm):
    """A new person joining a household, with their 続柄 and a duplicate check."""

    relationship = forms.ChoiceField(label=_("続柄"), choices=Relationship.choices)
    since = WarekiDateField(label=_("加入日"), required=False)
    confirm_not_duplicate = forms.BooleanField(
        label=_("同一人物ではないことを確認しました"), required=False
    )

    class Meta(PersonForm.Meta):
        fields = ["relationship", *PersonForm.Meta.fields]


class MembershipForm(forms.Form):
    relationship = forms.ChoiceField(label=_("続柄"), choices=Relationship.choices)
    since = WarekiDateField(label=_("加入日"), required=False)
    until = WarekiDateField(label=_("転出・離脱日"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("転出・離脱日は加入日より後にしてください。"))
        return data


class ConsentForm(forms.ModelForm):
    agencies = forms.ModelMultipleChoiceField(
        label=_("共有先機関"),
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("共有先の機関を1つ以上選んでください。")},
    )
    obtained_on = WarekiDateField(label=_("同意日"), allow_future=False)
    expires_on = WarekiDateField(label=_("有効期限"), required=False)

    class Meta:
        model = Consent
        fields = ["person", "agencies", "purpose", "method", "obtained_on", "expires_on"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            self.fields["person"].queryset = Person.objects.filter(
                household_memberships__household=household,
                household_memberships__until__isnull=True,
            )
        self.fields["person"].label = _("同意した人")
        self.fields["person"].error_messages["required"] = _("同意した人を選んでください。")
        self.fields["purpose"].error_messages["required"] = _("同意の目的を入力してください。")
        self.fields["purpose"].initial = DEFAULT_CONSENT_PURPOSE
        self.fields["obtained_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        ob, ex = data.get("obtained_on"), data.get("expires_on")
        if ob and ex and ex < ob:
            self.add_error("expires_on", _("有効期限は同意日より後にしてください。"))
        return data


class WithdrawConsentForm(forms.Form):
    withdrawn_on = WarekiDateField(label=_("撤回日"), allow_future=False)

    def __init__(self, *args, consent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent = consent
        self.fields["withdrawn_on"].initial = timezone.localdate()

    def clean_withdrawn_on(self):
        value = self.cleaned_data["withdrawn_on"]
        if self.consent and value < self.consent.obtained_on:
            raise forms.ValidationError(_("撤回日は同意日より後にしてください。"))
        return value


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("検索"),
        required=False,
        max_length=100,
        # The limits are households.selectors.MIN_KANA and MIN_PHONE.
        help_text=_("ふりがなは2文字以上、電話番号は4桁以上（先頭から）で探せます。"),
        widget=forms.TextInput(
            attrs={
                "placeholder": _("ふりがな・氏名・電話・住所・生年月日"),
                "autofocus": True,
                "type": "search",
            }
        ),
    )

    def clean_q(self):
        q = self.cleaned_data["q"].strip()
        hint = search_hint(q)
        if hint:
            raise forms.ValidationError(hint)
        return q
