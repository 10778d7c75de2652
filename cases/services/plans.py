"""支援プラン: drafting, consent, approval, activation, review and revision of plan
versions (closing one is part of the case's lifecycle)."""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.audit import log_action
from cases import sharing
from cases.choices import ENDED_STATUSES, CaseStatus, GrantBasis, PlanStatus, ReviewOutcome
from cases.models import Case, PlanReview, PlanRole, SupportPlan
from cases.services.lifecycle import case_transition
from cases.services.rules import CaseRuleError, check_plan_transition
from common.services import bump_version, check_version, save_as
from households import services as household_services

ENDED_CASE_PLAN = _lazy(
    "終結・中断したケースにはプランを作成・実施できません。先にケースを再開してください。"
)

# What a role row holds: plan_create takes dicts of these, plan_revise copies them.
ROLE_FIELDS = ("concern", "agency", "method", "person", "due_on")


def _save_roles(actor, plan: SupportPlan, roles) -> None:
    for old in plan.roles.all():
        old._history_user = actor
        old.delete()
    for order, role in enumerate(roles):
        save_as(PlanRole(plan=plan, order=order, **role), actor)


@transaction.atomic
def plan_create(
    *, actor, case: Case, person_wishes: str, goals: str, review_on=None, roles=()
) -> SupportPlan:
    """A new draft plan version. roles: dicts(concern, agency, method, person, due_on).
    An ended case takes no new plan (plan_activate would refuse it): reopen it first."""
    if case.status in ENDED_STATUSES:
        raise CaseRuleError(ENDED_CASE_PLAN)
    if case.plans.filter(status__in=[PlanStatus.DRAFT, PlanStatus.CONSENTED]).exists():
        raise CaseRuleError(_("作成中のプランがあります。そのプランを編集してください。"))
    number = (case.plans.aggregate(n=Max("number"))["n"] or 0) + 1
    previous = case.plans.filter(number=number - 1).first()
    plan = SupportPlan(
        case=case,
        number=number,
        person_wishes=person_wishes,
        goals=goals,
        review_on=review_on,
        created_by=actor,
        previous=previous,
    )
    save_as(plan, actor)
    _save_roles(actor, plan, roles)
    if case.status in (CaseStatus.RECEIVED, CaseStatus.ASSESSMENT):
        case_transition(actor=actor, case=case, to_status=CaseStatus.PLANNING)
    log_action(actor=actor, action="cases.plan.created", obj=plan, number=number)
    return plan


@transaction.atomic
def plan_update(
    *, actor, plan: SupportPlan, expected_version=None, roles=None, **fields
) -> SupportPlan:
    """Edit a draft (or consented, which returns it to draft: the person agreed to
    the earlier text)."""
    check_version(plan, expected_version)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.CONSENTED):
        raise CaseRuleError(_("承認済みのプランは編集できません。改訂版を作成してください。"))
    changed = any(getattr(plan, key) != value for key, value in fields.items())
    if roles is not None:
        changed = changed or _role_rows(plan.roles.all()) != _role_rows(roles)
    if not changed:
        return plan  # saved as it was: a consent given to this text still stands
    for key, value in fields.items():
        setattr(plan, key, value)
    if plan.status == PlanStatus.CONSENTED:
        plan.status = PlanStatus.DRAFT
        plan.consent = None
        plan.consented_on = None
    bump_version(plan)
    save_as(plan, actor)
    if roles is not None:
        _save_roles(actor, plan, roles)
    log_action(actor=actor, action="cases.plan.updated", obj=plan)
    return plan


def _role_rows(roles) -> list[tuple]:
    """Role rows (PlanRole objects or the dicts plan_create takes) in comparable form."""

    def value(role, name):
        got = role.get(name) if isinstance(role, dict) else getattr(role, name)
        return getattr(got, "pk", got)

    return [tuple(value(r, n) for n in ROLE_FIELDS) for r in roles]


