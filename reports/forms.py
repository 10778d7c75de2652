import datetime as dt
import re

import jaconv
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.wareki import WarekiError, format_month, parse_date
from reports.selectors import Scopes, requestable_months
from reports.statistics import desk_opened_on

DESK_SCOPE = "desk"

_ISO_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_ERA_MONTH = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*(?:年|[-/.])\s*(\d{1,2})\s*月?$"
)


def parse_month(text: str) -> dt.date:
    """A year-month as 2025-04, 2025/4, 2025年4月, R7.4 or 令和7年4月 → its first day."""
    raw = jaconv.z2h(str(text or ""), kana=False, ascii=True, digit=True).strip().upper()
    if m := _ISO_MONTH.match(raw):
        try:
            return dt.date(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise ValidationError(_("月の指定が正しくありません。")) from None
    if m := _ERA_MONTH.match(raw):
        try:
            return parse_date(f"{m[1]}{m[2]}年{m[3]}月1日")
        except WarekiError as exc:
            raise ValidationError(str(exc)) from None
    raise ValidationError(_("月の形式が正しくありません。例: 令和7年4月、R7.4、2025-04"))


class MonthField(forms.Field):
    """A select of the recent months; any month from the desk's opening to this one is
    accepted, also typed as 和暦 or ISO (older months are rarely asked for: 開設以来
    already covers them)."""

    widget = forms.Select

    def __init__(self, *, months: list[dt.date], first: dt.date, last: dt.date, **kwargs):
        super().__init__(**kwargs)
        self.first, self.last = first, last
        self.widget.choices = [
            (m.strftime("%Y-%m"), _("%(month)s分") % {"month": format_month(m.year, m.month)})
            for m in months
        ]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_month(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.first <= value <= self.last:
            raise ValidationError(
                _("%(first)s から %(last)s までの月を選んでください。")
                % {
                    "first": format_month(self.first.year, self.first.month),
                    "last": format_month(self.last.year, self.last.month),
                }
            )


class ReportRequestForm(forms.Form):
    def __init__(self, *args, scopes: Scopes, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        months = requestable_months(today)
        self.fields["month"] = MonthField(
            label=_("対象月"),
            months=months,
            first=desk_opened_on().replace(day=1),
            last=today.replace(day=1),
            initial=(months[1] if len(months) > 1 else months[0]).strftime("%Y-%m")
            if months
            else None,
            help_text=_("当月を選ぶと、作成した時点までの件数になります。"),
        )
        choices = [(DESK_SCOPE, _("窓口全体"))] if scopes.desk_wide else []
        choices += [(str(a.pk), a.name) for a in scopes.agencies]
        self.agencies = {str(a.pk): a for a in scopes.agencies}
        self.fields["scope"] = forms.ChoiceField(
            label=_("集計の範囲"),
            choices=choices,
            initial=choices[0][0] if choices else None,
            error_messages={"invalid_choice": _("選べる範囲から選んでください。")},
        )

    def clean_scope(self):
        value = self.cleaned_data["scope"]
        return None if value == DESK_SCOPE else self.agencies[value]
