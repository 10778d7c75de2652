"""ふりがな and phone numbers are normalised so search finds what staff type."""

import pytest

from common import kana


@pytest.mark.parametrize("typed", ["やまだ", "ヤマダ", "ﾔﾏﾀﾞ", " やまだ "])
def test_kana_spellings_normalise_to_the_same_katakana(typed):
    assert kana.normalise_kana(typed) == "ヤマダ"


@pytest.mark.parametrize(
    "typed", ["やまだ　はなこ", "やまだ はなこ", "ヤマダハナコ", "ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダ・ハナコ"]
)
def test_full_name_kana_ignores_spaces_and_dots(typed):
    assert kana.normalise_kana(typed) == "ヤマダハナコ"


def test_normalise_kana_keeps_the_long_vowel_mark_and_handles_empty():
    assert kana.normalise_kana("ゆーこ") == "ユーコ"
    assert kana.normalise_kana("") == ""
    assert kana.normalise_kana(None) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [("やまだ", True), ("ﾔﾏﾀﾞ", True), ("ゆーこ", True), ("山田", False), ("やまだ太郎", False)],
)
def test_is_kana(text, expected):
    assert kana.is_kana(text) is expected


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("096-293-3122", "0962933122"),
        ("０９６－２９３－３１２２", "0962933122"),
        ("096(293)3122", "0962933122"),
        ("０９６（２９３）３１２２", "0962933122"),
        ("090 1234 5678", "09012345678"),
        ("０９０ー１２３４ー５６７８", "09012345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_phone(typed, digits):
    assert kana.normalise_phone(typed) == digits


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("096-293-3122", True),
        ("０９６－２９３－３１２２", True),
        ("09012345678", True),
        ("(096)293-3122", True),
        ("12-34", False),  # too short
        ("096-293-31222-1", False),  # too long
        ("196-293-3122", False),  # does not start with 0
        ("096-293-3122x", False),  # letters
        ("でんわ", False),
    ],
)
def test_is_valid_phone(text, valid):
    assert kana.is_valid_phone(text) is valid
