"""Writes for 参加支援 (STYLE 2).

Who may write: opportunities and host logs, desk staff and 推進員; placements and their
follow-ups, desk staff and staff who may see the linked case's records.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from cases import services as case_services
from cases import sharing
from cases.choices import Project
from cases.models import CasePerson
from common.services import save_as
from common.writes import (
    acting_agency,
    apply_edit,
    check_transition,
    save_new_version,
    start_of_day,
)
from households.models import HouseholdMembership
from participation import selectors
from participation.choices import (
    PLACEMENT_TRANSITIONS,
    RECORD_KIND_FOR_FOLLOW_UP,
    FollowUpMethod,
    PlacementStatus,
    days_to_mask,
)
from participation.models import HostDevelopment, Opportunity, Placement, PlacementFollowUp


class ParticipationRuleError(ValidationError):
    """A refused action; the message is Japanese and says what is missing."""


def _require_manager(actor) -> None:
    if not selectors.can_manage_opportunities(actor):
        raise ParticipationRuleError(
            _("参加先と受入先開拓は、福祉の相談窓口の職員と推進員が登録します。")
        )


# ---------------------------------------------------------------- opportunities


@transaction.atomic
def opportunity_create(*, actor, days=(), **fields) -> Opportunity:
    """Register a 参加先. days: weekday numbers (0 = Monday)."""
    _require_manager(actor)
    opportunity = Opportunity(days=days_to_mask(days), created_by=actor, **fields)
    save_as(opportunity, actor)
    log_action(actor=actor, action="participation.opportunity.created", obj=opportunity)
    return opportunity


@transaction.atomic
def opportunity_update(
    *, actor, opportunity: Opportunity, expected_version=None, days=None, **fields
) -> Opportunity:
    _require_manager(actor)
    apply_edit(opportunity, fields, expected_version=expected_version)
    if days is not None:
        opportunity.days = days_to_mask(days)
    save_new_version(opportunity, actor)
    log_action(actor=actor, action="participation.opportunity.updated", obj=opportunity)
    return opportunity


# ---------------------------------------------------------------- host development


@transaction.atomic
def host_log_create(*, actor, **fields) -> HostDevelopment:
    """Record a visit or hearing with a possible host (受入先開拓)."""
    _require_manager(actor)
    log = HostDevelopment(staff=actor, **fields)
    save_as(log, actor)
    log_action(actor=actor, action="participation.host_log.created", obj=log)
    return log


@transaction.atomic
def host_log_update(
    *, actor, log: HostDevelopment, expected_version=None, **fields
) -> HostDevelopment:
    """Correct a host log; a stale version raises StaleEdit and nothing is saved."""
    _require_manager(actor)
    apply_edit(log, fields, expected_version=expected_version)
    save_new_version(log, actor)
    log_action(actor=actor, action="participation.host_log.updated", obj=log)
    return log


# ---------------------------------------------------------------- placements


def _person_on_case(person, case) -> bool:
    return (
        CasePerson.objects.filter(case=case, person=person).exists()
        or HouseholdMembership.objects.filter(
            household_id=case.household_id, person=person, until__isnull=True
        ).exists()
    )


def _check_case(actor, person, case) -> None:
    if case is None:
        if not actor.is_desk_staff:
            raise ParticipationRuleError(
                _("ケースを選んでください（ケースのない参加支援は福祉の相談窓口が登録します）。")
            )
        return
    if not sharing.can(actor, case, "records"):
        raise ParticipationRuleError(_("支援経過を閲覧できるケースを選んでください。"))
    if not _person_on_case(person, case):
        raise ParticipationRuleError(_("本人はこのケースの世帯員から選んでください。"))


@transaction.atomic
def placement_create(
    *,
    actor,
    person,
    opportunity: Opportunity,
    case=None,
    coordinating_on: dt.date | None = None,
    note: str = "",
) -> Placement:
    """Begin coordinating a person's place in an opportunity (調整中). Refused for an
    inactive opportunity, or when the person already has an ongoing placement there."""
    if not selectors.is_case_worker(actor):
        raise ParticipationRuleError(_("参加支援を登録する権限がありません。"))
    _check_case(actor, person, case)
    if not opportunity.is_active:
        raise ParticipationRuleError(_("受入を休止している参加先は選べません。"))
    if Placement.objects.filter(
        person=person, opportunity=opportunity, status__in=selectors.ONGOING
    ).exists():
        raise ParticipationRuleError(_("この人はすでにこの参加先で調整中か参加中です。"))
    agency = acting_agency(actor, [case.lead_agency_id] if case else [])
    placement = Placement(
        person=person,
        opportunity=opportunity,
        case=case,
        agency=agency,
        coordinating_on=coordinating_on or timezone.localdate(),
        note=note,
        created_by=actor,
    )
    save_as(placement, actor)
    log_action(actor=actor, action="participation.placement.created", obj=placement)
    return placement


def _require_placement_access(actor, placement: Placement) -> None:
    if not selectors.placements_visible_to(actor).filter(pk=placement.pk).exists():
        raise ParticipationRuleError(_("この参加支援を扱う権限がありません。"))


@transaction.atomic
def placement_update(*, actor, placement: Placement, expected_version=None, **fields) -> Placement:
    """Edit the note, the start of coordination or the linked case."""
    _require_placement_access(actor, placement)
    apply_edit(placement, fields, expected_version=expected_version)
    if "case" in fields:
        _check_case(actor, placement.person, placement.case)
    first_step = placement.trial_started_on or placement.settled_on or placement.ended_on
    if first_step and placement.coordinating_on > first_step:
        raise ParticipationRuleError(
            _("調整開始日は体験開始日・定着日・終了日より前にしてください。")
        )
    save_new_version(placement, actor)
    log_action(actor=actor, action="participation.placement.updated", obj=placement)
    return placement


STEP_DATE = {
    PlacementStatus.TRIAL: "trial_started_on",
    PlacementStatus.SETTLED: "settled_on",
    PlacementStatus.ENDED: "ended_on",
}


@transaction.atomic
def placement_transition(
    *,
    actor,
    placement: Placement,
    to_status: str,
    on: dt.date | None = None,
    end_reason_kind: str = "",
    end_reason: str = "",
) -> Placement:
    """調整中 → 体験中 → 定着 → 終了; each step's date is kept. 終了 needs a reason."""
    _require_placement_access(actor, placement)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    on = on or timezone.localdate()
    check_transition(
        placement.status,
        to_status,
        statuses=PlacementStatus,
        transitions=PLACEMENT_TRANSITIONS,
        refuse=ParticipationRuleError,
    )
    if on > timezone.localdate():
        raise ParticipationRuleError(_("未来の日付は入力できません。"))
    previous = max(
        d
        for d in (placement.coordinating_on, placement.trial_started_on, placement.settled_on)
        if d
    )
    if on < previous:
        raise ParticipationRuleError(_("前の段階の日付より後の日付を入力してください。"))
    if to_status == PlacementStatus.ENDED:
        if not end_reason_kind:
            raise ParticipationRuleError(_("終了の理由を選んでください。"))
        placement.end_reason_kind = end_reason_kind
        placement.end_reason = end_reason
    setattr(placement, STEP_DATE[to_status], on)
    from_status = placement.status
    placement.status = to_status
    save_new_version(placement, actor)
    log_action(
        actor=actor,
        action="participation.placement.status_changed",
        obj=placement,
        previous=from_status,
        to=to_status,
    )
    return placement


