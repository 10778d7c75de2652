"""Forms of the person pages: the disclosure, moving a person, merging two persons."""

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import WarekiDateField
from households.access import get_household_for_user
from households.choices import Relationship

REDACT_CHOICES = [
    ("1", _("第三者の個人情報を除く（推奨・法78条1項2号）")),
    ("0", _("除かない（本人以外の氏名も記載する）")),
]


class DisclosureForm(forms.Form):
    redact = forms.ChoiceField(
        label=_("第三者の情報"),
        choices=REDACT_CHOICES,
        initial="1",
        widget=forms.RadioSelect,
        required=False,
    )

    @property
    def redact_on(self) -> bool:
        # Anything but an explicit "0" redacts: the safe default.
        return not (self.is_valid() and self.cleaned_data.get("redact") == "0")


class MoveForm(forms.Form):
    household = forms.IntegerField(
        label=_("移動先の世帯"),
        error_messages={
            "required": _("移動先の世帯を検索して選んでください。"),
            "invalid": _("移動先の世帯を検索して選んでください。"),
        },
    )
    relationship = forms.ChoiceField(label=_("移動先での続柄"), choices=Relationship.choices)
    on = WarekiDateField(label=_("移動日（転入日）"), allow_future=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.membership = user, membership
        self.initial.setdefault("version", membership.version)
        self.initial.setdefault("on", timezone.localdate())
        self.target = None

    def clean_household(self):
        pk = self.cleaned_data["household"]
        if pk == self.membership.household_id:
            raise forms.ValidationError(_("現在の世帯と同じです。別の世帯を選んでください。"))
        try:
            # Both households must be changeable by the user (households.access).
            self.target = get_household_for_user(self.user, pk, action="change")
        except Http404:
            raise forms.ValidationError(
                _("この世帯には移動できません（世帯を変更する権限がないか、見つかりません）。")
            ) from None
        return pk

    def clean_on(self):
        on = self.cleaned_data["on"]
        since = self.membership.since
        if since and on <= since:
            raise forms.ValidationError(
                _("移動日は現在の世帯への加入日（%(d)s）より後の日にしてください。")
                % {"d": since.isoformat()}
            )
        return on


class MergeForm(forms.Form):
    other = forms.ChoiceField(
        label=_("重複している人"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("統合する相手を選んでください。"),
            "invalid_choice": _("統合する相手を選んでください。"),
        },
    )
    keep = forms.ChoiceField(
        label=_("残す登録"),
        widget=forms.RadioSelect,
        choices=[("this", _("この人の登録を残す")), ("other", _("相手の登録を残す"))],
        initial="this",
        error_messages={"required": _("どちらの登録を残すか選んでください。")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    other_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, person, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.candidates = {str(c.person.pk): c for c in candidates}
        self.fields["other"].choices = [
            (str(c.person.pk), c.label) for c in self.candidates.values()
        ]
        self.initial.setdefault("version", person.version)

    def clean(self):
        data = super().clean()
        chosen = self.candidates.get(data.get("other") or "")
        if chosen is not None and data.get("other_version") is None:
            data["other_version"] = chosen.person.version
        self.chosen = chosen
        return data
