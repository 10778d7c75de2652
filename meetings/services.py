"""Writes for meetings (STYLE 2): one function per use case, atomic, naming the actor.

The two legal rules live here:
- 重層的支援会議 (and every kind but 支援会議): a case goes on the agenda only when a
  valid 本人同意 of the household covers every agency at the table (the organising
  agency, members', attendees'); the case's lead agency holds the case already.
- 支援会議 (社会福祉法106条の6): a case may be discussed without consent; each member
  gets a meeting-scoped grant (basis MEETING, scope MEETING_BRIEF) through
  cases/sharing.py, revoked when the member leaves, the case leaves the agenda or the
  meeting is cancelled.
Decisions flow into the case only through cases.services.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency, Membership
from cases import selectors as case_selectors
from cases import services as case_services
from cases import sharing
from cases.choices import CaseStatus, GrantBasis, GrantScope, PlanStatus
from cases.models import Case
from common.corrections import check_reason, record_correction, snapshot
from common.services import bump_version, check_version, save_as
from households.models import Consent
from meetings.choices import Decision, MeetingStatus, Topic
from meetings.models import (
    AgendaItem,
    ExternalAttendee,
    Meeting,
    MeetingAttendee,
    MeetingMember,
    MinutesAddendum,
    RoleAssignment,
)

# Autosave writes often; a history row is kept per editor per this many minutes,
# plus a snapshot of every item when the minutes are finalised.
AUTOSAVE_HISTORY_MINUTES = 10


class MeetingRuleError(ValidationError):
    """A refused action; the Japanese message says what is missing."""


def _names(agencies) -> str:
    return "、".join(a.name for a in agencies)


def _require_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingRuleError(_("中止した会議は変更できません。"))
    if meeting.status == MeetingStatus.FINALISED:
        raise MeetingRuleError(
            _("議事録は確定済みです。変更は日付入りの追記として記録してください。")
        )


def meeting_date(meeting: Meeting) -> dt.date:
    return timezone.localtime(meeting.starts_at).date()


# ---------------------------------------------------------------- the consent rule


def attending_agencies(meeting: Meeting) -> set[Agency]:
    """Every agency at the table: organiser, members, user and external attendees."""
    agencies = {meeting.organising_agency}
    agencies |= {m.agency for m in meeting.members.select_related("agency")}
    agencies |= {a.agency for a in meeting.attendees.select_related("agency")}
    agencies |= {
        e.agency for e in meeting.external_attendees.select_related("agency") if e.agency_id
    }
    return agencies


def uncovered_agencies(case: Case, agencies) -> list[Agency]:
    """Agencies (other than the lead) that no valid consent of the household names."""
    missing = [a for a in agencies if not sharing.at_the_table(case, a)]
    return sorted(missing, key=lambda a: a.name)


def check_consent_rule(meeting: Meeting, case: Case, *, agencies=None) -> None:
    """Refuse a case on a consent-based meeting unless consent covers the agencies."""
    if not meeting.needs_consent:
        return
    kind = meeting.get_kind_display()
    has_consent = (
        Consent.objects.valid_on()
        .filter(person__household_memberships__household=case.household)
        .exists()
    )
    if not has_consent:
        raise MeetingRuleError(
            _(
                "「%(case)s」には有効な本人同意が記録されていないため、%(kind)sでは扱えません。"
                "世帯のページで本人同意を記録するか、同意のないまま情報共有が必要であれば"
                "支援会議で検討してください。"
            )
            % {"case": case.title, "kind": kind}
        )
    missing = uncovered_agencies(
        case, attending_agencies(meeting) if agencies is None else agencies
    )
    if missing:
        raise MeetingRuleError(
            _(
                "「%(case)s」を%(kind)sで扱うには、出席する機関すべてを共有先に含む"
                "有効な本人同意が必要です。本人同意に含まれていない機関: %(names)s。"
            )
            % {"case": case.title, "kind": kind, "names": _names(missing)}
        )


def _check_new_agency(meeting: Meeting, agency: Agency | None) -> None:
    """A new agency at a consent-based table must be covered for every case on it."""
    if agency is None or not meeting.needs_consent:
        return
    for item in meeting.items.filter(case__isnull=False).select_related("case", "case__household"):
        # Only the newcomer is asked about: whether its agency is at the table for each
        # case (the lead, or named by a valid consent). Whether the case may stay on
        # the agenda at all is not this member's question.
        if uncovered_agencies(item.case, [agency]):
            raise MeetingRuleError(
                _(
                    "「%(case)s」を%(kind)sで扱っているため、本人同意に%(agency)sが含まれて"
                    "いないと構成員に加えられません。"
                )
                % {
                    "case": item.case.title,
                    "kind": meeting.get_kind_display(),
                    "agency": agency.name,
                }
            )


# ---------------------------------------------------------------- meeting-scoped grants


def _grant_brief(*, actor, meeting: Meeting, case: Case, user) -> None:
    sharing.grant(
        case=case,
        user=user,
        basis=GrantBasis.MEETING,
        scope=GrantScope.MEETING_BRIEF,
        basis_object=meeting,
        actor=actor,
        note=_("%(kind)s（%(date)s）の構成員")
        % {"kind": meeting.get_kind_display(), "date": meeting_date(meeting).isoformat()},
    )


# ---------------------------------------------------------------- meetings


def _check_chair(chair, agency: Agency) -> None:
    if not Membership.objects.filter(
        user=chair, agency=agency, is_active=True, user__is_active=True
    ).exists():
        raise MeetingRuleError(
            _("議長は主催機関（%(agency)s）の職員から選んでください。") % {"agency": agency.name}
        )


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
    _check_chair(chair, organising_agency)
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
    _require_open(meeting)
    for key, value in fields.items():
        setattr(meeting, key, value)
    _check_chair(meeting.chair, meeting.organising_agency)
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
    _require_open(meeting)
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
    _require_open(meeting)
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


# ---------------------------------------------------------------- members and attendance


@transaction.atomic
def member_add(*, actor, meeting: Meeting, user, agency: Agency) -> MeetingMember:
    """Add a 構成員. Side effects: a meeting-scoped grant on every case on the agenda."""
    _require_open(meeting)
    if not Membership.objects.filter(
        user=user, agency=agency, is_active=True, user__is_active=True, agency__is_active=True
    ).exists():
        raise MeetingRuleError(_("構成員はその機関に所属する職員から選んでください。"))
    if MeetingMember.objects.filter(meeting=meeting, user=user).exists():
        raise MeetingRuleError(_("%(user)sさんはすでに構成員です。") % {"user": user})
    _check_new_agency(meeting, agency)
    member = MeetingMember(meeting=meeting, user=user, agency=agency, added_by=actor)
    save_as(member, actor)
    for item in meeting.items.filter(case__isnull=False).select_related("case"):
        _grant_brief(actor=actor, meeting=meeting, case=item.case, user=user)
    log_action(actor=actor, action="meetings.member.added", obj=meeting, user=user.pk)
    return member


@transaction.atomic
def member_remove(*, actor, member: MeetingMember) -> None:
    """Remove a 構成員. Side effects: their grants from this meeting are revoked; on a
    支援会議 their attendance goes too (only members attend)."""
    meeting = member.meeting
    _require_open(meeting)
    sharing.revoke_for_basis(
        basis_object=meeting, user=member.user, actor=actor, reason=_("会議の構成員から外れた")
    )
    if meeting.is_confidential:
        for row in MeetingAttendee.objects.filter(meeting=meeting, user=member.user):
            row._history_user = actor
            row.delete()
    user_pk = member.user_id
    member._history_user = actor
    member.delete()
    log_action(actor=actor, action="meetings.member.removed", obj=meeting, user=user_pk)


@transaction.atomic
def member_acknowledge(*, actor, member: MeetingMember) -> MeetingMember:
    """Record the member's 守秘義務 acknowledgement (by the member, or by an organiser
    who received the signed pledge)."""
    if member.has_acknowledged:
        return member
    if member.meeting.is_cancelled:
        raise MeetingRuleError(_("中止した会議は変更できません。"))
    member.acknowledged_at = timezone.now()
    member.acknowledgement_recorded_by = actor
    save_as(member, actor)
    log_action(
        actor=actor, action="meetings.member.acknowledged", obj=member.meeting, user=member.user_id
    )
    return member


@transaction.atomic
def attendance_set(*, actor, meeting: Meeting, user, attended: bool, agency=None):
    """Mark a user as present (or not). On a 支援会議 only acknowledged members attend;
    on other kinds a non-member's agency must pass the consent rule."""
    _require_open(meeting)
    row = MeetingAttendee.objects.filter(meeting=meeting, user=user).first()
    if not attended:
        if row is not None:
            row._history_user = actor
            row.delete()
            log_action(actor=actor, action="meetings.attendance.removed", obj=meeting, user=user.pk)
        return None
    if row is not None:
        return row
    member = MeetingMember.objects.filter(meeting=meeting, user=user).first()
    if member is not None:
        agency = member.agency
        if meeting.is_confidential and not member.has_acknowledged:
            raise MeetingRuleError(
                _("%(user)sさんの守秘義務の確認が記録されていないため、出席にできません。")
                % {"user": user}
            )
    else:
        if meeting.is_confidential:
            raise MeetingRuleError(
                _("支援会議に出席できるのは構成員だけです。先に構成員として加えてください。")
            )
        if (
            agency is None
            or not Membership.objects.filter(user=user, agency=agency, is_active=True).exists()
        ):
            raise MeetingRuleError(_("出席者はその機関に所属する職員から選んでください。"))
        _check_new_agency(meeting, agency)
    row = MeetingAttendee(meeting=meeting, user=user, agency=agency, recorded_by=actor)
    save_as(row, actor)
    log_action(actor=actor, action="meetings.attendance.added", obj=meeting, user=user.pk)
    return row


