"""What meetings adds to pages owned by cases (registered from MeetingsConfig.ready()):
the case timeline, the case page panel, and ホーム's 「自機関の担当」.

Each follows selectors.case_meeting_items / open_tasks_for, so a 支援会議 never shows
to another agency that only holds the case on consent.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.registry import (
    TimelineEntry,
    first_rows,
    register_case_panel,
    register_home,
    register_timeline,
)
from meetings import selectors
from meetings.models import AgendaItem

HOME_LIMIT = 30


def _entry_body(item) -> str:
    # Whoever may see the entry (selectors.case_meeting_items) may see what was decided.
    parts = []
    if item.decision:
        parts.append(_("決定: %(d)s") % {"d": item.get_decision_display()})
    if item.decisions:
        parts.append(item.decisions)
    return "\n".join(parts)


def _case_items(case, user) -> list:
    """selectors.case_meeting_items, read once per case object and user: the case page
    asks for the timeline and for the panel in the same request."""
    cache = case.__dict__.setdefault("_meeting_items_for", {})
    if user.pk not in cache:
        # Most cases were never on an agenda: one probe of the items' case index spares
        # them the access-filtered query, whose building alone costs a few milliseconds.
        on_agenda = AgendaItem.objects.filter(case_id=case.pk).exists()
        cache[user.pk] = list(selectors.case_meeting_items(case, user)) if on_agenda else []
    return cache[user.pk]


@register_timeline
def meeting_timeline(case, user):
    entries = []
    for item in _case_items(case, user):
        meeting = item.meeting
        entries.append(
            TimelineEntry(
                at=meeting.starts_at,
                kind="meeting",
                label=meeting.get_kind_display(),
                title=meeting.display_title,
                body=_entry_body(item),
                url=(
                    reverse("meetings:meeting_detail", args=[meeting.pk])
                    if item.meeting_visible
                    else ""
                ),
                by=meeting.organising_agency.name,
                extra={"meeting": meeting, "confidential": meeting.is_confidential},
            )
        )
    return entries


@register_case_panel
def case_meetings_panel(request, case):
    items = _case_items(case, request.user)
    can_create = selectors.can_create_meetings(request.user)
    if not items and not can_create:
        return None
    return {
        "title": _("会議（支援会議・重層的支援会議など）"),
        "template": "meetings/panels/case_meetings.html",
        "context": {"case": case, "items": items, "can_create": can_create},
        "order": 40,
    }


@register_home
def my_agency_tasks(request):
    user = request.user
    if not user.is_authenticated or not user.agency_ids:
        return None
    tasks, more = first_rows(selectors.open_tasks_for(user), HOME_LIMIT)
    if not tasks:
        return None
    return {
        "title": _("自機関の担当"),
        "template": "meetings/home/tasks.html",
        "context": {"tasks": tasks, "today": timezone.localdate()},
        "count": len(tasks),
        "more": more,
        "order": 15,
        # A task names its case (by title) only where the user may see it.
        "reads": [t.item.case for t in tasks if t.item.case_id and t.case_named],
    }


@register_home
def upcoming_meetings(request):
    user = request.user
    if not user.is_authenticated or not user.agency_ids:
        return None
    meetings, more = first_rows(selectors.upcoming_meetings_for(user), HOME_LIMIT)
    can_create = selectors.can_create_meetings(user)
    if not meetings and not can_create:
        return None
    return {
        "title": _("これからの会議（14日以内）"),
        "template": "meetings/home/meetings.html",
        "context": {"meetings": meetings, "can_create": can_create},
        "count": len(meetings),
        "more": more,
        "more_url": reverse("meetings:meeting_list"),
        "order": 25,
    }
