"""The calendar: a week or a month of visits, meetings, plan reviews and referral
deadlines, for one user ("mine") or for the user's agency, and the user's iCal feed.

Entries come from providers registered in cases.registry (cases' own plan reviews and
the next visits written on support records are below; outreach, meetings and referrals
register theirs from their AppConfig.ready()).
Each provider returns only what the user may see and links to the entry's page.

The page and the feed show the kind and a number only ("訪問 ケース#123"): no name,
address, phone or case title, so the page reads no person's record and the feed may sit
in a phone's calendar app. The feed's address holds a secret token (only its SHA-256 is
stored); deleting the row revokes it.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import log_action
from cases import sharing
from cases.choices import OPEN_STATUSES, PlanStatus
from cases.models import CalendarFeedToken, SupportPlan, SupportRecord
from cases.registry import CalendarEntry, calendar_entries, register_calendar

# Monday first, as date.weekday().
WEEKDAYS = [
    gettext_lazy("月"),
    gettext_lazy("火"),
    gettext_lazy("水"),
    gettext_lazy("木"),
    gettext_lazy("金"),
    gettext_lazy("土"),
    gettext_lazy("日"),
]
SCOPES = ("mine", "agency")
VIEWS = ("week", "month")
FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 366


def case_ref(case_id) -> str:
    return _("ケース#%(pk)s") % {"pk": case_id}


def scope_agency_ids(user, scope: str) -> list[int]:
    """The agencies an "agency" scope covers: the user's own (case roles only)."""
    return list(user.case_agency_ids) if scope == "agency" else []


# ---------------------------------------------------------------- cases' own entries


def _readable_on_open_cases(queryset, user, day_field: str, start, end):
    """Rows of queryset dated (day_field) in [start, end), on an open case whose records
    the user may read: the check the plan and record pages make."""
    return queryset.filter(
        **{f"{day_field}__gte": start, f"{day_field}__lt": end},
        case__status__in=OPEN_STATUSES,
        case__in=sharing.cases_visible_to(user, action="records"),
    )


def _case_entries(rows, *, kind: str, label: str, url_name: str, uid: str):
    """One entry per (pk, case_id, day) row, linked to url_name(case_id, pk)."""
    for pk, case_id, day in rows:
        yield CalendarEntry(
            day=day,
            kind=kind,
            label=label,
            ref=case_ref(case_id),
            url=reverse(url_name, args=[case_id, pk]),
            uid=f"{uid}:{pk}",
        )


@register_calendar
def plan_reviews(user, start, end, *, scope):
    """評価予定日 of a plan in force on an open case the user may read the records of
    (the plan page's own check); mine: the cases the user leads; agency: the cases the
    user's agencies lead. A closed case's plan is not shown."""
    plans = _readable_on_open_cases(
        SupportPlan.objects.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED]),
        user,
        "review_on",
        start,
        end,
    )
    if scope == "mine":
        plans = plans.filter(case__lead_staff=user)
    else:
        plans = plans.filter(case__lead_agency_id__in=scope_agency_ids(user, scope))
    return _case_entries(
        plans.values_list("pk", "case_id", "review_on"),
        kind="plan_review",
        label=_("プラン評価"),
        url_name="cases:plan_detail",
        uid="plan",
    )


@register_calendar
def record_visits(user, start, end, *, scope):
    """次回訪問予定日 written on a 支援経過 of an open case whose records the user may
    read (the record page's own check); mine: the records the user wrote or the cases
    they lead; agency: the records of the user's agencies."""
    records = _readable_on_open_cases(
        SupportRecord.objects.all(), user, "next_visit_on", start, end
    )
    if scope == "mine":
        records = records.filter(Q(staff=user) | Q(case__lead_staff=user))
    else:
        records = records.filter(agency_id__in=scope_agency_ids(user, scope))
    return _case_entries(
        records.values_list("pk", "case_id", "next_visit_on"),
        kind="visit",
        label=_("訪問"),
        url_name="cases:record_detail",
        uid="record-visit",
    )


# ---------------------------------------------------------------- the grid


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    entries: list

    @property
    def weekday(self) -> int:
        return self.date.weekday()


