import datetime as dt

import pytest
from django.utils import timezone

from cases.choices import CaseStatus, CloseReason, PlanStatus
from cases.models import SupportPlan
from common.services import StaleEdit
from meetings import services
from meetings.choices import Decision, MeetingKind, MeetingStatus, Topic
from meetings.models import MinutesAddendum, RoleAssignment
from tests.factories_meetings import MeetingFactory, add_case_item, consent_for, open_case

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- minutes


def test_autosave_keeps_text_and_bumps_version(desk, support_meeting):
    item = support_meeting.case_item
    version = item.version
    services.minutes_save(
        actor=desk, item=item, discussion="途中まで", decisions="", expected_version=version
    )
    item.refresh_from_db()
    assert item.discussion == "途中まで" and item.version == version + 1
    assert item.minutes_saved_by == desk


def test_autosave_from_a_stale_page_is_refused(desk, coordinator, support_meeting):
    item = support_meeting.case_item
    loaded = item.version
    services.minutes_save(
        actor=desk, item=item, discussion="窓口の記録", decisions="", expected_version=loaded
    )
    with pytest.raises(StaleEdit):
        services.minutes_save(
            actor=coordinator,
            item=item,
            discussion="上書き",
            decisions="",
            expected_version=loaded,
        )
    item.refresh_from_db()
    assert item.discussion == "窓口の記録"


def test_autosave_history_is_throttled_per_editor(desk, support_meeting):
    item = support_meeting.case_item
    before = item.history.count()
    for n in range(5):
        services.minutes_save(actor=desk, item=item, discussion="あ" * (n + 1), decisions="")
    # the first save by this editor is recorded, the rest within 10 minutes are not
    assert item.history.count() == before + 1
    services.meeting_finalise(actor=desk, meeting=support_meeting)
    latest = item.history.order_by("-history_date").first()
    assert latest.discussion == "あああああ"  # finalisation snapshots what was written


def test_only_the_chair_finalises(desk, coordinator, multilayer_meeting):
    with pytest.raises(services.MeetingRuleError):
        services.meeting_finalise(actor=desk, meeting=multilayer_meeting)
    multilayer_meeting.refresh_from_db()
    assert multilayer_meeting.status == MeetingStatus.SCHEDULED
    services.meeting_finalise(actor=coordinator, meeting=multilayer_meeting)
    multilayer_meeting.refresh_from_db()
    assert multilayer_meeting.status == MeetingStatus.FINALISED
    assert multilayer_meeting.finalised_by == coordinator


def test_minutes_of_a_future_meeting_cannot_be_finalised(desk, desk_agency):
    meeting = MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    with pytest.raises(services.MeetingRuleError):
        services.meeting_finalise(actor=desk, meeting=meeting)


def test_after_finalisation_changes_are_dated_addenda(desk, support_meeting):
    item = support_meeting.case_item
    services.minutes_save(actor=desk, item=item, discussion="確定前", decisions="訪問する")
    services.meeting_finalise(actor=desk, meeting=support_meeting)
    item.refresh_from_db()
    with pytest.raises(services.MeetingRuleError) as exc:
        services.minutes_save(actor=desk, item=item, discussion="書き換え", decisions="")
    assert "追記" in exc.value.messages[0]
    item.refresh_from_db()
    assert item.discussion == "確定前"
    addendum = services.addendum_add(
        actor=desk, meeting=support_meeting, item=item, text="訪問日を変更した。"
    )
    assert addendum.added_by == desk and addendum.added_at is not None
    assert MinutesAddendum.history.filter(id=addendum.pk).count() == 1


def test_addendum_refused_before_finalisation(desk, support_meeting):
    with pytest.raises(services.MeetingRuleError):
        services.addendum_add(actor=desk, meeting=support_meeting, text="早すぎる追記")
    assert not MinutesAddendum.objects.exists()


# ---------------------------------------------------------------- decisions flow into the case


