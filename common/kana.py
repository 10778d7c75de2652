"""ふりがな and phone numbers, normalised so search finds what staff type.

Stored form of kana: full-width katakana without spaces. Search input may be
hiragana, katakana or half-width katakana, with or without spaces.
"""

import re
import unicodedata

import jaconv

_KATAKANA = re.compile(r"^[\u30A0-\u30FFー]*$")


def normalise_kana(text: str | None) -> str:
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", str(text))  # half-width kana -> full-width
    value = jaconv.hira2kata(value)
    return re.sub(r"[\s\u3000・･]", "", value)


def is_kana(text: str) -> bool:
    """True when the normalised text is katakana only (long vowel mark included)."""
    return bool(_KATAKANA.match(normalise_kana(text)))


def normalise_phone(text: str | None) -> str:
    """Digits only: 096-293-3122, ０９６（２９３）３１２２ -> 0962933122."""
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\D", "", value)


_PHONE_SHAPE = re.compile(r"^[0-9０-９\-‐－ー―()（）\s+＋]+$")


def is_valid_phone(text: str) -> bool:
    digits = normalise_phone(text)
    return bool(_PHONE_SHAPE.match(text.strip())) and 10 <= len(digits) <= 11 and digits[0] == "0"
