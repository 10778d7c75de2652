"""和暦: what desk staff type, and how dates are shown."""

import datetime as dt

import pytest

from common import wareki


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2024, 3, 14), "令和6年3月14日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.datetime(2024, 3, 14, 9, 30), "令和6年3月14日"),
    ],
)
def test_format_date(date, expected):
    assert wareki.format_date(date) == expected


def test_format_date_variants():
    assert wareki.format_date(None) == ""
    assert wareki.format_date(dt.date(2024, 3, 14), with_weekday=True) == "令和6年3月14日（木）"
    assert wareki.format_short(dt.date(2024, 3, 14)) == "R6.3.14"
    assert wareki.format_short(dt.date(1970, 1, 2)) == "S45.1.2"
    assert wareki.format_month(2019, 4) == "平成31年4月"
    assert wareki.format_month(2019, 5) == "令和元年5月"


@pytest.mark.parametrize(
    ("fiscal_year", "expected"),
    [
        (2025, "令和7年度"),
        (2020, "令和2年度"),
        # April 2019 - March 2020: 令和 began on 1 May, the year is officially 令和元年度.
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        # 平成 began in January 1989, late in the year: it stays 昭和63年度.
        (1988, "昭和63年度"),
        (1989, "平成元年度"),
    ],
)
def test_fiscal_year_label(fiscal_year, expected):
    assert wareki.fiscal_year_label(fiscal_year) == expected


def test_fiscal_year_of():
    assert wareki.fiscal_year_of(dt.date(2025, 3, 31)) == 2024
    assert wareki.fiscal_year_of(dt.date(2025, 4, 1)) == 2025


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-14", dt.date(2024, 3, 14)),
        ("2024/3/14", dt.date(2024, 3, 14)),
        ("2024年3月14日", dt.date(2024, 3, 14)),
        ("R6.3.14", dt.date(2024, 3, 14)),
        ("r6-3-14", dt.date(2024, 3, 14)),
        ("R060314", dt.date(2024, 3, 14)),
        ("令和6年3月14日", dt.date(2024, 3, 14)),
        ("S45.1.2", dt.date(1970, 1, 2)),
        ("昭和45年1月2日", dt.date(1970, 1, 2)),
        ("H12/4/1", dt.date(2000, 4, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R1.5.1", dt.date(2019, 5, 1)),
        ("S64.1.7", dt.date(1989, 1, 7)),
        ("T15.12.24", dt.date(1926, 12, 24)),
        # Full-width digits and letters, as an IME often produces them.
        ("Ｒ６．３．１４", dt.date(2024, 3, 14)),
        ("令和６年３月１４日", dt.date(2024, 3, 14)),
        ("２０２４－０３－１４", dt.date(2024, 3, 14)),
        (" 令和 6 年 3 月 14 日 ", dt.date(2024, 3, 14)),
    ],
)
def test_parse_date_accepts(text, expected):
    assert wareki.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-02-30", "2024年2月30日という日付はありません。"),
        ("令和6年2月30日", "令和6年2月30日という日付はありません。"),
        ("R5.2.29", "令和5年2月29日という日付はありません。"),
        ("H22.13.40", "平成22年13月40日という日付はありません。"),
        ("令和元年2月30日", "令和元年2月30日という日付はありません。"),
        ("H32.1.1", "平成は31年までです。"),
        ("R1.4.30", "平成31年4月30日は令和の期間外です（令和は2019年5月1日からです）。"),
        ("S64.1.8", "平成元年1月8日は昭和の期間外です（昭和は1989年1月7日までです）。"),
        ("令和0年1月1日", "令和0年はありません。"),
        ("abc", "日付の形式が正しくありません。例: 2024-03-14、R6.3.14、令和6年3月14日"),
        ("3月14日", "日付の形式が正しくありません。例: 2024-03-14、R6.3.14、令和6年3月14日"),
        ("X6.3.14", "日付の形式が正しくありません。例: 2024-03-14、R6.3.14、令和6年3月14日"),
        ("", "日付を入力してください。"),
    ],
)
def test_parse_date_refuses_with_japanese_message(text, message):
    with pytest.raises(wareki.WarekiError) as excinfo:
        wareki.parse_date(text)
    assert str(excinfo.value) == message


def test_round_trip_through_short_form():
    day = dt.date(2019, 4, 30)
    while day < dt.date(2019, 5, 3):
        assert wareki.parse_date(wareki.format_short(day)) == day
        assert wareki.parse_date(wareki.format_date(day)) == day
        day += dt.timedelta(days=1)


def test_age_on():
    born = dt.date(1950, 4, 1)
    assert wareki.age_on(born, dt.date(2025, 3, 31)) == 74
    assert wareki.age_on(born, dt.date(2025, 4, 1)) == 75
    assert wareki.age_on(None, dt.date(2025, 4, 1)) is None
