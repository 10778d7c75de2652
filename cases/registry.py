"""Small registries that let higher apps add to pages owned by cases without the
cases app importing them (DESIGN: nothing imports upwards).

- Timeline providers: callable(case, user) -> iterable of TimelineEntry; a provider
  returns only what that user may see (ask cases.sharing). The case page shows the
  timeline a page at a time (cases.selectors.case_timeline_page): providers return all
  their entries (they are few next to the support records) and the page keeps those
  before its cursor.
- Home providers: callable(request) -> dict(title, template, context, count, order) | None;
  a list read with first_rows() adds more=True when rows beyond `count` exist, and
  more_url, the page that lists them all (the badge then reads "20+", not "20"), or
  more_inline when its own template links to the rest.
- Case panels: callable(request, case) -> dict(title, template, context, order) | None,
  shown on the case page; links: callable(request, case) -> list of dict(label, url)
  shown as buttons. Both must check what the user may see through cases.sharing.
- Calendar providers: callable(user, start, end, *, scope) -> iterable of CalendarEntry
  dated start <= day < end; scope is "mine" (what the user is responsible for or takes
  part in) or "agency" (the user's agencies). A provider returns only what that user may
  see (the same querysets its lists use), and each entry links to its page, whose own
  access check holds (cases.calendar).
Apps register from their AppConfig.ready().
"""

from dataclasses import dataclass, field
from datetime import date, datetime


def first_rows(queryset, limit: int) -> tuple[list, bool]:
    """The first `limit` rows of a home list, and whether there are more: one row more
    is read, so the badge never passes a capped list off as the whole (no COUNT)."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # e.g. "consultation", "record", "plan", "status", "meeting", "referral"
    label: str  # short Japanese label shown as a tag
    title: str
    body: str = ""
    url: str = ""
    by: str = ""
    extra: dict = field(default_factory=dict)
    # Orders entries of the same moment and marks where a timeline page ended: the
    # source row ("record:00000000000000000042"); "" means kind, url and title.
    key: str = ""

    @property
    def has_time(self) -> bool:
        """Entries known only by their day are stored at local midnight (support
        records typed without a time, outreach and participation days); the page
        shows those without a false 00:00."""
        from django.utils import timezone

        at = timezone.localtime(self.at) if timezone.is_aware(self.at) else self.at
        return (at.hour, at.minute, at.second) != (0, 0, 0)

    @property
    def anchor(self) -> str:
        """The entry's id on the page ("tl-record-42"), for links that land on it."""
        source, _sep, number = self.key.partition(":")
        return f"tl-{source}-{int(number)}" if source and number.isdecimal() else ""

    @property
    def sort_key(self) -> tuple:
        return (self.at, self.key or f"{self.kind}:{self.url}:{self.title}")


@dataclass(frozen=True)
class CalendarEntry:
    """One dated thing on the calendar. label and ref carry no personal data (the kind
    and a number: "訪問", "ケース#123"): they are all the iCal feed shows."""

    day: date
    kind: str  # "plan_review", "visit", "meeting", "referral_due"
    label: str  # the kind in Japanese: 訪問, 支援会議, プラン評価, 繋ぎの回答期限
    ref: str  # ケース#123, 訪問対象#4, 繋ぎ#9
    url: str
    uid: str  # stable per source row: "plan:12", "meeting:3"
    at: datetime | None = None  # a time of day, when the thing has one

    @property
    def text(self) -> str:
        return f"{self.label} {self.ref}"

    @property
    def sort_key(self) -> tuple:
        return (self.day, self.at is None, self.at or datetime.min, self.kind, self.uid)


_TIMELINE = []
_CALENDAR = []
_HOME = []
_CASE_PANELS = []
_CASE_LINKS = []


def register_timeline(func):
    _TIMELINE.append(func)
    return func


def register_home(func):
    _HOME.append(func)
    return func


def timeline_providers():
    return list(_TIMELINE)


def home_sections(request):
    out = []
    for func in _HOME:
        section = func(request)
        if section:
            out.append(section)
    return out


def register_case_panel(func):
    _CASE_PANELS.append(func)
    return func


def register_case_links(func):
    _CASE_LINKS.append(func)
    return func


def case_panels(request, case):
    out = [p for p in (func(request, case) for func in _CASE_PANELS) if p]
    return sorted(out, key=lambda p: p.get("order", 100))


def case_links(request, case):
    out = []
    for func in _CASE_LINKS:
        out.extend(func(request, case) or [])
    return out


def register_calendar(func):
    _CALENDAR.append(func)
    return func


def calendar_entries(user, start, end, *, scope: str = "mine") -> list:
    out = []
    for func in _CALENDAR:
        out.extend(func(user, start, end, scope=scope) or [])
    return sorted(out, key=lambda e: e.sort_key)
