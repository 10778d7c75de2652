"""Writes for cases (STYLE 2): one function per use case, atomic, naming the actor.

Views, tasks and commands call these; none saves a case model itself.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency
from cases import sharing
from cases.choices import (
    CASE_TRANSITIONS,
    ENDED_STATUSES,
    PLAN_TRANSITIONS,
    CasePersonRole,
    CaseStatus,
    GrantBasis,
    PlanStatus,
    RecordKind,
    ReviewOutcome,
)
from cases.models import (
    AccessGrant,
    Assessment,
    AssessmentMember,
    Case,
    CaseConsultation,
    CasePerson,
    CaseStatusChange,
    PlanReview,
    PlanRole,
    SupportPlan,
    SupportRecord,
)
from common.corrections import check_history_token, check_reason, record_correction, snapshot
from common.services import bump_version, check_version, save_as
from common.wareki import format_date
from households import services as household_services


class CaseRuleError(ValidationError):
    """A refused action; the message is Japanese and says what is missing."""


# The plan versions a closure ends: approved, in force or reviewed. A draft stays a
# draft (nothing rests on it) but cannot be approved while the case is ended.
PLANS_IN_FORCE = [PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.REVIEWED]


# ---------------------------------------------------------------- cases


@transaction.atomic
def case_open(
    *,
    actor,
    household,
    lead_agency,
    lead_staff,
    title: str,
    opened_on: dt.date | None = None,
    persons=(),
    consultation=None,
    risk_level=None,
    summary: str = "",
) -> Case:
    """Open a case for a household. Side effects: the lead agency is granted it (LEAD),
    a status row 受付 is written, the consultation (if any) is linked, action log.
    Refused when the sharing policy keeps the lead agency from leading a case there
    (住所秘匿: sharing.case_opening_refusal)."""
    refusal = sharing.case_opening_refusal(agency=lead_agency, household=household)
    if refusal:
        raise CaseRuleError(refusal)
    case = Case(
        household=household,
        lead_agency=lead_agency,
        lead_staff=lead_staff,
        title=title,
        opened_on=opened_on or timezone.localdate(),
        created_by=actor,
        summary=summary,
    )
    if risk_level:
        case.risk_level = risk_level
    save_as(case, actor)
    for person, role in persons:
        save_as(CasePerson(case=case, person=person, role=role), actor)
    CaseStatusChange.objects.create(
        case=case, to_status=CaseStatus.RECEIVED, on=case.opened_on, by=actor
    )
    sharing.set_lead(case=case, agency=lead_agency, actor=actor)
    if consultation is not None:
        case_link_consultation(actor=actor, case=case, consultation=consultation)
    log_action(actor=actor, action="cases.case.opened", obj=case)
    return case


@transaction.atomic
def case_link_consultation(*, actor, case: Case, consultation) -> CaseConsultation:
    if CaseConsultation.objects.filter(consultation=consultation).exists():
        raise CaseRuleError(_("この相談はすでに別のケースに結び付いています。"))
    link = CaseConsultation(case=case, consultation=consultation)
    save_as(link, actor)
    for person in consultation.persons.all():
        if not CasePerson.objects.filter(case=case, person=person).exists():
            save_as(CasePerson(case=case, person=person, role=CasePersonRole.MEMBER), actor)
    return link


@transaction.atomic
def case_update(*, actor, case: Case, expected_version=None, **fields) -> Case:
    """Edit a case's own fields. A stale version raises StaleEdit; a lead agency change
    moves the LEAD grant."""
    check_version(case, expected_version)
    old_lead = case.lead_agency_id
    for key, value in fields.items():
        setattr(case, key, value)
    if (
        case.collaboration_ended_on
        and case.collaboration_started_on
        and (case.collaboration_ended_on < case.collaboration_started_on)
    ):
        raise CaseRuleError(_("多機関協働の終了日は開始日より後にしてください。"))
    bump_version(case)
    save_as(case, actor)
    if case.lead_agency_id != old_lead:
        sharing.set_lead(case=case, agency=case.lead_agency, actor=actor)
    log_action(actor=actor, action="cases.case.updated", obj=case)
    return case


@transaction.atomic
def case_set_persons(*, actor, case: Case, persons) -> None:
    """Replace the persons concerned: persons is a list of (person, role)."""
    wanted = {p.pk: (p, role) for p, role in persons}
    for cp in CasePerson.objects.filter(case=case):
        if cp.person_id not in wanted:
            cp._history_user = actor
            cp.delete()
        else:
            _, role = wanted.pop(cp.person_id)
            if cp.role != role:
                cp.role = role
                save_as(cp, actor)
    for person, role in wanted.values():
        save_as(CasePerson(case=case, person=person, role=role), actor)


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
def case_share(
    *,
    actor,
    case: Case,
    agency,
    scope: str,
    consent=None,
    exemption_reason: str = "",
    note: str = "",
) -> AccessGrant:
    """Share the case with another agency, on the person's consent or a recorded legal
    exemption. Raises SharingRefused (message says what to record)."""
    if agency.pk == case.lead_agency_id:
        raise sharing.SharingRefused(_("主担当機関にはすでに共有されています。"))
    if exemption_reason:
        return sharing.grant(
            case=case,
            agency=agency,
            basis=GrantBasis.EXEMPTION,
            scope=scope,
            actor=actor,
            exemption_reason=exemption_reason,
            note=note,
        )
    return sharing.grant(
        case=case,
        agency=agency,
        basis=GrantBasis.CONSENT,
        scope=scope,
        actor=actor,
        consent=consent,
        note=note,
    )


@transaction.atomic
def grant_end(*, actor, grant: AccessGrant, reason: str) -> None:
    if grant.basis == GrantBasis.LEAD:
        raise CaseRuleError(_("主担当機関の共有は終了できません。主担当機関を変更してください。"))
    sharing.revoke(grants=[grant], actor=actor, reason=reason or _("共有の終了"))


# ---------------------------------------------------------------- assessment


@transaction.atomic
def assessment_create(
    *, actor, case: Case, assessed_on, household_overview: str, issues=(), members=()
) -> Assessment:
    """members: iterable of dicts(person, situation, strengths, issues)."""
    assessment = Assessment(
        case=case, assessed_on=assessed_on, household_overview=household_overview, by=actor
    )
    save_as(assessment, actor)
    assessment.issues.set(issues)
    for m in members:
        if not (m.get("situation") or m.get("strengths") or m.get("issues")):
            continue
        row = AssessmentMember(
            assessment=assessment,
            person=m["person"],
            situation=m.get("situation", ""),
            strengths=m.get("strengths", ""),
        )
        save_as(row, actor)
        row.issues.set(m.get("issues", []))
    if case.status == CaseStatus.RECEIVED:
        case_transition(actor=actor, case=case, to_status=CaseStatus.ASSESSMENT, on=assessed_on)
    log_action(actor=actor, action="cases.assessment.created", obj=assessment)
    return assessment


# ---------------------------------------------------------------- plans


def _check_plan_transition(plan: SupportPlan, to_status: str) -> None:
    if to_status not in PLAN_TRANSITIONS.get(plan.status, set()):
        raise CaseRuleError(
            _("プランを「%(from)s」から「%(to)s」にはできません。")
            % {"from": PlanStatus(plan.status).label, "to": PlanStatus(to_status).label}
        )


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
    """A new draft plan version. roles: dicts(concern, agency, method, person, due_on)."""
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

    names = ("concern", "agency", "method", "person", "due_on")
    return [tuple(value(r, n) for n in names) for r in roles]


@transaction.atomic
def plan_record_consent(*, actor, plan: SupportPlan, consent, consented_on=None) -> SupportPlan:
    """本人同意 to the plan: the consent must be valid and be a person's of this case.
    A consented plan may be given another consent (e.g. one covering every role)."""
    if plan.status != PlanStatus.CONSENTED:
        _check_plan_transition(plan, PlanStatus.CONSENTED)
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
        _check_plan_transition(plan, PlanStatus.CONSENTED)
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
    _check_plan_transition(plan, PlanStatus.APPROVED)
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
    _check_plan_transition(plan, PlanStatus.ACTIVE)
    case = plan.case
    if case.status in ENDED_STATUSES:
        raise CaseRuleError(
            _("終結・中断したケースのプランは実施できません。先にケースを再開してください。")
        )
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
    roles = [
        {
            "concern": r.concern,
            "agency": r.agency,
            "method": r.method,
            "person": r.person,
            "due_on": r.due_on,
        }
        for r in plan.roles.all()
    ]
    return plan_create(
        actor=actor,
        case=plan.case,
        person_wishes=plan.person_wishes,
        goals=plan.goals,
        review_on=plan.review_on,
        roles=roles,
    )


@transaction.atomic
def plan_close(*, actor, plan: SupportPlan) -> SupportPlan:
    _check_plan_transition(plan, PlanStatus.CLOSED)
    plan.status = PlanStatus.CLOSED
    bump_version(plan)
    save_as(plan, actor)
    sharing.revoke_for_basis(basis_object=plan, actor=actor, reason=_("プランの終了"))
    log_action(actor=actor, action="cases.plan.closed", obj=plan)
    return plan


# ---------------------------------------------------------------- records


@transaction.atomic
def record_create(
    *,
    actor,
    case: Case,
    agency,
    occurred_at,
    kind: str,
    narrative: str,
    project: str | None = None,
    persons=(),
    minutes=None,
    referred_to: str = "",
    by_referral: bool = False,
    staff=None,
    next_visit_on=None,
) -> SupportRecord:
    """Write a 支援経過 entry. The agency must be one the actor works for.

    staff is who did the work (対応者), default the actor; a ledger brought in by
    imports names another member of the agency (history still names the actor).

    A 繋ぎ is one act, counted once: a 繋ぎ to an agency in the system is sent as a
    referral, whose record referrals.services.referral_send writes (by_referral=True).
    A 繋ぎ typed by hand must name the agency outside the system it went to
    (referred_to); naming an agency registered in the system is refused."""
    if agency.pk not in actor.agency_ids:
        raise CaseRuleError(_("所属していない機関の記録は作成できません。"))
    if kind not in RecordKind.values:
        raise CaseRuleError(_("支援の種別を選んでください。"))
    referred_to = (referred_to or "").strip() if kind == RecordKind.REFERRAL else ""
    if kind == RecordKind.REFERRAL and not by_referral:
        refusal = hand_typed_referral_refusal(referred_to)
        if refusal:
            raise CaseRuleError(refusal, code="referred_to")
    record = SupportRecord(
        case=case,
        agency=agency,
        staff=staff or actor,
        occurred_at=occurred_at,
        kind=kind,
        narrative=narrative,
        minutes=minutes,
        referred_to=referred_to,
        next_visit_on=next_visit_on,
    )
    if next_visit_on and next_visit_on <= timezone.localtime(occurred_at).date():
        raise CaseRuleError(
            _("次回訪問予定日は、記録の日付より後の日にしてください。"), code="next_visit_on"
        )
    if project:
        record.project = project
    save_as(record, actor)
    record.persons.set(persons)
    log_action(actor=actor, action="cases.record.created", obj=record, kind=kind)
    return record


def hand_typed_referral_refusal(referred_to: str) -> str:
    """Why a hand-typed 繋ぎ cannot be recorded as given, or "" when it can."""
    name = (referred_to or "").strip()
    if not name:
        return _(
            "繋ぎを手入力で記録するには、繋いだ先（システムに登録されていない機関）を"
            "入力してください。登録されている機関へは、ケースの「繋ぐ」から送ってください"
            "（支援経過は自動で記録されます）。"
        )
    if Agency.objects.filter(name=name).exists():
        return _(
            "%(name)sはシステムに登録されている機関です。ケースの「繋ぐ」から送ってください"
            "（支援経過は自動で記録され、統計に1回だけ数えられます）。"
        ) % {"name": name}
    return ""


# ---------------------------------------------------------------- 訂正


RECORD_CORRECTED_FIELDS = ("occurred_at", "kind", "project", "minutes", "narrative", "referred_to")


def _record_snapshot(record: SupportRecord, persons=None):
    persons = record.persons.all() if persons is None else persons
    names = "、".join(p.full_name for p in sorted(persons, key=lambda p: p.pk)) or "—"
    return snapshot(record, RECORD_CORRECTED_FIELDS, extra=[(_("対象者"), names)])


@transaction.atomic
def record_correct(
    *, actor, case: Case, record: SupportRecord, reason: str, expected_token, **fields
) -> SupportRecord:
    """訂正 of a support record (a record is final once written: there is no edit).

    Refused, with nothing saved, when the actor may not correct it (cases.sharing), the
    reason is empty, or someone saved the record after the form was loaded. Side effects:
    a history row naming the actor with the reason, a Correction row (before/after as
    shown), an action log. The statistics read the record as corrected."""
    if not sharing.can_correct_record(actor, case, record):
        raise CaseRuleError(_("この支援経過を訂正する権限がありません。"), code="denied")
    reason = check_reason(reason)
    check_history_token(record, expected_token)
    kind = fields.get("kind", record.kind)
    if kind not in RecordKind.values:
        raise CaseRuleError(_("支援の種別を選んでください。"), code="kind")
    referred_to = (fields.get("referred_to", record.referred_to) or "").strip()
    if kind != RecordKind.REFERRAL:
        referred_to = ""
    elif referred_to != record.referred_to or record.kind != RecordKind.REFERRAL:
        refusal = hand_typed_referral_refusal(referred_to)
        if refusal:
            raise CaseRuleError(refusal, code="referred_to")
    fields["referred_to"] = referred_to
    persons = fields.pop("persons", None)
    before = _record_snapshot(record)
    for name in RECORD_CORRECTED_FIELDS:
        if name in fields:
            setattr(record, name, fields[name])
    after = _record_snapshot(record, persons)
    if after == before:
        raise CaseRuleError(_("訂正する項目が変わっていません。"), code="unchanged")
    record._change_reason = _("訂正: %(reason)s") % {"reason": reason}
    save_as(record, actor)
    if persons is not None:
        record.persons.set(persons)
    record_correction(obj=record, actor=actor, reason=reason, before=before, after=after)
    log_action(actor=actor, action="cases.record.corrected", obj=record, kind=record.kind)
    return record