@transaction.atomic
def plan_record_consent(*, actor, plan: SupportPlan, consent, consented_on=None) -> SupportPlan:
    """本人同意 to the plan: the consent must be valid and be a person's of this case.
    A consented plan may be given another consent (e.g. one covering every role)."""
    if plan.status != PlanStatus.CONSENTED:
        check_plan_transition(plan, PlanStatus.CONSENTED)
    if consent is None or not consent.is_valid():
        raise CaseRuleError(_("有効な本人同意を選んでください。"))
    if not consent.person.household_memberships.filter(household=plan.case.household).exists():
        raise CaseRuleError(_("この世帯の人の本人同意を選んでください。"))
    plan.consent = consent
    plan.consented_on = consented_on or timezone.localdate()
    plan.status = PlanStatus.CONSENTED
    bump_version(plan)
    save_as(plan, actor)
    log_action(actor=actor, action="cases.plan.consented", obj=plan)
    return plan


@transaction.atomic
def plan_record_new_consent(
    *, actor, plan: SupportPlan, person, agencies, purpose: str, method: str, obtained_on
) -> SupportPlan:
    """Record a new 本人同意 (households.services.consent_record) from the plan page
    and make it the plan's consent, dated the day it was given. The plan must accept a
    consent (作成中 or 本人同意済み), checked before anything is written."""
    if plan.status != PlanStatus.CONSENTED:
        check_plan_transition(plan, PlanStatus.CONSENTED)
    if not person.household_memberships.filter(household=plan.case.household).exists():
        raise CaseRuleError(_("この世帯の人の本人同意を選んでください。"))
    consent = household_services.consent_record(
        actor=actor,
        person=person,
        agencies=agencies,
        purpose=purpose,
        method=method,
        obtained_on=obtained_on,
    )
    return plan_record_consent(actor=actor, plan=plan, consent=consent, consented_on=obtained_on)


def plan_uncovered_agencies(plan: SupportPlan):
    """Role agencies (other than the lead) that the plan's consent does not name."""
    agencies = {r.agency for r in plan.roles.select_related("agency")}
    agencies.discard(plan.case.lead_agency)
    if plan.consent is None:
        return sorted(agencies, key=lambda a: a.name)
    covered = set(plan.consent.agencies.values_list("pk", flat=True))
    return sorted((a for a in agencies if a.pk not in covered), key=lambda a: a.name)


@transaction.atomic
def plan_approve(
    *, actor, plan: SupportPlan, approved_on=None, activate: bool = True
) -> SupportPlan:
    """Approve a consented plan (e.g. at a 重層的支援会議) and make it the active plan.

    Refused without a recorded 本人同意, or when the consent does not cover an agency
    given a role, or on an ended case. Side effects: the previous active plan becomes
    改訂済み; each role agency is granted the case (basis PLAN_ROLE, scope RECORDS) on
    that consent (sharing.preview_plan_approval shows this beforehand).
    """
    if plan.case.status in ENDED_STATUSES:
        raise CaseRuleError(
            _("終結・中断したケースのプランは承認できません。先にケースを再開してください。")
        )
    if plan.status == PlanStatus.DRAFT or plan.consent is None:
        raise CaseRuleError(_("本人同意が記録されていないプランは承認できません。"))
    check_plan_transition(plan, PlanStatus.APPROVED)
    if not plan.consent.is_valid():
        raise CaseRuleError(_("プランの本人同意が有効ではありません（期限切れまたは撤回）。"))
    uncovered = plan_uncovered_agencies(plan)
    if uncovered:
        raise CaseRuleError(
            _(
                "本人同意の共有先に含まれていない機関に役割があります: %(names)s。"
                "同意の範囲を確認し、同意を記録し直してください。"
            )
            % {"names": "、".join(a.name for a in uncovered)}
        )
    if activate:  # refuse a day activation would refuse before anything is written
        _check_activation_day(plan.case, approved_on or timezone.localdate())
    plan.status = PlanStatus.APPROVED
    plan.approved_on = approved_on or timezone.localdate()
    plan.approved_by = actor
    bump_version(plan)
    save_as(plan, actor)
    log_action(actor=actor, action="cases.plan.approved", obj=plan)
    if activate:
        plan_activate(actor=actor, plan=plan, on=plan.approved_on)
    return plan


