"""Forms of the つなぐシート: the sheet itself (the paper's sections), taking it up and
returning it."""

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from common import kana
from common.forms import KanaField, PhoneField, WarekiDateField
from common.wareki import age_on
from households.access import (
    NoBasisToPassOn,
)
from households.choices import Sex
from households.models import District
from intake.choices import ContactMethod, SheetTopic
from intake.forms.fields import radio_choice
from intake.models import ConnectSheet
from intake.services import require_sheet_basis, sheet_kana, split_sheet_name

PAPER_CONSENT = _("紙で同意をもらう場合は、白紙のシートを印刷して署名してもらうこともできます。")
# Where each refusal of households.access.require_basis_to_pass_on is shown.
BASIS_FIELDS = {
    "no_basis": "consent_given",
    "consent_date": "consent_date",
    "exemption_reason": "exemption_reason",
    "exemption_note": "exemption_note",
}


# The sections of the paper sheet, for the template; the form's fields in their order.
SHEET_SECTIONS = [
    (
        _("対象者"),
        [
            "name_kana",
            "name",
            "birth_date",
            "age",
            "sex",
            "address",
            "home_phone",
            "mobile_phone",
            "email",
        ],
    ),
    (
        _("来談者（本人以外が来られた場合）"),
        ["visitor_name", "visitor_phone", "visitor_relationship"],
    ),
    (_("相談内容"), ["topics", "topic_other", "details"]),
    (_("連絡"), ["contact_method", "contact_hours"]),
    (
        _("本人同意（または法令上の例外）"),
        ["consent_given", "consent_date", "exemption_reason", "exemption_note"],
    ),
]


class SheetForm(forms.ModelForm):
    name_kana = forms.CharField(
        label=_("ふりがな"),
        max_length=100,
        help_text=_("せいとめいの間を空けてください（例: やまだ はなこ）"),
        error_messages={"required": _("ふりがなを入力してください。")},
    )
    birth_date = WarekiDateField(label=_("生年月日"), required=False, allow_future=False)
    age = forms.IntegerField(
        label=_("年齢"),
        required=False,
        min_value=0,
        max_value=130,
        help_text=_("生年月日を入力した場合は自動で計算します"),
        error_messages={
            "min_value": _("年齢は0以上で入力してください。"),
            "max_value": _("年齢は130以下で入力してください。"),
            "invalid": _("年齢は数字で入力してください。"),
        },
    )
    sex = forms.ChoiceField(
        label=_("性別"), choices=[("", "---------"), *Sex.choices], required=False
    )
    home_phone = PhoneField(label=_("電話（自宅）"), required=False)
    mobile_phone = PhoneField(label=_("電話（携帯）"), required=False)
    visitor_phone = PhoneField(label=_("来談者の電話"), required=False)
    topics = forms.MultipleChoiceField(
        label=_("相談内容（複数可）"),
        choices=SheetTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("相談内容を1つ以上選んでください。")},
    )
    contact_method = radio_choice(
        _("連絡方法"), ContactMethod.choices, _("連絡方法を選んでください。")
    )
    consent_given = forms.BooleanField(
        label=_("本人が、このシートを必要な関係機関と共有することに同意している"),
        required=False,
    )
    consent_date = WarekiDateField(label=_("同意日"), required=False, allow_future=False)

    class Meta:
        model = ConnectSheet
        fields = [name for _title, names in SHEET_SECTIONS for name in names]
        widgets = {
            "details": forms.Textarea(attrs={"rows": 5}),
            "exemption_note": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "name": {"required": _("氏名を入力してください。")},
            "details": {"required": _("具体的な内容を入力してください。")},
            "email": {"invalid": _("メールアドレスの形式が正しくありません。")},
        }

    SECTIONS = SHEET_SECTIONS

    def sections(self):
        sections = [(title, [self[name] for name in names]) for title, names in self.SECTIONS]
        # accounts.reauth's password box (sending on an exemption with a stale password)
        # goes with the basis it confirms.
        extra = [self[name] for name in self.fields if name not in self._sectioned]
        if extra:
            title, fields = sections[-1]
            sections[-1] = (title, [*fields, *extra])
        return sections

    @cached_property
    def _sectioned(self) -> set[str]:
        return {name for _title, names in self.SECTIONS for name in names}

    def clean_name_kana(self):
        value = sheet_kana(self.cleaned_data["name_kana"])
        if not value:
            raise forms.ValidationError(_("ふりがなを入力してください。"))
        if not kana.is_kana(value.replace(" ", "")):
            raise forms.ValidationError(_("ふりがなは、ひらがなかカタカナで入力してください。"))
        return value

    def clean(self):
        data = super().clean()
        birth_date, age = data.get("birth_date"), data.get("age")
        if birth_date:
            computed = age_on(birth_date, timezone.localdate())
            if age is not None and age != computed:
                self.add_error(
                    "age",
                    _("生年月日から計算した年齢（%(age)s歳）と合いません。") % {"age": computed},
                )
            else:
                data["age"] = computed
        topics = list(data.get("topics") or [])
        other = (data.get("topic_other") or "").strip()
        if SheetTopic.OTHER in topics and not other:
            self.add_error("topic_other", _("「その他」の内容を入力してください。"))
        if other and SheetTopic.OTHER not in topics and "topics" not in self.errors:
            data["topics"] = [*topics, SheetTopic.OTHER]
        needs = {
            ContactMethod.HOME_PHONE: ("home_phone", _("自宅の電話番号を入力してください。")),
            ContactMethod.MOBILE: ("mobile_phone", _("携帯電話の番号を入力してください。")),
            ContactMethod.EMAIL: ("email", _("メールアドレスを入力してください。")),
        }
        method = data.get("contact_method")
        if method in needs:
            field, message = needs[method]
            if not data.get(field) and field not in self.errors:
                self.add_error(field, message)
        if "consent_date" not in self.errors:
            try:
                require_sheet_basis(data)
            except NoBasisToPassOn as exc:
                message = exc.messages[0]
                if exc.code == "no_basis":
                    message += str(PAPER_CONSENT)
                self.add_error(BASIS_FIELDS[exc.code], message)
        return data