@transaction.atomic
def external_attendee_add(
    *,
    actor,
    meeting: Meeting,
    name: str,
    organisation: str = "",
    role: str = "",
    agency: Agency | None = None,
    acknowledged: bool = False,
) -> ExternalAttendee:
    _require_open(meeting)
    if meeting.is_confidential and not acknowledged:
        raise MeetingRuleError(
            _("支援会議の出席者からは守秘義務の誓約を受けてください（誓約を受けた、に印）。")
        )
    _check_new_agency(meeting, agency)
    row = ExternalAttendee(
        meeting=meeting,
        name=name,
        organisation=organisation or (agency.name if agency else ""),
        role=role,
        agency=agency,
        acknowledged=acknowledged,
        recorded_by=actor,
    )
    save_as(row, actor)
    log_action(actor=actor, action="meetings.external_attendee.added", obj=meeting)
    return row


@transaction.atomic
def external_attendee_remove(*, actor, attendee: ExternalAttendee) -> None:
    _require_open(attendee.meeting)
    attendee._history_user = actor
    attendee.delete()
    log_action(actor=actor, action="meetings.external_attendee.removed", obj=attendee.meeting)


# ---------------------------------------------------------------- agenda


@transaction.atomic
def agenda_item_add(
    *,
    actor,
    meeting: Meeting,
    topic: str,
    case: Case | None = None,
    title: str = "",
    brief: str = "",
) -> AgendaItem:
    """Put a case or a policy topic on the agenda. Refused for a case the actor cannot
    see, or (except on a 支援会議) without consent covering the agencies attending.
    Side effects: members get the meeting-scoped grant on the case."""
    _require_open(meeting)
    if topic == Topic.CASE:
        if case is None:
            raise MeetingRuleError(_("検討するケースを選んでください。"))
        if not sharing.can(actor, case, "summary"):
            raise MeetingRuleError(_("閲覧できないケースは議題にできません。"))
        if meeting.items.filter(case=case).exists():
            raise MeetingRuleError(_("このケースはすでに議題にあります。"))
        check_consent_rule(meeting, case)
    else:
        case = None
        if not title.strip():
            raise MeetingRuleError(_("議題を入力してください。"))
    order = meeting.items.count() + 1
    item = AgendaItem(
        meeting=meeting,
        order=order,
        topic=topic,
        case=case,
        title=title,
        brief=brief,
        created_by=actor,
    )
    save_as(item, actor)
    if case is not None:
        for member in meeting.members.select_related("user"):
            _grant_brief(actor=actor, meeting=meeting, case=case, user=member.user)
    log_action(
        actor=actor,
        action="meetings.agenda.added",
        obj=meeting,
        item=item.pk,
        case=case.pk if case else None,
    )
    return item


