"""A case's lifecycle: status transitions, and what a 終結/中断 ends (the plan in
force and the direct shares) or a reopening restores."""

import datetime as dt

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from cases import sharing
from cases.choices import CASE_TRANSITIONS, ENDED_STATUSES, CaseStatus, PlanStatus
from cases.models import Case, CaseStatusChange, SupportPlan
from cases.services.rules import PLANS_IN_FORCE, CaseRuleError, check_plan_transition
from common.services import bump_version, save_as
from common.wareki import format_date


@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    to_status: str,
    on: dt.date | None = None,
    reason: str = "",
    close_reason_kind: str = "",
) -> Case:
    """Move the case along its lifecycle. 終結 needs a reason; reopening keeps the
    earlier 終結 in the status history.

    Side effects (DESIGN: closing ends the plan and the grants that rested on it):
    終結/中断 closes the plan in force (its plan-role grants end) and ends the direct
    shares (sharing.end_for_closure); reopening restores what their recorded bases
    still allow (sharing.restore_after_reopening), never the closed plan's roles."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    on = on or timezone.localdate()
    allowed = CASE_TRANSITIONS.get(case.status, set())
    if to_status not in allowed:
        raise CaseRuleError(
            _("「%(from)s」から「%(to)s」には変更できません。")
            % {"from": CaseStatus(case.status).label, "to": CaseStatus(to_status).label}
        )
    if to_status in ENDED_STATUSES:
        if to_status == CaseStatus.CLOSED and not close_reason_kind:
            raise CaseRuleError(_("終結するには終結理由を選んでください。"))
        if not reason.strip() and to_status == CaseStatus.SUSPENDED:
            raise CaseRuleError(_("中断の理由を入力してください。"))
        if on < case.opened_on:
            raise CaseRuleError(_("終結日は開始日より後にしてください。"))
    if (to_status in ENDED_STATUSES) != (case.status in ENDED_STATUSES):
        _check_crossing_date(case, on)
    if to_status in ENDED_STATUSES:
        case.closed_on = on
        case.close_reason_kind = close_reason_kind
        case.close_reason = reason
    elif case.status in ENDED_STATUSES:  # reopening
        case.closed_on = None
        case.close_reason_kind = ""
        case.close_reason = ""
    previous = case.status
    case.status = to_status
    bump_version(case)
    save_as(case, actor)
    change = CaseStatusChange.objects.create(
        case=case, from_status=previous, to_status=to_status, on=on, by=actor, reason=reason
    )
    if to_status in ENDED_STATUSES:
        case_end_plan_and_shares(actor=actor, case=case, closure=change)
    elif previous in ENDED_STATUSES:
        sharing.restore_after_reopening(case=case, actor=actor)
    action = {CaseStatus.CLOSED: "closed", CaseStatus.SUSPENDED: "suspended"}.get(
        to_status, "status_changed"
    )
    if previous in ENDED_STATUSES and to_status not in ENDED_STATUSES:
        action = "reopened"
    log_action(actor=actor, action=f"cases.case.{action}", obj=case, to=to_status)
    return case


def _check_crossing_date(case: Case, on: dt.date) -> None:
    """An ending (終結/中断) or a reopening may not be dated before the previous one:
    the statistics read whether a case was open on a day from these dated rows
    (reports.statistics), so they must follow each other in time."""
    last = case.opened_on
    crossings = CaseStatusChange.objects.filter(case=case).filter(
        Q(to_status__in=ENDED_STATUSES) | Q(from_status__in=ENDED_STATUSES)
    )
    latest = crossings.aggregate(on=Max("on"))["on"]
    if latest is not None and latest > last:
        last = latest
    if on < last:
        raise CaseRuleError(
            _("日付は直前の開始・終結・再開の日（%(date)s）より前にはできません。")
            % {"date": format_date(last)},
            code="date",
        )


@transaction.atomic
def case_end_plan_and_shares(*, actor, case: Case, closure: CaseStatusChange) -> int:
    """What a 終結/中断 (closure, its status row) does: the plan versions in force close
    (their plan-role grants end) and the direct shares end (sharing.end_for_closure).
    Idempotent: also applied to cases closed before this rule (cases_apply_closure)."""
    for plan in case.plans.filter(status__in=PLANS_IN_FORCE).order_by("number"):
        plan_close(actor=actor, plan=plan)
    return sharing.end_for_closure(case=case, actor=actor, closure=closure)


@transaction.atomic
def plan_close(*, actor, plan: SupportPlan) -> SupportPlan:
    check_plan_transition(plan, PlanStatus.CLOSED)
    plan.status = PlanStatus.CLOSED
    bump_version(plan)
    save_as(plan, actor)
    sharing.revoke_for_basis(basis_object=plan, actor=actor, reason=_("プランの終了"))
    log_action(actor=actor, action="cases.plan.closed", obj=plan)
    return plan