class SheetTakeUpForm(forms.Form):
    """Taking up a sheet whose person is not registered: the new household's 行政区 and
    the ふりがな split into せい/めい (pre-filled with intake.services.split_sheet_name's
    guess), so the consultation starts with its household."""

    register_household = forms.BooleanField(
        label=_("シートの対象者を新しい世帯として登録する"), required=False, initial=True
    )
    family_name_kana = KanaField(label=_("せい（ふりがな）"), required=False)
    given_name_kana = KanaField(label=_("めい（ふりがな）"), required=False)
    district = forms.ModelChoiceField(
        label=_("行政区"),
        queryset=District.objects.all(),
        required=False,
        help_text=_("地区ごとの件数（地域づくり・統計）に使います"),
        error_messages={"invalid_choice": _("選んだ行政区が見つかりません。")},
    )

    def __init__(self, *args, sheet, user, **kwargs):
        super().__init__(*args, **kwargs)
        names = split_sheet_name(sheet, user)
        self.initial.setdefault("family_name_kana", names["family_name_kana"])
        self.initial.setdefault("given_name_kana", names["given_name_kana"])

    def clean(self):
        data = super().clean()
        if not data.get("register_household"):
            return data
        if "family_name_kana" not in self.errors and not data.get("family_name_kana"):
            self.add_error("family_name_kana", _("せい（ふりがな）を入力してください。"))
        if (
            "district" not in self.errors
            and data.get("district") is None
            and District.objects.exists()
        ):
            self.add_error(
                "district", _("行政区を選んでください（地区ごとの件数に数えるために必要です）。")
            )
        return data


class SheetReturnForm(forms.Form):
    note = forms.CharField(
        label=_("差し戻しの理由・担当課への連絡"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("差し戻しの理由を入力してください。")},
    )
