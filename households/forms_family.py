"""Forms of the genogram and eco-map: a related person outside the household, and the
kind of line to one eco-map node."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import WarekiDateField
from households.choices import EcoTieKind, RelatedRelation, Sex


class RelatedPersonForm(forms.Form):
    anchor = forms.ChoiceField(
        label=_("誰の"),
        error_messages={
            "required": _("誰との関係かを選んでください。"),
            "invalid_choice": _("誰との関係かを一覧から選んでください。"),
        },
    )
    relation = forms.ChoiceField(
        label=_("関係"),
        choices=RelatedRelation.choices,
        error_messages={
            "required": _("関係を選んでください。"),
            "invalid_choice": _("関係を一覧から選んでください。"),
        },
    )
    label = forms.CharField(
        label=_("呼び名"),
        max_length=50,
        help_text=_("例: 長女 由美、亡夫"),
        error_messages={
            "required": _("呼び名を入力してください。"),
            "max_length": _("呼び名は50文字以内で入力してください。"),
        },
    )
    sex = forms.ChoiceField(label=_("性別"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = WarekiDateField(label=_("生年月日"), required=False)
    is_deceased = forms.BooleanField(label=_("死亡"), required=False)
    died_on = WarekiDateField(label=_("死亡日"), required=False)

    def __init__(self, *args, anchors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["anchor"].choices = [("", "---------"), *anchors]

    def clean_label(self):
        value = self.cleaned_data["label"].strip()
        if any(ord(c) < 32 for c in value):
            raise forms.ValidationError(_("呼び名に使えない文字が含まれています。"))
        if not value:
            raise forms.ValidationError(_("呼び名を入力してください。"))
        return value

    def clean(self):
        data = super().clean()
        born, died = data.get("birth_date"), data.get("died_on")
        today = timezone.localdate()
        if born and born > today:
            self.add_error("birth_date", _("生年月日に未来の日付は入力できません。"))
        if died and died > today:
            self.add_error("died_on", _("死亡日に未来の日付は入力できません。"))
        if born and died and died < born:
            self.add_error("died_on", _("死亡日が生年月日より前になっています。"))
        if died:
            data["is_deceased"] = True
        return data


class EcoTieForm(forms.Form):
    node = forms.CharField(max_length=50)
    kind = forms.ChoiceField(
        label=_("関係"),
        choices=EcoTieKind.choices,
        error_messages={"invalid_choice": _("関係の種類を一覧から選んでください。")},
    )