def test_plan_approval_makes_the_consented_plan_active(
    coordinator, multilayer_meeting, consented_case, partner
):
    item = multilayer_meeting.case_item
    services.agenda_item_decide(actor=coordinator, item=item, decision=Decision.PLAN_APPROVAL)
    plan = SupportPlan.objects.get(pk=consented_case.plan.pk)
    assert plan.status == PlanStatus.ACTIVE
    assert plan.approved_on == timezone.localtime(multilayer_meeting.starts_at).date()
    consented_case.refresh_from_db()
    assert consented_case.status == CaseStatus.SUPPORTING
    item.refresh_from_db()
    assert item.decision == Decision.PLAN_APPROVAL and item.plan == plan


def test_plan_approval_refused_with_the_case_services_message(
    desk, coordinator, desk_agency, partner_agency, outsider_agency, partner
):
    """The plan gives a role to an agency the consent does not name: plan_approve
    refuses, and nothing about the decision is saved."""
    from tests.factories_meetings import add_member, consented_plan

    case = open_case(agency=desk_agency, actor=desk)
    consent = consent_for(case, [desk_agency, partner_agency], actor=desk)
    plan = consented_plan(
        case,
        consent,
        actor=desk,
        roles=[{"concern": "家計", "agency": outsider_agency, "method": "家計相談"}],
    )
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING, chair=coordinator, organising_agency=desk_agency
    )
    add_member(meeting, partner, actor=desk)
    item = add_case_item(meeting, case, actor=desk)
    with pytest.raises(services.ValidationError) as exc:
        services.agenda_item_decide(actor=coordinator, item=item, decision=Decision.PLAN_APPROVAL)
    assert outsider_agency.name in exc.value.messages[0]
    plan.refresh_from_db()
    item.refresh_from_db()
    assert plan.status == PlanStatus.CONSENTED and item.decision == ""


def test_plan_approval_without_consented_plan_refused(
    coordinator, desk, desk_agency, partner_agency
):
    case = open_case(agency=desk_agency, actor=desk)
    consent_for(case, [desk_agency, partner_agency], actor=desk)
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING, chair=coordinator, organising_agency=desk_agency
    )
    item = add_case_item(meeting, case, actor=desk)
    with pytest.raises(services.MeetingRuleError) as exc:
        services.agenda_item_decide(actor=coordinator, item=item, decision=Decision.PLAN_APPROVAL)
    assert "本人同意を記録したプラン" in exc.value.messages[0]


def test_closure_needs_a_reason_kind_and_closes_the_case(
    coordinator, multilayer_meeting, consented_case
):
    item = multilayer_meeting.case_item
    with pytest.raises(services.MeetingRuleError):
        services.agenda_item_decide(actor=coordinator, item=item, decision=Decision.CLOSURE)
    consented_case.refresh_from_db()
    assert consented_case.status != CaseStatus.CLOSED
    services.agenda_item_decide(
        actor=coordinator,
        item=item,
        decision=Decision.CLOSURE,
        close_reason_kind=CloseReason.GOAL_REACHED,
        reason="生活が安定した",
    )
    consented_case.refresh_from_db()
    assert consented_case.status == CaseStatus.CLOSED
    assert consented_case.close_reason_kind == CloseReason.GOAL_REACHED


def test_suspension_moves_the_case(coordinator, multilayer_meeting, consented_case):
    services.agenda_item_decide(
        actor=coordinator,
        item=multilayer_meeting.case_item,
        decision=Decision.SUSPENSION,
        reason="本人が入院したため",
    )
    consented_case.refresh_from_db()
    assert consented_case.status == CaseStatus.SUSPENDED


def test_support_decision_starts_collaboration(coordinator, multilayer_meeting, consented_case):
    services.agenda_item_decide(
        actor=coordinator, item=multilayer_meeting.case_item, decision=Decision.SUPPORT_DECISION
    )
    consented_case.refresh_from_db()
    assert consented_case.collaboration_started_on == (
        timezone.localtime(multilayer_meeting.starts_at).date()
    )


