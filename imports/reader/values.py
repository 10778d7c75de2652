"""Cells and values of an uploaded workbook: cell text, lists, 和暦/西暦 dates and
moments, plan roles and case courses. Parsers raise with a Japanese message."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import CaseStatus
from common.wareki import WarekiError, parse_date
from imports import ledgers

MAX_ROWS = 50_000
LIST_SPLIT = re.compile(r"[、,，;；\n]+")
TIME_PART = re.compile(r"^(.*?)[ T　]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
DEFAULT_TIME = dt.time(9, 0)


class ImportRefused(ValidationError):
    """The file cannot be taken at all; the message is Japanese and says why."""


# ---------------------------------------------------------------- cells and values


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def split_list(text: str) -> list[str]:
    return [part.strip() for part in LIST_SPLIT.split(text or "") if part.strip()]


def split_names(text: str, names) -> list[str]:
    """A list of master names (相談内容, 機関) separated by 「、」, where a name may
    itself contain a separator (仕事探し、就職): known names are taken whole first."""
    text = text or ""
    found = []
    for name in sorted((n for n in names if LIST_SPLIT.search(n)), key=len, reverse=True):
        if name in text:
            found.append((text.index(name), name))
            text = text.replace(name, "\x00")
    parts = []
    whole = iter(n for _i, n in sorted(found))
    for part in LIST_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        while "\x00" in part:
            before, _sep, part = part.partition("\x00")
            if before.strip():
                parts.append(before.strip())
            parts.append(next(whole))
            part = part.strip()
        if part:
            parts.append(part)
    return parts


def parse_day(text: str) -> dt.date:
    """A 西暦 or 和暦 date (a time after it is ignored)."""
    match = TIME_PART.match(text.strip())
    return parse_date(match[1] if match else text)


def parse_moment(text: str) -> dt.datetime:
    """A date with an optional time (09:00 when none is given), in Japan."""
    match = TIME_PART.match(text.strip())
    if match:
        day = parse_date(match[1])
        hour, minute = int(match[2]), int(match[3])
        if hour > 23 or minute > 59:
            raise WarekiError(_("時刻が正しくありません。"))
        moment = dt.datetime.combine(day, dt.time(hour, minute))
    else:
        moment = dt.datetime.combine(parse_date(text), DEFAULT_TIME)
    return timezone.make_aware(moment)


def parse_roles(text: str) -> list[tuple[str, str, str]]:
    """「困りごと／機関名／支援方法」 one a line → (concern, agency name, method). Raises
    ValueError with a Japanese message."""
    roles = []
    for line in [part.strip() for part in re.split(r"[\n；;]+", text or "") if part.strip()]:
        parts = [p.strip() for p in line.split(ledgers.ROLE_SPLIT)]
        if len(parts) != 3 or not all(parts):
            raise ValueError(
                _("「%(line)s」を読めません。「困りごと／機関名／支援方法」の形にしてください。")
                % {"line": line}
            )
        roles.append((parts[0], parts[1], parts[2]))
    return roles


def parse_course(text: str) -> list[tuple[dt.date, str, str]]:
    """「2024-03-01 終結（課題の解決・目標達成）；2024-03-10 支援中」 → (day, status,
    text in brackets). Raises WarekiError / ValueError with a Japanese message."""
    labels = {str(label): value for value, label in CaseStatus.choices}
    steps = []
    for part in [p.strip() for p in re.split(r"[；;\n]+", text or "") if p.strip()]:
        match = re.match(r"^(\S+)\s+([^（(]+)(?:[（(](.*)[）)])?$", part)
        if not match:
            raise ValueError(
                _("「%(part)s」を読めません。「日付 状況（理由）」の形にしてください。")
                % {"part": part}
            )
        day = parse_day(match[1])
        label = match[2].strip()
        if label not in labels:
            raise ValueError(_("状況「%(label)s」はありません。") % {"label": label})
        steps.append((day, labels[label], (match[3] or "").strip()))
    return steps
