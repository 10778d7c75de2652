"""Minutes: autosaved per item while the meeting runs, dated addenda once finalised,
and the chair's 訂正 of finalised minutes with its reason."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from common.corrections import check_reason, record_correction, snapshot
from common.services import bump_version, check_version, save_as
from meetings.models import AgendaItem, Meeting, MinutesAddendum
from meetings.services.rules import MeetingRuleError, require_open

# Autosave writes often; a history row is kept per editor per this many minutes,
# plus a snapshot of every item when the minutes are finalised.
AUTOSAVE_HISTORY_MINUTES = 10


def _keep_history_row(item: AgendaItem, actor) -> bool:
    latest = item.history.order_by("-history_date").first()
    if latest is None or latest.history_type == "+" or latest.history_user_id != actor.pk:
        return True
    return latest.history_date < timezone.now() - dt.timedelta(minutes=AUTOSAVE_HISTORY_MINUTES)


@transaction.atomic
def minutes_save(
    *,
    actor,
    item: AgendaItem,
    discussion: str,
    decisions: str,
    next_review_on: dt.date | None = None,
    expected_version=None,
) -> AgendaItem:
    """Save one item's minutes (autosave while the meeting runs). A stale version
    raises StaleEdit so two writers do not overwrite each other."""
    check_version(item, expected_version)
    require_open(item.meeting)
    item.discussion = discussion
    item.decisions = decisions
    item.next_review_on = next_review_on
    item.minutes_saved_at = timezone.now()
    item.minutes_saved_by = actor
    bump_version(item)
    keep = _keep_history_row(item, actor)
    if not keep:
        item.skip_history_when_saving = True
    try:
        save_as(item, actor)
    finally:
        if hasattr(item, "skip_history_when_saving"):
            del item.skip_history_when_saving
    if keep:  # the action log follows the same pace as the history rows
        log_action(actor=actor, action="meetings.minutes.saved", obj=item.meeting, item=item.pk)
    return item


@transaction.atomic
def addendum_add(
    *, actor, meeting: Meeting, text: str, item: AgendaItem | None = None
) -> MinutesAddendum:
    """A dated addition to finalised minutes."""
    if not meeting.is_finalised:
        raise MeetingRuleError(_("確定前の議事録は、議事録を直接編集してください。"))
    if not text.strip():
        raise MeetingRuleError(_("追記の内容を入力してください。"))
    if item is not None and item.meeting_id != meeting.pk:
        raise MeetingRuleError(_("この会議の議題を選んでください。"))
    row = MinutesAddendum(meeting=meeting, item=item, text=text, added_by=actor)
    save_as(row, actor)
    log_action(actor=actor, action="meetings.minutes.addendum", obj=meeting, addendum=row.pk)
    return row


# ---------------------------------------------------------------- 訂正 of finalised minutes

MINUTES_CORRECTED_FIELDS = ("discussion", "decisions")


def may_correct_minutes(user, meeting: Meeting, *, can_manage: bool) -> bool:
    """訂正 of finalised minutes: by whoever runs the meeting (can_manage, as for
    editing) and is its chair, who alone finalised them (meeting_finalise)."""
    return bool(can_manage and meeting.is_finalised and meeting.chair_id == user.pk)


@transaction.atomic
def minutes_correct(
    *,
    actor,
    item: AgendaItem,
    can_manage: bool,
    discussion: str,
    decisions: str,
    reason: str,
    expected_version=None,
) -> AgendaItem:
    """訂正 of one item's finalised minutes, with its reason. Additions stay addenda
    (addendum_add); a correction changes what was recorded, keeping the earlier
    version visible. Refused with nothing saved when the actor is not the chair of a
    meeting they run, the minutes are not finalised, the reason is empty, the form is
    stale or nothing changes. Side effects: a history row naming the actor with the
    reason, a Correction row, an action log."""
    meeting = item.meeting
    if not meeting.is_finalised:
        raise MeetingRuleError(_("確定前の議事録は、議事録を直接編集してください。"))
    if not may_correct_minutes(actor, meeting, can_manage=can_manage):
        raise MeetingRuleError(_("確定した議事録を訂正できるのは議長だけです。"), code="denied")
    reason = check_reason(reason)
    check_version(item, expected_version)
    before = snapshot(item, MINUTES_CORRECTED_FIELDS)
    item.discussion = discussion
    item.decisions = decisions
    after = snapshot(item, MINUTES_CORRECTED_FIELDS)
    if after == before:
        raise MeetingRuleError(_("訂正する項目が変わっていません。"), code="unchanged")
    bump_version(item)
    item._change_reason = _("訂正: %(reason)s") % {"reason": reason}
    save_as(item, actor)
    record_correction(obj=item, actor=actor, reason=reason, before=before, after=after)
    log_action(actor=actor, action="meetings.minutes.corrected", obj=meeting, item=item.pk)
    return item