def test_decisions_only_on_multilayer_meetings(desk, support_meeting):
    with pytest.raises(services.MeetingRuleError):
        services.agenda_item_decide(
            actor=desk, item=support_meeting.case_item, decision=Decision.SUPPORT_DECISION
        )


def test_a_decision_is_recorded_once(coordinator, multilayer_meeting):
    item = multilayer_meeting.case_item
    services.agenda_item_decide(actor=coordinator, item=item, decision=Decision.EVALUATION)
    with pytest.raises(services.MeetingRuleError):
        services.agenda_item_decide(actor=coordinator, item=item, decision=Decision.REPLAN)


def test_replan_starts_a_new_draft(coordinator, desk_agency, desk, partner, consented_case):
    from cases import services as case_services

    case_services.plan_approve(actor=desk, plan=consented_case.plan)
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING, chair=coordinator, organising_agency=desk_agency
    )
    item = add_case_item(meeting, consented_case, actor=desk)
    services.agenda_item_decide(actor=coordinator, item=item, decision=Decision.REPLAN)
    item.refresh_from_db()
    assert item.plan.number == 2 and item.plan.status == PlanStatus.DRAFT


# ---------------------------------------------------------------- 役割分担 and tasks


def test_role_on_support_meeting_needs_a_member_of_that_agency(
    desk, support_meeting, partner_agency, outsider_agency
):
    item = support_meeting.case_item
    role = services.role_assign(actor=desk, item=item, agency=partner_agency, task="訪問する")
    assert role.done_at is None
    with pytest.raises(services.MeetingRuleError) as exc:
        services.role_assign(actor=desk, item=item, agency=outsider_agency, task="家計相談")
    assert outsider_agency.name in exc.value.messages[0]
    assert RoleAssignment.objects.count() == 1


def test_role_on_multilayer_meeting_needs_consent_for_the_agency(
    desk, multilayer_meeting, partner_agency, outsider_agency
):
    item = multilayer_meeting.case_item
    services.role_assign(
        actor=desk,
        item=item,
        agency=partner_agency,
        task="ケアプランの調整",
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )
    with pytest.raises(services.MeetingRuleError) as exc:
        services.role_assign(actor=desk, item=item, agency=outsider_agency, task="家計相談")
    assert "本人同意" in exc.value.messages[0]


def test_policy_topic_roles_need_no_consent(desk, desk_agency, outsider_agency):
    meeting = MeetingFactory(
        kind=MeetingKind.DEPARTMENT_LIAISON, chair=desk, organising_agency=desk_agency
    )
    item = services.agenda_item_add(
        actor=desk, meeting=meeting, topic=Topic.SYSTEM_GAP, title="ゴミ屋敷への支援"
    )
    services.role_assign(actor=desk, item=item, agency=outsider_agency, task="サロンの紹介")
    assert item.roles.count() == 1


def test_task_completed_by_staff_of_its_agency(desk, partner, outsider, support_meeting):
    from tests.factories_meetings import add_member

    add_member(support_meeting, outsider, actor=desk)
    task = services.role_assign(
        actor=desk,
        item=support_meeting.case_item,
        agency=support_meeting.partner_member.agency,
        task="訪問する",
    )
    with pytest.raises(services.MeetingRuleError):
        services.task_complete(actor=outsider, task=task)
    services.task_complete(actor=partner, task=task)
    task.refresh_from_db()
    assert task.done_by == partner and task.done_at is not None


def test_policy_topic_needs_a_title(desk, desk_agency):
    meeting = MeetingFactory(
        kind=MeetingKind.REPRESENTATIVES, chair=desk, organising_agency=desk_agency
    )
    with pytest.raises(services.MeetingRuleError):
        services.agenda_item_add(actor=desk, meeting=meeting, topic=Topic.CONSULTATION_SYSTEM)
    assert not meeting.items.exists()


def test_chair_must_work_for_the_organising_agency(partner, desk_agency):
    with pytest.raises(services.MeetingRuleError):
        MeetingFactory(chair=partner, organising_agency=desk_agency)
