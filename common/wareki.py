"""和暦: formatting dates as 令和6年3月14日 and parsing what desk staff type.

Accepted input: ISO (2024-03-14, 2024/3/14), and era dates such as R6.3.14,
令和6年3月14日, S45.1.2, H12/4/1, 令和元年5月1日, r6-3-14. An era date outside
its era (H32.1.1, R1.4.30) is refused rather than silently moved.
"""

import datetime as dt
import re
from dataclasses import dataclass

import jaconv
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date
    end: dt.date | None  # last day, inclusive

    @property
    def last_year(self) -> int | None:
        return None if self.end is None else self.end.year - self.start.year + 1


ERAS = [
    Era("明治", "M", dt.date(1868, 10, 23), dt.date(1912, 7, 29)),
    Era("大正", "T", dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    Era("昭和", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("平成", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("令和", "R", dt.date(2019, 5, 1), None),
]
_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}


class WarekiError(ValueError):
    """Raised with a Japanese message a form can show beside the field."""


def era_of(date: dt.date) -> Era | None:
    for era in reversed(ERAS):
        if date >= era.start:
            return era
    return None


def era_year(date: dt.date) -> tuple[Era | None, int]:
    era = era_of(date)
    if era is None:
        return None, date.year
    return era, date.year - era.start.year + 1


def _year_label(n: int) -> str:
    return "元" if n == 1 else str(n)


def format_date(date: dt.date | dt.datetime | None, *, with_weekday: bool = False) -> str:
    if date is None:
        return ""
    if isinstance(date, dt.datetime):
        date = date.date()
    era, year = era_year(date)
    prefix = f"{era.name}{_year_label(year)}年" if era else f"{date.year}年"
    text = f"{prefix}{date.month}月{date.day}日"
    if with_weekday:
        text += "（" + "月火水木金土日"[date.weekday()] + "）"
    return text


def format_short(date: dt.date | None) -> str:
    """R6.3.14: compact, for tables."""
    if date is None:
        return ""
    if isinstance(date, dt.datetime):
        date = date.date()
    era, year = era_year(date)
    if era is None:
        return date.isoformat()
    return f"{era.letter}{year}.{date.month}.{date.day}"


def format_month(year: int, month: int) -> str:
    era, ey = era_year(dt.date(year, month, 1))
    return f"{era.name}{_year_label(ey)}年{month}月" if era else f"{year}年{month}月"


def fiscal_year_label(fiscal_year: int) -> str:
    """令和7年度 for the fiscal year starting April 2025.

    A fiscal year is named after the era in force for most of it: 令和 began on 1 May
    2019, and April 2019 to March 2020 is officially 令和元年度, not 平成31年度. Eras that
    began later in a fiscal year (平成 in January 1989) leave it to the old era.
    """
    era, ey = era_year(dt.date(fiscal_year, 5, 1))
    return f"{era.name}{_year_label(ey)}年度" if era else f"{fiscal_year}年度"


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_ISO_KANJI = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_ERA = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?$"
)
_COMPACT_ERA = re.compile(r"^([MTSHR])(\d{2})(\d{2})(\d{2})$")  # R060314


def _make_date(y: int, m: int, d: int, *, era: Era | None = None, year_in_era: int = 0) -> dt.date:
    """The date; a day that does not exist is named as it was typed, in its calendar
    (H22.13.40 -> 平成22年13月40日, not 2010年13月40日)."""
    try:
        return dt.date(y, m, d)
    except ValueError as exc:
        year = f"{era.name}{_year_label(year_in_era)}" if era else str(y)
        raise WarekiError(
            _("%(y)s年%(m)s月%(d)s日という日付はありません。") % {"y": year, "m": m, "d": d}
        ) from exc


def parse_date(text: str) -> dt.date:
    """Parse an ISO or 和暦 date; raise WarekiError with a Japanese message."""
    raw = jaconv.z2h(str(text or ""), kana=False, ascii=True, digit=True).strip()
    raw = raw.upper().replace(" ", "")
    if not raw:
        raise WarekiError(_("日付を入力してください。"))
    if m := _ISO.match(raw) or _ISO_KANJI.match(raw):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    m = _ERA.match(raw) or _COMPACT_ERA.match(raw)
    if not m:
        raise WarekiError(
            _("日付の形式が正しくありません。例: 2024-03-14、R6.3.14、令和6年3月14日")
        )
    era = _BY_KEY[m[1]]
    year_in_era = 1 if m[2] == "元" else int(m[2])
    if year_in_era < 1:
        raise WarekiError(_("%(era)s0年はありません。") % {"era": era.name})
    if era.last_year is not None and year_in_era > era.last_year:
        raise WarekiError(
            _("%(era)sは%(year)s年までです。") % {"era": era.name, "year": era.last_year}
        )
    date = _make_date(
        era.start.year + year_in_era - 1, int(m[3]), int(m[4]), era=era, year_in_era=year_in_era
    )
    if date < era.start:
        bound = _("%(era)sは%(y)s年%(m)s月%(d)s日からです") % {
            "era": era.name,
            "y": era.start.year,
            "m": era.start.month,
            "d": era.start.day,
        }
    elif era.end is not None and date > era.end:
        bound = _("%(era)sは%(y)s年%(m)s月%(d)s日までです") % {
            "era": era.name,
            "y": era.end.year,
            "m": era.end.month,
            "d": era.end.day,
        }
    else:
        return date
    raise WarekiError(
        _("%(date)sは%(era)sの期間外です（%(bound)s）。")
        % {"date": format_date(date), "era": era.name, "bound": bound}
    )


def age_on(birth_date: dt.date | None, on: dt.date) -> int | None:
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def fiscal_year_of(date: dt.date) -> int:
    return date.year if date.month >= 4 else date.year - 1
