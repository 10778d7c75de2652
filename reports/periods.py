"""The periods a statistics report covers, and the columns it shows for them.

A report is asked for one ReportPeriod: a month, a fiscal quarter (第1四半期 is April
to June), a 年度 (April to March) or any range of days. Its columns (Period) are that
period, the same period one year earlier beside it, the 年度 to date (for a month or a
quarter) with the year before's, and everything since the desk opened. Every column
ends on the requested period's last day (or today, for a period still running: the
figures so far, and the year before's up to the same day).

A column never starts before the desk opened (settings.DESK_OPENED_ON); a previous
year's column that would lie wholly before the opening is left out (there is nothing
to compare with).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from common.wareki import fiscal_year_label, fiscal_year_of, format_date, format_month, format_short
from reports.choices import PeriodKind


@dataclass(frozen=True)
class Period:
    """One column: a closed range of local (Asia/Tokyo) days."""

    key: str
    label: str
    start: dt.date
    end: dt.date

    @property
    def range_label(self) -> str:
        return f"{format_short(self.start)}〜{format_short(self.end)}"

    @property
    def is_previous_year(self) -> bool:
        return self.key.endswith("_prev")


def desk_opened_on() -> dt.date:
    value = settings.DESK_OPENED_ON
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier; a month's last day maps to that month's last day
    (29 February → 28 February, 28 February 2025 → 29 February 2024)."""
    if day == month_end(day):
        return month_end(day.replace(year=day.year - 1, day=1))
    return day.replace(year=day.year - 1)


def quarter_of(day: dt.date) -> tuple[int, int]:
    """(fiscal year, quarter 1..4) of a day: 第1四半期 is April to June."""
    return fiscal_year_of(day), (day.month - 4) % 12 // 3 + 1


def month_periods(month: dt.date) -> list[Period]:
    """当月, 年度累計 and 開設以来 of a month (any day in it), all ending on its last
    day, without the previous year's columns (ReportPeriod.columns adds those)."""
    first = month.replace(day=1)
    last = month_end(first)
    opened = desk_opened_on()
    fiscal_start = dt.date(fiscal_year_of(first), 4, 1)
    return [
        Period("month", _("当月"), max(first, opened), last),
        Period("fiscal_year", _("年度累計"), max(fiscal_start, opened), last),
        Period("since_opened", _("開設以来"), opened, last),
    ]


@dataclass(frozen=True)
class ReportPeriod:
    """What a report is asked for: a kind (PeriodKind) and its first and last day."""

    kind: str
    start: dt.date
    end: dt.date

    # ------------------------------------------------------------ constructors

    @classmethod
    def for_month(cls, day: dt.date) -> ReportPeriod:
        first = day.replace(day=1)
        return cls(PeriodKind.MONTH, first, month_end(first))

    @classmethod
    def for_quarter(cls, fiscal_year: int, quarter: int) -> ReportPeriod:
        if quarter not in (1, 2, 3, 4):
            raise ValueError(quarter)
        first = add_months(dt.date(fiscal_year, 4, 1), 3 * (quarter - 1))
        return cls(PeriodKind.QUARTER, first, month_end(add_months(first, 2)))

    @classmethod
    def for_fiscal_year(cls, fiscal_year: int) -> ReportPeriod:
        return cls(
            PeriodKind.FISCAL_YEAR, dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)
        )

    @classmethod
    def for_range(cls, start: dt.date, end: dt.date) -> ReportPeriod:
        if end < start:
            raise ValueError((start, end))
        return cls(PeriodKind.RANGE, start, end)

    # ------------------------------------------------------------ names

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.start if self.kind != PeriodKind.RANGE else self.end)

    @property
    def quarter(self) -> int:
        return quarter_of(self.start)[1]

    @property
    def title(self) -> str:
        """令和6年5月分 / 令和6年度 第1四半期（4月〜6月） / 令和6年度 / 令和6年4月1日〜令和6年6月15日"""
        if self.kind == PeriodKind.MONTH:
            return _("%(month)s分") % {"month": format_month(self.start.year, self.start.month)}
        if self.kind == PeriodKind.QUARTER:
            return _("%(year)s 第%(q)s四半期（%(first)s月〜%(last)s月）") % {
                "year": fiscal_year_label(self.fiscal_year),
                "q": self.quarter,
                "first": self.start.month,
                "last": self.end.month,
            }
        if self.kind == PeriodKind.FISCAL_YEAR:
            return fiscal_year_label(self.fiscal_year)
        return f"{format_date(self.start)}〜{format_date(self.end)}"

    @property
    def document_title(self) -> str:
        """The heading of the PDF and the Excel sheets."""
        if self.kind == PeriodKind.MONTH:
            return _("%(period)s 月次統計") % {"period": self.title}
        return _("%(period)s 統計") % {"period": self.title}

    @property
    def slug(self) -> str:
        """For file names: monthly-2024-05, quarterly-2024-q1, fiscal-2024,
        range-20240401-20240615."""
        if self.kind == PeriodKind.MONTH:
            return f"monthly-{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"quarterly-{self.fiscal_year}-q{self.quarter}"
        if self.kind == PeriodKind.FISCAL_YEAR:
            return f"fiscal-{self.fiscal_year}"
        return f"range-{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    # ------------------------------------------------------------ columns

    def _labels(self) -> tuple[str, str, str]:
        """(key, label, label of the year before) of the period's own column."""
        return {
            PeriodKind.MONTH: ("month", _("当月"), _("前年同月")),
            PeriodKind.QUARTER: ("quarter", _("当期"), _("前年同期")),
            PeriodKind.FISCAL_YEAR: ("fiscal_year", _("年度"), _("前年度")),
            PeriodKind.RANGE: ("range", _("期間"), _("前年同期")),
        }[PeriodKind(self.kind)]

    def columns(self, *, today: dt.date | None = None) -> list[Period]:
        today = today or timezone.localdate()
        opened = desk_opened_on()
        end = min(self.end, today)  # a period still running: the figures so far
        previous_end = year_before(end)
        columns: list[Period] = []

        def add(key, label, start, last, prev_label, prev_start):
            columns.append(Period(key, label, max(start, opened), last))
            if previous_end >= opened:
                columns.append(
                    Period(f"{key}_prev", prev_label, max(prev_start, opened), previous_end)
                )

        key, label, prev_label = self._labels()
        add(key, label, self.start, end, prev_label, year_before(self.start))
        if self.kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
            fiscal_start = dt.date(fiscal_year_of(self.start), 4, 1)
            add(
                "fiscal_year",
                _("年度累計"),
                fiscal_start,
                end,
                _("前年度同期"),
                year_before(fiscal_start),
            )
        columns.append(Period("since_opened", _("開設以来"), opened, end))
        return columns

    def omitted_previous_year(self, *, today: dt.date | None = None) -> bool:
        """True when the year before lies wholly before the desk opened (no column)."""
        today = today or timezone.localdate()
        return year_before(min(self.end, today)) < desk_opened_on()