@transaction.atomic
def agenda_item_update(
    *, actor, item: AgendaItem, expected_version=None, title: str, brief: str
) -> AgendaItem:
    check_version(item, expected_version)
    _require_open(item.meeting)
    if item.case_id is None and not title.strip():
        raise MeetingRuleError(_("議題を入力してください。"))
    item.title, item.brief = title, brief
    bump_version(item)
    save_as(item, actor)
    log_action(actor=actor, action="meetings.agenda.updated", obj=item.meeting, item=item.pk)
    return item


@transaction.atomic
def agenda_item_remove(*, actor, item: AgendaItem) -> None:
    """Take an item off the agenda. Side effects: the members' grants on its case from
    this meeting are revoked."""
    meeting = item.meeting
    _require_open(meeting)
    if item.decision:
        raise MeetingRuleError(_("決定を記録した議題は削除できません。"))
    if item.case_id:
        sharing.revoke_for_basis(
            basis_object=meeting, case=item.case, actor=actor, reason=_("会議の議題から外れた")
        )
    pk = item.pk
    item._history_user = actor
    item.delete()
    log_action(actor=actor, action="meetings.agenda.removed", obj=meeting, item=pk)


# ---------------------------------------------------------------- minutes


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
    _require_open(item.meeting)
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


# ---------------------------------------------------------------- decisions and tasks


