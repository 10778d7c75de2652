"""アウトリーチ writes: who may write, what each service leaves behind, and refusals
that leave the database unchanged."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ActionLog
from cases import sharing
from cases.choices import Project, RecordKind
from cases.models import Case, SupportRecord
from cases.services import case_open
from outreach import selectors, services
from outreach.choices import ContactMethod, TargetSource, TargetStatus, VisitResult
from outreach.models import ContactAttempt, OutreachTarget, VisitCampaign, VisitRecord
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_outreach import (
    ContactAttemptFactory,
    OutreachTargetFactory,
    VisitCampaignFactory,
)

pytestmark = pytest.mark.django_db

MODELS = (OutreachTarget, ContactAttempt, VisitCampaign, VisitRecord, Case, SupportRecord)


def db_state():
    counts = {m.__name__: m.objects.count() for m in MODELS}
    counts |= {f"history:{m.__name__}": m.history.count() for m in MODELS}
    counts["ActionLog"] = ActionLog.objects.count()
    return counts


def refused(call, message):
    before = db_state()
    with pytest.raises(services.OutreachRuleError) as exc:
        call()
    assert message in " ".join(exc.value.messages)
    assert db_state() == before


# ---------------------------------------------------------------- targets


def test_desk_registers_a_target_for_a_partner(desk, partner_agency, yamada, kenta):
    target = services.target_create(
        actor=desk,
        assigned_agency=partner_agency,
        source=TargetSource.WELFARE_VOLUNTEER,
        source_detail="本町区の民生委員",
        concern="姿を見かけない",
        household=yamada,
        person=kenta,
    )
    assert target.status == TargetStatus.IDENTIFIED
    assert target.district == yamada.district  # taken from the household
    assert target.found_on == timezone.localdate()
    assert target.history.get().history_user == desk
    assert ActionLog.objects.filter(action="outreach.target.created", object_id=str(target.pk))


def test_person_alone_brings_their_household(desk, desk_agency, kenta, yamada):
    target = services.target_create(
        actor=desk, assigned_agency=desk_agency, source="neighbour", concern="c", person=kenta
    )
    assert target.household == yamada


def test_unknown_person_is_described(desk, desk_agency):
    target = services.target_create(
        actor=desk,
        assigned_agency=desk_agency,
        source=TargetSource.NEIGHBOUR,
        concern="夜中に大声",
        description="駅前アパート2階の高齢男性",
    )
    assert target.display_name == "駅前アパート2階の高齢男性"
    assert target.household is None


def test_target_needs_something_to_go_by(desk, desk_agency):
    refused(
        lambda: services.target_create(
            actor=desk, assigned_agency=desk_agency, source="neighbour", concern="c"
        ),
        "手がかり",
    )


def test_partner_assigns_only_its_own_agency(partner, outsider_agency):
    refused(
        lambda: services.target_create(
            actor=partner,
            assigned_agency=outsider_agency,
            source="agency",
            concern="c",
            description="d",
        ),
        "自分の所属する機関",
    )


def test_partner_cannot_pick_a_household_it_does_not_see(partner, partner_agency, yamada):
    refused(
        lambda: services.target_create(
            actor=partner,
            assigned_agency=partner_agency,
            source="agency",
            concern="c",
            household=yamada,
        ),
        "閲覧できない世帯",
    )


def test_person_must_live_in_the_household(desk, desk_agency, yamada):
    stranger = PersonFactory(
        actor=desk, household=HouseholdFactory(registered_by_agency=desk_agency)
    )
    refused(
        lambda: services.target_create(
            actor=desk,
            assigned_agency=desk_agency,
            source="agency",
            concern="c",
            household=yamada,
            person=stranger,
        ),
        "世帯員から",
    )


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("desk", True),
        ("coordinator", True),
        ("manager", True),
        ("partner", True),
        ("outsider", False),
        ("municipal", False),
        ("admin_user", False),
    ],
)
def test_targets_are_seen_by_the_desk_and_the_assigned_agency(request, target, persona, sees):
    user = request.getfixturevalue(persona)
    assert selectors.targets_visible_to(user).filter(pk=target.pk).exists() is sees


def test_only_the_desk_reassigns(partner, target, outsider_agency):
    refused(
        lambda: services.target_update(
            actor=partner, target=target, assigned_agency=outsider_agency
        ),
        "担当機関の変更",
    )


def test_outsider_cannot_update(outsider, target):
    refused(lambda: services.target_update(actor=outsider, target=target, concern="x"), "権限")


def test_stale_edit_is_refused(desk, partner, target):
    services.target_update(actor=partner, target=target, expected_version=1, concern="新しい")
    from common.services import StaleEdit

    before = db_state()
    with pytest.raises(StaleEdit):
        services.target_update(actor=desk, target=target, expected_version=1, concern="古い")
    assert db_state() == before


def test_status_moves_and_stop_needs_a_reason(partner, target):
    refused(
        lambda: services.target_transition(actor=partner, target=target, to_status="stopped"),
        "中断の理由",
    )
    refused(
        lambda: services.target_transition(actor=partner, target=target, to_status="connected"),
        "変更できません",
    )
    target = services.target_transition(actor=partner, target=target, to_status="building")
    assert target.status == TargetStatus.BUILDING
    target = services.target_transition(
        actor=partner, target=target, to_status="stopped", note="転出"
    )
    assert (target.status, target.status_note) == (TargetStatus.STOPPED, "転出")


# ---------------------------------------------------------------- contacts


def test_first_contact_moves_the_target_and_writes_no_record_without_a_case(partner, target):
    contact = ContactAttemptFactory(actor=partner, target=target, method=ContactMethod.LETTER)
    target.refresh_from_db()
    assert target.status == TargetStatus.ATTEMPTING
    assert contact.agency.pk in partner.agency_ids
    assert contact.support_record is None
    assert SupportRecord.objects.count() == 0


def test_contact_refusals(partner, outsider, target):
    refused(
        lambda: services.contact_create(
            actor=outsider,
            target=target,
            contacted_on=dt.date.today(),
            method="visit",
            result="r",
        ),
        "権限",
    )
    refused(
        lambda: services.contact_create(
            actor=partner,
            target=target,
            contacted_on=dt.date.today() + dt.timedelta(days=1),
            method="visit",
            result="r",
        ),
        "未来",
    )
    refused(
        lambda: services.contact_create(
            actor=partner, target=target, contacted_on=dt.date.today(), method="visit", result=" "
        ),
        "結果",
    )


# ---------------------------------------------------------------- ケースにつなぐ


def test_connect_opens_a_case_and_later_contacts_become_records(desk, desk_agency, target, kenta):
    target = services.target_connect_case(
        actor=desk, target=target, title="山田さん世帯の支援", principal=kenta
    )
    case = target.case
    assert target.status == TargetStatus.CONNECTED
    assert target.connected_on == timezone.localdate()
    assert case.household == target.household
    assert case.lead_agency == desk_agency
    assert case.summary == target.concern
    assert list(case.case_persons.values_list("person", flat=True)) == [kenta.pk]

    contact = ContactAttemptFactory(
        actor=desk, target=target, method=ContactMethod.ACCOMPANY, result="受診に同行した"
    )
    record = contact.support_record
    assert record is not None
    assert (record.case, record.project, record.kind) == (
        case,
        Project.OUTREACH,
        RecordKind.ACCOMPANY,
    )
    assert "受診に同行した" in record.narrative
    assert list(record.persons.all()) == [kenta]


def test_a_partner_without_the_case_records_writes_only_the_contact(desk, partner, target, kenta):
    target = services.target_connect_case(actor=desk, target=target, title="t", principal=kenta)
    assert not sharing.can(partner, target.case, "records")
    contact = ContactAttemptFactory(actor=partner, target=target)
    assert contact.support_record is None
    assert SupportRecord.objects.count() == 0


def test_connect_to_an_existing_case_of_the_household(desk, desk_agency, target, yamada, kenta):
    case = case_open(
        actor=desk, household=yamada, lead_agency=desk_agency, lead_staff=desk, title="既存"
    )
    target = services.target_connect_case(actor=desk, target=target, case=case)
    assert target.case == case
    assert Case.objects.count() == 1


def test_connect_refusals(desk, desk_agency, partner, target, kenta):
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    other_case = case_open(
        actor=desk, household=other, lead_agency=desk_agency, lead_staff=desk, title="別世帯"
    )
    refused(
        lambda: services.target_connect_case(actor=desk, target=target, case=other_case),
        "対象の世帯のケース",
    )
    refused(
        lambda: services.target_connect_case(actor=partner, target=target, case=other_case),
        "支援経過を閲覧できるケース",
    )
    # The partner may not see the household the desk registered: it cannot open a case.
    refused(
        lambda: services.target_connect_case(
            actor=partner, target=target, title="t", principal=kenta
        ),
        "この世帯を閲覧できない",
    )
    refused(
        lambda: services.target_connect_case(actor=desk, target=target, title="t"),
        "本人",
    )


def test_connect_needs_a_household_for_a_new_case(desk, desk_agency):
    target = OutreachTargetFactory(actor=desk, assigned_agency=desk_agency, description="不明の人")
    refused(
        lambda: services.target_connect_case(actor=desk, target=target, title="t"),
        "先に対象の世帯を登録",
    )


def test_connect_twice_is_refused(desk, target, kenta):
    services.target_connect_case(actor=desk, target=target, title="t", principal=kenta)
    refused(
        lambda: services.target_connect_case(actor=desk, target=target, title="t", principal=kenta),
        "すでに",
    )


# ---------------------------------------------------------------- 世帯訪問調査


def test_campaign_lists_the_districts_households_but_not_hidden_ones(
    desk, desk_agency, partner_agency, honmachi, yamada
):
    hidden = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="秘匿世帯",
        district=honmachi,
        is_address_confidential=True,
    )
    elsewhere = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="他地区")
    campaign = VisitCampaignFactory(
        actor=desk, districts=[honmachi], visiting_agencies=[partner_agency]
    )
    households = set(campaign.visits.values_list("household", flat=True))
    assert yamada.pk in households
    assert hidden.pk not in households
    assert elsewhere.pk not in households
    assert all(v.history.get().history_user == desk for v in campaign.visits.all())

    late = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, district=honmachi)
    assert services.campaign_add_households(actor=desk, campaign=campaign) == 1
    assert campaign.visits.filter(household=late).exists()
    assert services.campaign_add_households(actor=desk, campaign=campaign) == 0


def test_only_the_desk_plans_campaigns(partner, partner_agency, honmachi, campaign):
    refused(
        lambda: services.campaign_create(
            actor=partner,
            name="n",
            districts=[honmachi],
            starts_on=dt.date.today(),
            ends_on=dt.date.today(),
            visiting_agencies=[partner_agency],
        ),
        "福祉の相談窓口の職員だけ",
    )
    refused(lambda: services.campaign_flagged_to_targets(actor=partner, campaign=campaign), "窓口")


def test_visits_are_recorded_by_visiting_agencies(partner, outsider, campaign, yamada):
    visit = campaign.visits.get(household=yamada)
    refused(
        lambda: services.visit_record(
            actor=outsider, visit=visit, result="met", visited_on=dt.date.today()
        ),
        "権限",
    )
    refused(
        lambda: services.visit_record(
            actor=partner, visit=visit, result="concern", visited_on=dt.date.today()
        ),
        "気になる点",
    )
    visit = services.visit_record(
        actor=partner,
        visit=visit,
        result="concern",
        visited_on=dt.date.today(),
        note="郵便物が山積み",
    )
    assert visit.agency.pk in partner.agency_ids
    assert visit.visited_by == partner


def test_flagged_households_become_targets_once(desk, partner, partner_agency, campaign, yamada):
    other = HouseholdFactory(
        registered_by_agency=yamada.registered_by_agency, actor=desk, district=yamada.district
    )
    services.campaign_add_households(actor=desk, campaign=campaign)
    services.visit_record(
        actor=partner,
        visit=campaign.visits.get(household=yamada),
        result=VisitResult.CONCERN,
        visited_on=dt.date.today(),
        note="郵便物が山積み",
    )
    services.visit_record(
        actor=partner,
        visit=campaign.visits.get(household=other),
        result=VisitResult.MET,
        visited_on=dt.date.today(),
    )
    created = services.campaign_flagged_to_targets(actor=desk, campaign=campaign)
    assert len(created) == 1
    target = created[0]
    assert target.household == yamada
    assert target.source == TargetSource.HOUSEHOLD_SURVEY
    assert target.concern == "郵便物が山積み"
    assert target.assigned_agency == partner_agency
    assert target.visit.household == yamada
    assert services.campaign_flagged_to_targets(actor=desk, campaign=campaign) == []
    assert OutreachTarget.objects.count() == 1


# ---------------------------------------------------------------- figures


def test_outreach_counts(desk, desk_agency, partner, target, kenta, campaign, yamada):
    today = dt.date.today()
    OutreachTargetFactory(
        actor=desk,
        assigned_agency=desk_agency,
        description="x",
        source=TargetSource.WELFARE_VOLUNTEER,
        found_on=today - dt.timedelta(days=400),  # outside the period
    )
    ContactAttemptFactory(actor=partner, target=target, method="phone", reached=True)
    services.target_connect_case(actor=desk, target=target, title="t", principal=kenta)
    ContactAttemptFactory(actor=desk, target=target, method="visit")
    services.visit_record(
        actor=partner,
        visit=campaign.visits.get(household=yamada),
        result="absent",
        visited_on=today,
    )
    figures = selectors.outreach_counts(today - dt.timedelta(days=30), today)
    assert figures["targets_found"] == 1
    assert figures["targets_found_by_source"]["neighbour"] == 1
    assert figures["targets_found_by_source"]["minsei"] == 0
    assert figures["contacts"] == 2
    assert figures["contacts_by_method"] == {"visit": 1, "phone": 1, "letter": 0, "accompany": 0}
    assert figures["contacts_reached"] == 1
    assert figures["contacts_on_case_records"] == 1
    assert figures["contacts_not_on_case_records"] == 1
    assert figures["targets_connected"] == 1
    assert figures["survey_visits_by_result"] == {"absent": 1, "met": 0, "concern": 0}


def test_district_counts_count_only_targets_not_yet_in_support(
    desk, desk_agency, target, honmachi, kenta
):
    assert selectors.district_open_target_counts([honmachi.pk]) == {honmachi.pk: 1}
    services.target_connect_case(actor=desk, target=target, title="t", principal=kenta)
    assert selectors.district_open_target_counts([honmachi.pk]) == {}
