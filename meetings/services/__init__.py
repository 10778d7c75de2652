"""Writes for meetings (STYLE 2): one function per use case, atomic, naming the actor.

The two legal rules live here:
- 重層的支援会議 (and every kind but 支援会議): a case goes on the agenda only when a
  valid 本人同意 of the household covers every agency at the table (the organising
  agency, members', attendees'); the case's lead agency holds the case already.
- 支援会議 (社会福祉法106条の6): a case may be discussed without consent; each member
  gets a meeting-scoped grant (basis MEETING, scope MEETING_BRIEF) through
  cases.sharing, revoked when the member leaves, the case leaves the agenda or the
  meeting is cancelled.
Decisions flow into the case only through cases.services.


The package keeps one module per concept; importers use ``meetings.services``.
"""

# agenda_item_decide passes the case services' refusals on unchanged: callers catch
# them as ValidationError, MeetingRuleError's base.
from django.core.exceptions import ValidationError

from meetings.services.agenda import (
    agenda_item_add,
    agenda_item_decide,
    agenda_item_remove,
    agenda_item_update,
    role_assign,
    role_remove,
    task_complete,
)
from meetings.services.attendance import (
    attendance_set,
    external_attendee_add,
    external_attendee_remove,
    member_acknowledge,
    member_add,
    member_remove,
)
from meetings.services.minutes import (
    AUTOSAVE_HISTORY_MINUTES,
    MINUTES_CORRECTED_FIELDS,
    addendum_add,
    may_correct_minutes,
    minutes_correct,
    minutes_save,
)
from meetings.services.rules import (
    MeetingRuleError,
    attending_agencies,
    check_consent_rule,
    meeting_date,
    uncovered_agencies,
)
from meetings.services.scheduling import (
    meeting_cancel,
    meeting_create,
    meeting_finalise,
    meeting_update,
)

__all__ = [
    "ValidationError",
    "AUTOSAVE_HISTORY_MINUTES",
    "MINUTES_CORRECTED_FIELDS",
    "MeetingRuleError",
    "addendum_add",
    "agenda_item_add",
    "agenda_item_decide",
    "agenda_item_remove",
    "agenda_item_update",
    "attendance_set",
    "attending_agencies",
    "check_consent_rule",
    "external_attendee_add",
    "external_attendee_remove",
    "may_correct_minutes",
    "meeting_cancel",
    "meeting_create",
    "meeting_date",
    "meeting_finalise",
    "meeting_update",
    "member_acknowledge",
    "member_add",
    "member_remove",
    "minutes_correct",
    "minutes_save",
    "role_assign",
    "role_remove",
    "task_complete",
    "uncovered_agencies",
]
