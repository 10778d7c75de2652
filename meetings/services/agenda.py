"""The agenda: items (cases or policy topics), what a 重層的支援会議 decided about a case
(carried into the case through cases.services) and the 役割分担 that follow."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency
from cases import selectors as case_selectors
from cases import services as case_services
from cases import sharing
from cases.choices import CaseStatus, PlanStatus
from cases.models import Case
from common.services import bump_version, check_version, save_as
from meetings.choices import Decision, Topic
from meetings.models import AgendaItem, Meeting, RoleAssignment
from meetings.services.rules import (
    MeetingRuleError,
    attending_agencies,
    check_consent_rule,
    delete_as,
    grant_brief,
    meeting_date,
    require_open,
    uncovered_agencies,
)


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
    require_open(meeting)
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
            grant_brief(actor=actor, meeting=meeting, case=case, user=member.user)
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
    require_open(item.meeting)
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
    require_open(meeting)
    if item.decision:
        raise MeetingRuleError(_("決定を記録した議題は削除できません。"))
    if item.case_id:
        sharing.revoke_for_basis(
            basis_object=meeting, case=item.case, actor=actor, reason=_("会議の議題から外れた")
        )
    pk = item.pk
    delete_as(item, actor)
    log_action(actor=actor, action="meetings.agenda.removed", obj=meeting, item=pk)


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
    require_open(meeting)
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
    require_open(meeting)
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
    require_open(meeting)
    pk = role.pk
    delete_as(role, actor)
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