def parse_day(text: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default


def period(view: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of the grid: whole weeks from Monday; a month's weeks cover it."""
    if view == "month":
        first = anchor.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        start = first - dt.timedelta(days=first.weekday())
        last = following - dt.timedelta(days=1)
        end = last + dt.timedelta(days=7 - last.weekday())
        return start, end
    start = anchor - dt.timedelta(days=anchor.weekday())
    return start, start + dt.timedelta(days=7)


def neighbours(view: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    if view == "month":
        first = anchor.replace(day=1)
        previous = (first - dt.timedelta(days=1)).replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return previous, following
    monday = anchor - dt.timedelta(days=anchor.weekday())
    return monday - dt.timedelta(days=7), monday + dt.timedelta(days=7)


def grid(user, *, view: str, anchor: dt.date, scope: str, today: dt.date) -> list[list[Day]]:
    """Weeks of Days with the entries the user may see."""
    start, end = period(view, anchor)
    by_day = {}
    for entry in calendar_entries(user, start, end, scope=scope):
        by_day.setdefault(entry.day, []).append(entry)
    days = []
    day = start
    while day < end:
        in_month = view == "week" or day.month == anchor.month
        days.append(Day(day, in_month, day == today, by_day.get(day, [])))
        day += dt.timedelta(days=1)
    return [days[i : i + 7] for i in range(0, len(days), 7)]


# ---------------------------------------------------------------- the iCal feed


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_token_issue(*, actor) -> str:
    """A new secret feed token for actor (the old one, if any, stops working).
    Returns the token, which the caller shows once; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.filter(user=actor).delete()
    CalendarFeedToken.objects.create(user=actor, token_hash=_hash(token))
    log_action(actor=actor, action="cases.calendar_feed.issued", obj=actor)
    return token


@transaction.atomic
def feed_token_revoke(*, actor) -> bool:
    deleted, _rows = CalendarFeedToken.objects.filter(user=actor).delete()
    if deleted:
        log_action(actor=actor, action="cases.calendar_feed.revoked", obj=actor)
    return bool(deleted)


def feed_user(token: str):
    """The active user whose feed token this is, or None (unknown, revoked or a
    deactivated account). Marks the row's last use (no personal data is read)."""
    if not token or len(token) > 100:
        return None
    row = (
        CalendarFeedToken.objects.filter(token_hash=_hash(token), user__is_active=True)
        .select_related("user")
        .first()
    )
    if row is None:
        return None
    CalendarFeedToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines of at most 75 octets, continued with CRLF and a space;
    never split inside a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        limit = 75 if not out else 74  # continuation lines start with a space
        if len(current) + len(encoded) > limit:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ical(entries, *, now: dt.datetime) -> str:
    """A VCALENDAR of entries: SUMMARY is the kind and a number, URL the entry's page,
    UID stable per source row. All-day events unless the entry has a time."""
    host = settings.SITE_URL.rstrip("/")
    domain = host.split("://")[-1].split("/")[0].split(":")[0] or "localhost"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//jusou//calendar//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + _escape(_("重層的支援の予定")),
    ]
    stamp = _utc(now)
    for entry in entries:
        lines += ["BEGIN:VEVENT", f"UID:{entry.uid.replace(':', '-')}@{domain}", f"DTSTAMP:{stamp}"]
        if entry.at is not None:
            lines += [
                f"DTSTART:{_utc(entry.at)}",
                f"DTEND:{_utc(entry.at + dt.timedelta(hours=1))}",
            ]
        else:
            following = entry.day + dt.timedelta(days=1)
            lines += [
                f"DTSTART;VALUE=DATE:{entry.day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{following:%Y%m%d}",
            ]
        lines += [
            "SUMMARY:" + _escape(entry.text),
            "URL:" + host + entry.url,  # a URI value, not TEXT: no escaping
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def feed_for(user, *, now=None) -> str:
    now = now or timezone.now()
    today = timezone.localdate(now)
    entries = calendar_entries(
        user,
        today - dt.timedelta(days=FEED_PAST_DAYS),
        today + dt.timedelta(days=FEED_FUTURE_DAYS),
        scope="mine",
    )
    return ical(entries, now=now)