@transaction.atomic
def agenda_item_decide(
    *,
    actor,
    item: AgendaItem,
    decision: str,
    close_reason_kind: str = "",
    reason: str = "",
) -> AgendaItem:
    """Record what a 重層的支援会議 decided about a case and carry it into the case:

    - プラン承認: the case's consented plan is approved and becomes the active plan
      (cases.services.plan_approve; its refusal is passed on unchanged).
    - 再プラン: a new draft version of the active plan (cases.services.plan_revise).
    - 支援決定: 多機関協働 starts on the meeting day if it had not started.
    - 終結 / 中断: the case's status moves (cases.services.case_transition); 終結 needs
      a reason kind, 中断 a reason.
    - 評価: recorded on the item only.
    Refused (nothing saved) when the case service refuses.
    """
    meeting = item.meeting
    if not meeting.is_multilayer:
        raise MeetingRuleError(_("会議の決定は重層的支援会議の議題でのみ記録できます。"))
    _require_open(meeting)
    if item.case_id is None:
        raise MeetingRuleError(_("ケースの議題ではないため、決定を記録できません。"))
    if item.decision:
        raise MeetingRuleError(
            _("この議題には「%(decision)s」が記録済みです。")
            % {"decision": item.get_decision_display()}
        )
    if decision not in Decision.values:
        raise MeetingRuleError(_("会議の決定を選んでください。"))
    # A fresh, locked row: the case services below save it whole.
    case = Case.objects.select_for_update().get(pk=item.case_id)
    on = meeting_date(meeting)
    plan = None
    if decision == Decision.PLAN_APPROVAL:
        plan = case.plans.filter(status=PlanStatus.CONSENTED).order_by("-number").first()
        if plan is None:
            raise MeetingRuleError(
                _(
                    "本人同意を記録したプランがありません。ケースのページでプランを作成し、"
                    "本人同意を記録してから承認してください。"
                )
            )
        case_services.plan_approve(actor=actor, plan=plan, approved_on=on)
    elif decision == Decision.REPLAN:
        active = case_selectors.active_plan(case)
        if active is None:
            raise MeetingRuleError(_("実施中のプランがないため、再プランにできません。"))
        plan = case_services.plan_revise(actor=actor, plan=active)
    elif decision == Decision.SUPPORT_DECISION:
        if case.collaboration_started_on is None:
            case_services.case_update(actor=actor, case=case, collaboration_started_on=on)
    elif decision == Decision.CLOSURE:
        if not close_reason_kind:
            raise MeetingRuleError(_("終結するには終結理由を選んでください。"))
        case_services.case_transition(
            actor=actor,
            case=case,
            to_status=CaseStatus.CLOSED,
            on=on,
            reason=reason,
            close_reason_kind=close_reason_kind,
        )
    elif decision == Decision.SUSPENSION:
        if not reason.strip():
            raise MeetingRuleError(_("中断の理由を入力してください。"))
        case_services.case_transition(
            actor=actor, case=case, to_status=CaseStatus.SUSPENDED, on=on, reason=reason
        )
    item.decision = decision
    item.decision_reason = reason
    item.close_reason_kind = close_reason_kind if decision == Decision.CLOSURE else ""
    item.plan = plan
    item.decided_at = timezone.now()
    item.decided_by = actor
    bump_version(item)
    save_as(item, actor)
    log_action(
        actor=actor,
        action="meetings.decision.recorded",
        obj=meeting,
        item=item.pk,
        case=case.pk,
        decision=decision,
    )
    return item


