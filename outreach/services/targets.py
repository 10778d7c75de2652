"""Writes for アウトリーチ targets and their contact attempts (STYLE 2): one function
per use case, atomic, naming the actor."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from cases import services as case_services
from cases import sharing
from cases.choices import CasePersonRole, Project
from common.services import check_version, save_as
from common.writes import acting_agency, check_transition, save_new_version, start_of_day
from households.access import households_visible_to
from households.models import Household, HouseholdMembership
from outreach.choices import RECORD_KIND_FOR_METHOD, TARGET_TRANSITIONS, ContactMethod, TargetStatus
from outreach.models import ContactAttempt, OutreachTarget, VisitRecord
from outreach.services.rules import OutreachRuleError, require_target_access


def _current_household(person) -> Household | None:
    membership = (
        HouseholdMembership.objects.filter(person=person, until__isnull=True)
        .select_related("household")
        .first()
    )
    return membership.household if membership else None


def _check_identity(household, person, description) -> None:
    if household is None and person is None and not (description or "").strip():
        raise OutreachRuleError(
            _("対象の世帯か人を選ぶか、分かっていること（手がかり）を入力してください。")
        )
    if (
        household is not None
        and person is not None
        and not HouseholdMembership.objects.filter(
            household=household, person=person, until__isnull=True
        ).exists()
    ):
        raise OutreachRuleError(_("対象者はこの世帯の世帯員から選んでください。"))


# ---------------------------------------------------------------- targets


@transaction.atomic
def target_create(
    *,
    actor,
    assigned_agency,
    source: str,
    concern: str,
    found_on: dt.date | None = None,
    household=None,
    person=None,
    description: str = "",
    district=None,
    source_detail: str = "",
    visit: VisitRecord | None = None,
) -> OutreachTarget:
    """Register someone not yet in support. Desk staff may assign any agency; other case
    workers only their own. A chosen household must be one the actor may see (a
    campaign's visit row brings its own). Side effects: action log."""
    if not (actor.is_authenticated and actor.works_on_cases):
        raise OutreachRuleError(_("アウトリーチ対象を登録する権限がありません。"))
    if not actor.is_desk_staff and assigned_agency.pk not in actor.agency_ids:
        raise OutreachRuleError(_("担当機関は自分の所属する機関を選んでください。"))
    if person is not None and household is None:
        household = _current_household(person)
    _check_identity(household, person, description)
    if (
        household is not None
        and visit is None
        and not households_visible_to(actor).filter(pk=household.pk).exists()
    ):
        raise OutreachRuleError(_("閲覧できない世帯は選べません。"))
    if not (concern or "").strip():
        raise OutreachRuleError(_("気になることを入力してください。"))
    target = OutreachTarget(
        household=household,
        person=person,
        description=description,
        district=district or (household.district if household else None),
        source=source,
        source_detail=source_detail,
        concern=concern,
        found_on=found_on or timezone.localdate(),
        assigned_agency=assigned_agency,
        visit=visit,
        created_by=actor,
    )
    save_as(target, actor)
    log_action(actor=actor, action="outreach.target.created", obj=target, source=source)
    return target


@transaction.atomic
def target_update(
    *, actor, target: OutreachTarget, expected_version=None, **fields
) -> OutreachTarget:
    """Edit a target's own fields. Only the desk may hand it to another agency."""
    require_target_access(actor, target)
    check_version(target, expected_version)
    new_agency = fields.get("assigned_agency")
    if (
        new_agency is not None
        and new_agency.pk != target.assigned_agency_id
        and not actor.is_desk_staff
    ):
        raise OutreachRuleError(_("担当機関の変更は福祉の相談窓口が行います。"))
    old_household_id = target.household_id
    for key, value in fields.items():
        setattr(target, key, value)
    if target.person_id and target.household_id is None:
        target.household = _current_household(target.person)
    _check_identity(target.household, target.person, target.description)
    if (
        target.household_id
        and target.household_id != old_household_id
        and not households_visible_to(actor).filter(pk=target.household_id).exists()
    ):
        raise OutreachRuleError(_("閲覧できない世帯は選べません。"))
    if target.district_id is None and target.household_id:
        target.district = target.household.district
    save_new_version(target, actor)
    log_action(actor=actor, action="outreach.target.updated", obj=target)
    return target


@transaction.atomic
def target_transition(
    *, actor, target: OutreachTarget, to_status: str, note: str = ""
) -> OutreachTarget:
    """Move the target along 把握 → 接触試行 → 関係構築中 / 見守り継続 / 中断.
    中断 needs a reason; 支援につながった is reached only by target_connect_case."""
    require_target_access(actor, target)
    target = OutreachTarget.objects.select_for_update().get(pk=target.pk)
    check_transition(
        target.status,
        to_status,
        statuses=TargetStatus,
        transitions=TARGET_TRANSITIONS,
        refuse=OutreachRuleError,
    )
    if to_status == TargetStatus.STOPPED and not note.strip():
        raise OutreachRuleError(_("中断の理由を入力してください。"))
    previous = target.status
    target.status = to_status
    if note.strip():
        target.status_note = note.strip()
    save_new_version(target, actor)
    log_action(
        actor=actor,
        action="outreach.target.status_changed",
        obj=target,
        previous=previous,
        to=to_status,
    )
    return target


@transaction.atomic
def target_connect_case(
    *,
    actor,
    target: OutreachTarget,
    case=None,
    title: str = "",
    principal=None,
    members=(),
    opened_on: dt.date | None = None,
) -> OutreachTarget:
    """ケースにつなぐ: link an existing case the actor may see the records of, or open one
    for the target's household through cases.services.case_open (the actor's agency
    leads it). The target becomes 支援につながった. Side effects: the case (if opened) with
    its LEAD grant and status row; action log."""
    require_target_access(actor, target)
    target = OutreachTarget.objects.select_for_update().get(pk=target.pk)
    if target.status == TargetStatus.CONNECTED:
        raise OutreachRuleError(_("この対象はすでにケースにつながっています。"))
    on = opened_on or timezone.localdate()
    if case is not None:
        if not sharing.can(actor, case, "records"):
            raise OutreachRuleError(_("支援経過を閲覧できるケースを選んでください。"))
        if target.household_id and case.household_id != target.household_id:
            raise OutreachRuleError(_("対象の世帯のケースを選んでください。"))
        if target.household_id is None:
            target.household = case.household
    else:
        household = target.household
        if household is None:
            raise OutreachRuleError(
                _("ケースを開始するには、先に対象の世帯を登録してください（対象の編集）。")
            )
        if not households_visible_to(actor).filter(pk=household.pk).exists():
            raise OutreachRuleError(
                _(
                    "この世帯を閲覧できないため、ケースを開始できません。福祉の相談窓口に依頼してください。"
                )
            )
        if principal is None:
            raise OutreachRuleError(_("本人（主たる対象者）を選んでください。"))
        current = HouseholdMembership.objects.filter(household=household, until__isnull=True)
        member_ids = set(current.values_list("person_id", flat=True))
        chosen = [principal, *members]
        if any(p.pk not in member_ids for p in chosen):
            raise OutreachRuleError(_("対象者はこの世帯の世帯員から選んでください。"))
        if not (title or "").strip():
            raise OutreachRuleError(_("ケース名を入力してください。"))
        agency = acting_agency(actor, [target.assigned_agency_id])
        persons = [(principal, CasePersonRole.PRINCIPAL)]
        persons += [(p, CasePersonRole.MEMBER) for p in members if p.pk != principal.pk]
        try:
            case = case_services.case_open(
                actor=actor,
                household=household,
                lead_agency=agency,
                lead_staff=actor,
                title=title.strip(),
                opened_on=on,
                persons=persons,
                summary=target.concern,
            )
        except case_services.CaseRuleError as exc:  # e.g. a 住所秘匿 household led elsewhere
            raise OutreachRuleError(exc.messages) from exc
    target.case = case
    target.status = TargetStatus.CONNECTED
    target.connected_on = on
    if target.district_id is None and target.household_id:
        target.district = target.household.district
    save_new_version(target, actor)
    log_action(actor=actor, action="outreach.target.connected", obj=target, case=case.pk)
    return target


# ---------------------------------------------------------------- contacts


def _contact_narrative(contact: ContactAttempt) -> str:
    lines = [
        _("【アウトリーチ】%(method)s：%(result)s")
        % {"method": ContactMethod(contact.method).label, "result": contact.result}
    ]
    if contact.companions:
        lines.append(_("同行者：%(who)s") % {"who": contact.companions})
    if contact.next_step:
        lines.append(_("次の対応：%(next)s") % {"next": contact.next_step})
    return "\n".join(lines)


@transaction.atomic
def contact_create(
    *,
    actor,
    target: OutreachTarget,
    contacted_on: dt.date,
    method: str,
    result: str,
    reached: bool = False,
    companions: str = "",
    next_step: str = "",
    next_on: dt.date | None = None,
) -> ContactAttempt:
    """Record a contact attempt. A target still at 把握 moves to 接触試行. When the target
    is on a case whose records the actor may see, the contact is also written as a
    支援経過 with 事業 ③ (and linked, so statistics count it once)."""
    require_target_access(actor, target)
    target = OutreachTarget.objects.select_for_update().get(pk=target.pk)
    if method not in ContactMethod.values:
        raise OutreachRuleError(_("方法を選んでください。"))
    if not (result or "").strip():
        raise OutreachRuleError(_("結果を入力してください。"))
    if contacted_on > timezone.localdate():
        raise OutreachRuleError(_("未来の日付は入力できません。"))
    agency = acting_agency(actor, [target.assigned_agency_id])
    if agency is None:
        raise OutreachRuleError(_("所属機関がないため記録できません。"))
    contact = ContactAttempt(
        target=target,
        contacted_on=contacted_on,
        method=method,
        agency=agency,
        staff=actor,
        companions=companions,
        reached=reached,
        result=result,
        next_step=next_step,
        next_on=next_on,
    )
    if target.case_id and sharing.can(actor, target.case, "records"):
        contact.support_record = case_services.record_create(
            actor=actor,
            case=target.case,
            agency=agency,
            occurred_at=start_of_day(contacted_on),
            kind=RECORD_KIND_FOR_METHOD[method],
            narrative=_contact_narrative(contact),
            project=Project.OUTREACH,
            persons=[target.person] if target.person_id else [],
        )
    save_as(contact, actor)
    if target.status == TargetStatus.IDENTIFIED:
        target.status = TargetStatus.ATTEMPTING
        save_new_version(target, actor)
    log_action(actor=actor, action="outreach.contact.created", obj=contact, method=method)
    return contact