def _check_activation_day(case, on: dt.date) -> None:
    if on > timezone.localdate():
        raise CaseRuleError(_("実施開始日に未来の日付は指定できません。"), code="date")
    if on < case.opened_on:
        raise CaseRuleError(_("実施開始日はケースの開始日より後にしてください。"), code="date")


@transaction.atomic
def plan_activate(*, actor, plan: SupportPlan, on: dt.date | None = None) -> SupportPlan:
    """Put an approved plan in force from `on` (default today; a past day records a
    plan that came into force then, a future day is refused). The day is stored as
    activated_on and dates the case's move to 支援中, so statistics of that month count it.
    """
    check_plan_transition(plan, PlanStatus.ACTIVE)
    case = plan.case
    if case.status in ENDED_STATUSES:
        raise CaseRuleError(ENDED_CASE_PLAN)
    on = on or timezone.localdate()
    _check_activation_day(case, on)
    for old in case.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED]).exclude(
        pk=plan.pk
    ):
        old.status = PlanStatus.REVISED
        bump_version(old)
        save_as(old, actor)
        sharing.revoke_for_basis(basis_object=old, actor=actor, reason=_("プランの改訂"))
    plan.status = PlanStatus.ACTIVE
    plan.activated_on = on
    bump_version(plan)
    save_as(plan, actor)
    for agency in {r.agency for r in plan.roles.select_related("agency")}:
        # The lead needs no consent for its role, but its role grant is recorded where
        # the consent names it: should the lead move away, the role still stands.
        if agency.pk == case.lead_agency_id and not sharing.consent_covers(
            plan.consent, agency, case
        ):
            continue
        sharing.grant(
            case=case,
            agency=agency,
            basis=GrantBasis.PLAN_ROLE,
            scope=sharing.PLAN_ROLE_SCOPE,
            actor=actor,
            consent=plan.consent,
            basis_object=plan,
        )
    if case.status in (CaseStatus.RECEIVED, CaseStatus.ASSESSMENT, CaseStatus.PLANNING):
        case_transition(actor=actor, case=case, to_status=CaseStatus.SUPPORTING, on=on)
    log_action(actor=actor, action="cases.plan.activated", obj=plan, on=on.isoformat())
    return plan


@transaction.atomic
def plan_review(
    *, actor, plan: SupportPlan, reviewed_on, evaluation: str, outcome: str, next_review_on=None
) -> PlanReview:
    """評価: record a review; the plan becomes 評価済み and its next review date moves."""
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.REVIEWED):
        raise CaseRuleError(_("実施中のプランだけを評価できます。"))
    review = PlanReview(
        plan=plan,
        reviewed_on=reviewed_on,
        evaluation=evaluation,
        outcome=outcome,
        next_review_on=next_review_on,
        by=actor,
    )
    save_as(review, actor)
    plan.status = PlanStatus.REVIEWED if outcome != ReviewOutcome.CONTINUE else PlanStatus.ACTIVE
    plan.review_on = next_review_on
    bump_version(plan)
    save_as(plan, actor)
    if plan.case.status == CaseStatus.SUPPORTING and outcome == ReviewOutcome.CLOSE:
        case_transition(
            actor=actor, case=plan.case, to_status=CaseStatus.MONITORING, on=reviewed_on
        )
    log_action(actor=actor, action="cases.plan.reviewed", obj=plan, outcome=outcome)
    return review


@transaction.atomic
def plan_revise(*, actor, plan: SupportPlan) -> SupportPlan:
    """Start the next version as a draft that copies this one's text and roles."""
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.REVIEWED):
        raise CaseRuleError(_("実施中のプランだけを改訂できます。"))
    roles = [{name: getattr(r, name) for name in ROLE_FIELDS} for r in plan.roles.all()]
    return plan_create(
        actor=actor,
        case=plan.case,
        person_wishes=plan.person_wishes,
        goals=plan.goals,
        review_on=plan.review_on,
        roles=roles,
    )