@transaction.atomic
def role_assign(
    *, actor, item: AgendaItem, agency: Agency, task: str, due_on: dt.date | None = None
) -> RoleAssignment:
    """役割分担: the row becomes an open task on the agency's home page. For a case, the
    agency must be bound by the meeting's rules: on a 支援会議 an agency at the table
    (守秘義務), elsewhere one the person's consent covers."""
    meeting = item.meeting
    _require_open(meeting)
    if not task.strip():
        raise MeetingRuleError(_("役割・対応内容を入力してください。"))
    if item.case_id is not None and agency.pk != item.case.lead_agency_id:
        if meeting.is_confidential:
            if agency not in attending_agencies(meeting):
                raise MeetingRuleError(
                    _(
                        "%(agency)sからこの支援会議の構成員がいないため、役割を割り当てられません"
                        "（守秘義務のため）。先に構成員として加えてください。"
                    )
                    % {"agency": agency.name}
                )
        elif uncovered_agencies(item.case, [agency]):
            raise MeetingRuleError(
                _("%(agency)sは本人同意の共有先に含まれていないため、役割を割り当てられません。")
                % {"agency": agency.name}
            )
    row = RoleAssignment(item=item, agency=agency, task=task, due_on=due_on, created_by=actor)
    save_as(row, actor)
    log_action(actor=actor, action="meetings.role.assigned", obj=meeting, role=row.pk)
    return row


@transaction.atomic
def role_remove(*, actor, role: RoleAssignment) -> None:
    meeting = role.item.meeting
    _require_open(meeting)
    pk = role.pk
    role._history_user = actor
    role.delete()
    log_action(actor=actor, action="meetings.role.removed", obj=meeting, role=pk)


@transaction.atomic
def task_complete(*, actor, task: RoleAssignment) -> RoleAssignment:
    """An agency's staff mark their 役割分担 done."""
    if task.agency_id not in actor.agency_ids:
        raise MeetingRuleError(_("所属していない機関の担当は完了にできません。"))
    if task.done_at is not None:
        raise MeetingRuleError(_("この担当はすでに完了しています。"))
    task.done_at = timezone.now()
    task.done_by = actor
    save_as(task, actor)
    log_action(actor=actor, action="meetings.task.completed", obj=task.item.meeting, role=task.pk)
    return task


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
