"""Form fields shared by every app: 和暦 dates, kana, phone numbers."""

import datetime as dt
import re
import unicodedata

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import kana, wareki
from common.widgets import LightTextInput


class WarekiDateInput(LightTextInput):
    """A text box (not type=date) so staff can type R6.3.14 as well as ISO dates
    (rendered in Python: common.widgets.LightInputMixin)."""

    def __init__(self, attrs=None):
        base = {"placeholder": "例: R6.3.14 / 2024-03-14", "inputmode": "text", "class": "date"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date):
            return wareki.format_short(value)
        return value


class WarekiDateField(forms.DateField):
    widget = WarekiDateInput

    def __init__(self, *, allow_future=True, **kwargs):
        self.allow_future = allow_future
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return wareki.parse_date(value)
        except wareki.WarekiError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def validate(self, value):
        super().validate(value)
        # An ISO date may name any year from 1; before 明治 nothing here happened, and a
        # date of year 1 with a time of day in Japan is a UTC timestamp before year 1,
        # which PostgreSQL stores as BC and cannot hand back (and SQLite cannot store).
        if value and value < wareki.ERAS[0].start:
            raise forms.ValidationError(
                _("明治元年（1868年10月23日）より前の日付は入力できません。"), code="too_early"
            )
        if value and not self.allow_future and value > timezone.localdate():
            raise forms.ValidationError(_("未来の日付は入力できません。"), code="future")


class KanaField(forms.CharField):
    """ふりがな: hiragana, katakana or half-width accepted; stored as full-width katakana."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        normalised = kana.normalise_kana(value)
        if not kana.is_kana(normalised):
            raise forms.ValidationError(
                _("ふりがなは、ひらがなかカタカナで入力してください。"), code="not_kana"
            )
        return normalised


# Dashes people type between the digits of a phone number: the minus sign (U+2212),
# hyphens and dashes (U+2010-2015), the small and full-width hyphen-minus, the katakana
# prolonged sound mark (ー, ｰ) and the wave dash.
PHONE_DASHES = re.compile("[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d\u30fc\uff70\u301c\uff5e]")


def normalise_phone_display(value: str) -> str:
    """０９６−２９３−３１２２ -> 096-293-3122: half-width digits (NFKC), one hyphen for
    every kind of dash, spaces trimmed. The digits stay as typed, in their groups."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    return PHONE_DASHES.sub("-", value)


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_phone_display(value) if value else value

    def clean(self, value):
        value = super().clean(value)
        if value and not kana.is_valid_phone(value):
            raise forms.ValidationError(
                _("電話番号の形式が正しくありません（例: 096-293-3122）。"), code="phone"
            )
        return value.strip() if value else value


class VersionedFormMixin:
    """Optimistic locking: the form carries the version it was loaded at.

    The service compares it with the row's current version and refuses a stale save.
    """

    def add_version_field(self):
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        if self.instance and self.instance.pk:
            self.initial["version"] = self.instance.version
