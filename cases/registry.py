"""Small registries that let higher apps add to pages owned by cases without the
cases app importing them (DESIGN: nothing imports upwards).

- Timeline providers: callable(case, user) -> iterable of TimelineEntry; a provider
  returns only what that user may see (ask cases.sharing).
- Home providers: callable(request) -> dict(title, template, context, count) | None.
Apps register from their AppConfig.ready().
"""

from dataclasses import dataclass, field
from datetime import datetime


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


_TIMELINE = []
_HOME = []


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
