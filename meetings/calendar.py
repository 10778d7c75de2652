"""Meetings on the calendar (cases.calendar): those the user may see
(selectors.meetings_visible_to), not cancelled."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.registry import CalendarEntry, register_calendar
from meetings import selectors
from meetings.choices import MeetingStatus
from meetings.models import MeetingAttendee, MeetingMember


def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    )


@register_calendar
def meetings(user, start, end, *, scope):
    """mine: meetings the user chairs, sits on or attends; agency: every meeting the
    user may see (organised by, or with members from, the user's agencies)."""
    since, until = _bounds(start, end)
    rows = (
        selectors.meetings_visible_to(user)
        .filter(starts_at__gte=since, starts_at__lt=until)
        .exclude(status=MeetingStatus.CANCELLED)
    )
    if scope == "mine":
        rows = rows.filter(
            Q(chair=user)
            | Exists(MeetingMember.objects.filter(meeting=OuterRef("pk"), user=user))
            | Exists(MeetingAttendee.objects.filter(meeting=OuterRef("pk"), user=user))
        )
    for meeting in rows.only("pk", "kind", "starts_at").order_by("starts_at", "pk"):
        yield CalendarEntry(
            day=timezone.localdate(meeting.starts_at),
            kind="meeting",
            label=meeting.get_kind_display(),
            ref=_("会議#%(pk)s") % {"pk": meeting.pk},
            url=reverse("meetings:meeting_detail", args=[meeting.pk]),
            uid=f"meeting:{meeting.pk}",
            at=meeting.starts_at,
        )