@transaction.atomic
def follow_up_create(
    *, actor, placement: Placement, followed_on: dt.date, method: str, note: str
) -> PlacementFollowUp:
    """定着支援. On a case whose records the actor may see it is also a 支援経過 with
    事業 ④, linked so statistics count it once."""
    _require_placement_access(actor, placement)
    if method not in FollowUpMethod.values:
        raise ParticipationRuleError(_("方法を選んでください。"))
    if not (note or "").strip():
        raise ParticipationRuleError(_("内容を入力してください。"))
    if followed_on > timezone.localdate():
        raise ParticipationRuleError(_("未来の日付は入力できません。"))
    if followed_on < placement.coordinating_on:
        raise ParticipationRuleError(_("調整開始日より後の日付を入力してください。"))
    case = placement.case
    agency = acting_agency(actor, [case.lead_agency_id] if case else [])
    follow_up = PlacementFollowUp(
        placement=placement,
        followed_on=followed_on,
        method=method,
        note=note,
        staff=actor,
        agency=agency,
    )
    if case is not None and sharing.can(actor, case, "records"):
        follow_up.support_record = case_services.record_create(
            actor=actor,
            case=case,
            agency=agency,
            occurred_at=start_of_day(followed_on),
            kind=RECORD_KIND_FOR_FOLLOW_UP[method],
            narrative=_("【参加支援・定着支援】%(opportunity)s：%(note)s")
            % {"opportunity": placement.opportunity.name, "note": note},
            project=Project.PARTICIPATION,
            persons=[placement.person],
        )
    save_as(follow_up, actor)
    log_action(actor=actor, action="participation.follow_up.created", obj=follow_up)
    return follow_up
