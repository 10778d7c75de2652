"""Opening and editing a case, its persons, consultations and shares, and its
assessments."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from cases import sharing
from cases.choices import CasePersonRole, CaseStatus, GrantBasis
from cases.models import (
    AccessGrant,
    Assessment,
    AssessmentMember,
    Case,
    CaseConsultation,
    CasePerson,
    CaseStatusChange,
)
from cases.services.lifecycle import case_transition
from cases.services.rules import CaseRuleError
from common.services import bump_version, check_version, save_as


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
    return sharing.grant(
        case=case,
        agency=agency,
        basis=sharing.share_basis(kind="share", exemption_reason=exemption_reason),
        scope=scope,
        actor=actor,
        # An exemption stands instead of consent: a consent chosen with it is not recorded.
        consent=None if exemption_reason else consent,
        exemption_reason=exemption_reason or "",
        note=note,
    )


@transaction.atomic
def grant_end(*, actor, grant: AccessGrant, reason: str) -> None:
    if grant.basis == GrantBasis.LEAD:
        raise CaseRuleError(_("主担当機関の共有は終了できません。主担当機関を変更してください。"))
    sharing.revoke(grants=[grant], actor=actor, reason=reason or _("共有の終了"))


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
