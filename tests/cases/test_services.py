import pytest
from django.utils import timezone

from cases import services, sharing
from cases.choices import CaseStatus, PlanStatus, ReviewOutcome
from cases.models import AccessGrant, CaseStatusChange, PlanRole
from common.services import StaleEdit
from tests.cases.conftest import make_case
from tests.factories import ConsentFactory


def test_case_open_writes_history_status_and_lead_grant(desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="開始")
    assert case.history.first().history_user == desk
    assert CaseStatusChange.objects.filter(
        case=case, to_status=CaseStatus.RECEIVED, by=desk
    ).exists()
    lead = AccessGrant.objects.get(case=case, basis="lead")
    assert lead.agency == desk_agency and lead.granted_by == desk
    assert sharing.can(desk, case, "change")


def test_close_needs_a_reason_and_reopen_keeps_history(desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="終結")
    with pytest.raises(services.CaseRuleError, match="終結理由"):
        services.case_transition(actor=desk, case=case, to_status=CaseStatus.CLOSED)
    case.refresh_from_db()
    assert case.status == CaseStatus.PLANNING and case.closed_on is None
    case = services.case_transition(
        actor=desk,
        case=case,
        to_status=CaseStatus.CLOSED,
        close_reason_kind="goal_reached",
        reason="生活が安定した",
    )
    assert case.status == CaseStatus.CLOSED and case.closed_on == timezone.localdate()
    case = services.case_transition(
        actor=desk, case=case, to_status=CaseStatus.SUPPORTING, reason="再相談"
    )
    assert case.status == CaseStatus.SUPPORTING and case.closed_on is None
    moves = list(CaseStatusChange.objects.filter(case=case).values_list("to_status", flat=True))
    assert moves == ["received", "planning", "closed", "supporting"]


def test_illegal_transition_is_refused(desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="不正")
    with pytest.raises(services.CaseRuleError):
        services.case_transition(actor=desk, case=case, to_status=CaseStatus.RECEIVED)


def test_plan_cannot_be_approved_without_consent(desk, desk_agency, partner_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="同意")
    with pytest.raises(services.CaseRuleError, match="本人同意"):
        services.plan_approve(actor=desk, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.approved_on is None


def test_plan_flow_grants_role_agencies_and_revision_supersedes(
    desk, desk_agency, partner, partner_agency, outsider_agency
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="プラン")
    plan = services.plan_update(
        actor=desk,
        plan=plan,
        expected_version=plan.version,
        roles=[
            {
                "concern": "介護",
                "agency": partner_agency,
                "method": "ケアプラン作成",
                "person": person,
                "due_on": None,
            },
            {
                "concern": "家計",
                "agency": outsider_agency,
                "method": "家計相談",
                "person": None,
                "due_on": None,
            },
        ],
    )
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    services.plan_record_consent(actor=desk, plan=plan, consent=consent)
    with pytest.raises(services.CaseRuleError, match="社会福祉協議会"):
        services.plan_approve(actor=desk, plan=plan)
    assert not AccessGrant.objects.filter(basis="plan_role").exists()

    consent2 = ConsentFactory(
        person=person, agencies=[partner_agency, outsider_agency], recorded_by=desk
    )
    plan.refresh_from_db()
    plan = services.plan_update(
        actor=desk, plan=plan, expected_version=plan.version
    )  # back to draft
    services.plan_record_consent(actor=desk, plan=plan, consent=consent2)
    services.plan_approve(actor=desk, plan=plan)
    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and case.status == CaseStatus.SUPPORTING
    assert sharing.agency_can_see(partner_agency, case, "records")
    assert sharing.agency_can_see(outsider_agency, case, "records")

    services.plan_review(
        actor=desk,
        plan=plan,
        reviewed_on=timezone.localdate(),
        evaluation="順調",
        outcome=ReviewOutcome.REVISE,
    )
    plan.refresh_from_db()
    v2 = services.plan_revise(actor=desk, plan=plan)
    assert v2.number == 2 and PlanRole.objects.filter(plan=v2).count() == 2
    v2 = services.plan_update(
        actor=desk,
        plan=v2,
        expected_version=v2.version,
        roles=[
            {
                "concern": "介護",
                "agency": partner_agency,
                "method": "継続",
                "person": None,
                "due_on": None,
            }
        ],
    )
    services.plan_record_consent(actor=desk, plan=v2, consent=consent2)
    services.plan_approve(actor=desk, plan=v2)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVISED
    # The agency whose role ended loses access; the remaining one keeps it.
    assert not sharing.agency_can_see(outsider_agency, case, "summary")
    assert sharing.agency_can_see(partner_agency, case, "records")


def test_second_save_of_a_case_is_refused(desk, coordinator, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="同時編集")
    case.refresh_from_db()
    loaded = case.version
    services.case_update(
        actor=coordinator, case=case, expected_version=loaded, summary="推進員が更新"
    )
    with pytest.raises(StaleEdit, match="推進 一郎"):
        services.case_update(actor=desk, case=case, expected_version=loaded, summary="相談員が更新")
    case.refresh_from_db()
    assert case.summary == "推進員が更新"


def test_second_save_of_a_plan_is_refused(desk, coordinator, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="プラン同時編集")
    loaded = plan.version
    services.plan_update(actor=coordinator, plan=plan, expected_version=loaded, goals="A")
    with pytest.raises(StaleEdit, match="目標"):
        services.plan_update(actor=desk, plan=plan, expected_version=loaded, goals="B")
    plan.refresh_from_db()
    assert plan.goals == "A"


def test_record_for_an_agency_the_actor_does_not_belong_to_is_refused(
    desk, desk_agency, partner_agency
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="所属外")
    with pytest.raises(services.CaseRuleError):
        services.record_create(
            actor=desk,
            case=case,
            agency=partner_agency,
            occurred_at=timezone.now(),
            kind="phone",
            narrative="x",
        )
