"""A meeting's own life: scheduled, edited, cancelled, its minutes finalised."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency
from cases import sharing
from common.services import bump_version, check_version, save_as
from meetings.choices import MeetingStatus
from meetings.models import (
    Meeting,
)
from meetings.services.rules import MeetingRuleError, check_chair, check_consent_rule, require_open


@transaction.atomic
def meeting_create(
    *,
    actor,
    kind: str,
    starts_at: dt.datetime,
    chair,
    organising_agency: Agency,
    ends_at: dt.datetime | None = None,
    place: str = "",
    title: str = "",
) -> Meeting:
    """Schedule a meeting. Side effects: action log."""
    check_chair(chair, organising_agency)
    if ends_at and ends_at <= starts_at:
        raise MeetingRuleError(_("終了時刻は開始時刻より後にしてください。"))
    meeting = Meeting(
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        chair=chair,
        organising_agency=organising_agency,
        created_by=actor,
    )
    save_as(meeting, actor)
    log_action(actor=actor, action="meetings.meeting.created", obj=meeting, kind=kind)
    return meeting


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, expected_version=None, **fields) -> Meeting:
    """Edit date, place, chair, kind. A change of kind or organiser is re-checked
    against the consent rule for every case already on the agenda."""
    check_version(meeting, expected_version)
    require_open(meeting)
    for key, value in fields.items():
        setattr(meeting, key, value)
    check_chair(meeting.chair, meeting.organising_agency)
    if meeting.ends_at and meeting.ends_at <= meeting.starts_at:
        raise MeetingRuleError(_("終了時刻は開始時刻より後にしてください。"))
    for item in meeting.items.filter(case__isnull=False).select_related("case", "case__household"):
        check_consent_rule(meeting, item.case)
    bump_version(meeting)
    save_as(meeting, actor)
    log_action(actor=actor, action="meetings.meeting.updated", obj=meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    """Cancel. Side effects: every grant resting on the meeting is revoked; its open
    tasks disappear from the agencies' home pages."""
    require_open(meeting)
    if not reason.strip():
        raise MeetingRuleError(_("中止の理由を入力してください。"))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancelled_by = actor
    meeting.cancel_reason = reason
    bump_version(meeting)
    save_as(meeting, actor)
    sharing.revoke_for_basis(basis_object=meeting, actor=actor, reason=_("会議の中止"))
    log_action(actor=actor, action="meetings.meeting.cancelled", obj=meeting)
    return meeting


@transaction.atomic
def meeting_finalise(*, actor, meeting: Meeting) -> Meeting:
    """The chair finalises the minutes; later changes are addenda. Side effects: a
    history snapshot of every agenda item as finalised, action log."""
    if meeting.chair_id != actor.pk:
        raise MeetingRuleError(_("議事録を確定できるのは議長だけです。"))
    require_open(meeting)
    if meeting.starts_at > timezone.now():
        raise MeetingRuleError(_("開催前の会議の議事録は確定できません。"))
    for item in meeting.items.all():
        save_as(item, actor)
    meeting.status = MeetingStatus.FINALISED
    meeting.finalised_at = timezone.now()
    meeting.finalised_by = actor
    bump_version(meeting)
    save_as(meeting, actor)
    log_action(actor=actor, action="meetings.minutes.finalised", obj=meeting)
    return meeting
