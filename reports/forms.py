import datetime as dt
import re

import jaconv
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import WarekiDateField
from common.wareki import WarekiError, format_month, parse_date
from reports.choices import PeriodKind
from reports.periods import ReportPeriod, desk_opened_on
from reports.selectors import (
    Scopes,
    requestable_fiscal_years,
    requestable_months,
    requestable_quarters,
)
from reports.services import period_refusal

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
    """What to count: the kind of period and the period (a month, a quarter, a 年度 or a
    range of days), and the scope. Only the field of the chosen kind is read (and
    required); the page works without scripts, so every field is shown."""

    def __init__(self, *args, scopes: Scopes, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.today = today
        self.fields["kind"] = forms.ChoiceField(
            label=_("期間の種類"),
            choices=PeriodKind.choices,
            initial=PeriodKind.MONTH,
            required=False,
            widget=forms.RadioSelect,
            help_text=_(
                "月・四半期・年度・期間指定から選び、その欄で期間を選びます。どの期間も、"
                "前年の同じ期間・年度累計・開設以来の列を並べて出力します。"
            ),
        )
        kind = self._kind()
        months = requestable_months(today)
        self.fields["month"] = MonthField(
            label=_("対象月"),
            months=months,
            first=desk_opened_on().replace(day=1),
            last=today.replace(day=1),
            required=kind == PeriodKind.MONTH,
            initial=(months[1] if len(months) > 1 else months[0]).strftime("%Y-%m")
            if months
            else None,
            help_text=_("当月を選ぶと、作成した時点までの件数になります。"),
        )
        quarters = requestable_quarters(today)
        self.quarters = {f"{q.fiscal_year}-{q.quarter}": q for q in quarters}
        self.fields["quarter"] = forms.ChoiceField(
            label=_("四半期"),
            choices=[(key, q.title) for key, q in self.quarters.items()],
            required=kind == PeriodKind.QUARTER,
            initial=next(iter(self.quarters), None),
            error_messages={"invalid_choice": _("選べる四半期から選んでください。")},
        )
        years = requestable_fiscal_years(today)
        self.fiscal_years = {str(y.fiscal_year): y for y in years}
        self.fields["fiscal_year"] = forms.ChoiceField(
            label=_("年度"),
            choices=[(key, y.title) for key, y in self.fiscal_years.items()],
            required=kind == PeriodKind.FISCAL_YEAR,
            initial=next(iter(self.fiscal_years), None),
            error_messages={"invalid_choice": _("選べる年度から選んでください。")},
        )
        self.fields["range_start"] = WarekiDateField(
            label=_("期間の初日"), required=kind == PeriodKind.RANGE, allow_future=False
        )
        self.fields["range_end"] = WarekiDateField(
            label=_("期間の末日"), required=kind == PeriodKind.RANGE, allow_future=False
        )
        choices = [(DESK_SCOPE, _("全機関（システムに登録されているすべての機関）"))]
        choices = choices if scopes.desk_wide else []
        choices += [(str(a.pk), a.name) for a in scopes.agencies]
        self.agencies = {str(a.pk): a for a in scopes.agencies}
        self.fields["scope"] = forms.ChoiceField(
            label=_("集計の範囲"),
            choices=choices,
            initial=choices[0][0] if choices else None,
            error_messages={"invalid_choice": _("選べる範囲から選んでください。")},
        )

    def _kind(self) -> str:
        raw = self.data.get(self.add_prefix("kind")) if self.is_bound else None
        return raw if raw in PeriodKind.values else PeriodKind.MONTH

    def clean_kind(self):
        return self.cleaned_data.get("kind") or PeriodKind.MONTH

    def clean_scope(self):
        value = self.cleaned_data["scope"]
        return None if value == DESK_SCOPE else self.agencies[value]

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or PeriodKind.MONTH
        period, field = None, None
        if kind == PeriodKind.MONTH and data.get("month"):
            period, field = ReportPeriod.for_month(data["month"]), "month"
        elif kind == PeriodKind.QUARTER and data.get("quarter"):
            period, field = self.quarters[data["quarter"]], "quarter"
        elif kind == PeriodKind.FISCAL_YEAR and data.get("fiscal_year"):
            period, field = self.fiscal_years[data["fiscal_year"]], "fiscal_year"
        elif kind == PeriodKind.RANGE and data.get("range_start") and data.get("range_end"):
            field = "range_end"
            if data["range_end"] < data["range_start"]:
                self.add_error(field, _("期間の末日は初日より後にしてください。"))
            else:
                period = ReportPeriod.for_range(data["range_start"], data["range_end"])
        if period is not None:
            refusal = period_refusal(period, today=self.today)
            if refusal:
                self.add_error(field, refusal)
                period = None
        data["period"] = period
        return data
