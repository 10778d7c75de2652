"""参加支援 writes and reads: who may write, the placement lifecycle, 定着支援 as 支援経過,
the opportunity search and the figures for reports."""

import datetime as dt

import pytest

from accounts.models import ActionLog
from cases.choices import Project, RecordKind
from cases.models import SupportRecord
from participation import selectors, services
from participation.choices import OpportunityKind, PlacementStatus
from participation.models import HostDevelopment, Opportunity, Placement, PlacementFollowUp
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_participation import (
    FollowUpFactory,
    HostDevelopmentFactory,
    OpportunityFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

MODELS = (Opportunity, HostDevelopment, Placement, PlacementFollowUp, SupportRecord)
TODAY = dt.date.today()


def db_state():
    counts = {m.__name__: m.objects.count() for m in MODELS}
    counts |= {f"history:{m.__name__}": m.history.count() for m in MODELS}
    counts["ActionLog"] = ActionLog.objects.count()
    return counts


def refused(call, message):
    before = db_state()
    with pytest.raises(services.ParticipationRuleError) as exc:
        call()
    assert message in " ".join(exc.value.messages)
    assert db_state() == before


# ---------------------------------------------------------------- opportunities


def test_coordinator_registers_an_opportunity_with_days(library, coordinator):
    assert library.day_list == [1, 3]
    assert library.days_display == "火・木"
    assert library.history.get().history_user == coordinator


@pytest.mark.parametrize("persona", ["partner", "outsider", "municipal", "admin_user"])
def test_only_desk_and_coordinators_write_opportunities(request, persona, library):
    user = request.getfixturevalue(persona)
    refused(
        lambda: services.opportunity_create(
            actor=user, name="n", kind="volunteer", host_name="h", days=[0]
        ),
        "推進員",
    )
    refused(
        lambda: services.opportunity_update(actor=user, opportunity=library, name="x"), "推進員"
    )
    refused(
        lambda: services.host_log_create(
            actor=user,
            contacted_on=TODAY,
            organisation="o",
            method="visit",
            outcome="accepting",
            outcome_note="n",
        ),
        "推進員",
    )


def test_search_by_kind_district_and_day(desk, coordinator, library, midori):
    farm = OpportunityFactory(
        actor=desk, name="架空農園の農作業体験", kind=OpportunityKind.AGRI_WELFARE, days=[0, 2]
    )
    closed = OpportunityFactory(actor=desk, name="休止中のカフェ", days=[1], is_active=False)

    def names(**kw):
        return {o.name for o in selectors.opportunity_search(desk, **kw)}

    assert names() == {library.name, farm.name}
    assert names(day=1) == {library.name}  # Tuesday
    assert names(day=2) == {farm.name}  # Wednesday
    assert names(day=6) == set()
    assert names(kind="agri_welfare") == {farm.name}
    assert names(district=midori) == {library.name}
    assert names(day=1, include_inactive=True) == {library.name, closed.name}
    assert names(q="農作業") == {farm.name}


def test_host_log(coordinator, library):
    log = HostDevelopmentFactory(actor=coordinator, opportunity=library)
    assert log.staff == coordinator
    services.host_log_update(actor=coordinator, log=log, outcome="accepting")
    log.refresh_from_db()
    assert log.outcome == "accepting"
    assert log.history.count() == 2


# ---------------------------------------------------------------- placements


def test_partner_with_case_records_places_the_person(partner, partner_agency, case, yuto, library):
    placement = PlacementFactory(actor=partner, person=yuto, opportunity=library, case=case)
    assert placement.status == PlacementStatus.COORDINATING
    assert placement.agency == partner_agency
    assert placement.history.get().history_user == partner


def test_placement_refusals(desk, desk_agency, partner, outsider, case, yuto, library, coordinator):
    refused(
        lambda: services.placement_create(
            actor=outsider, person=yuto, opportunity=library, case=case
        ),
        "支援経過を閲覧できるケース",
    )
    refused(
        lambda: services.placement_create(actor=partner, person=yuto, opportunity=library),
        "ケースを選んでください",
    )
    stranger = PersonFactory(
        actor=desk, household=HouseholdFactory(registered_by_agency=desk_agency)
    )
    refused(
        lambda: services.placement_create(
            actor=desk, person=stranger, opportunity=library, case=case
        ),
        "世帯員から",
    )
    closed = OpportunityFactory(actor=coordinator, is_active=False)
    refused(
        lambda: services.placement_create(actor=desk, person=yuto, opportunity=closed, case=case),
        "休止",
    )
    PlacementFactory(actor=desk, person=yuto, opportunity=library, case=case)
    refused(
        lambda: services.placement_create(actor=desk, person=yuto, opportunity=library, case=case),
        "すでに",
    )


def test_desk_places_without_a_case(desk, yuto, library):
    placement = PlacementFactory(actor=desk, person=yuto, opportunity=library)
    assert placement.case is None


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("desk", True),
        ("coordinator", True),
        ("manager", True),
        ("partner", True),  # the case's records are shared with its agency
        ("outsider", False),
        ("municipal", False),
        ("admin_user", False),
    ],
)
def test_placements_follow_the_case_records(request, placement, persona, sees):
    user = request.getfixturevalue(persona)
    assert selectors.placements_visible_to(user).filter(pk=placement.pk).exists() is sees


def test_placement_without_case_is_the_desks_alone(desk, partner, yuto, library):
    placement = PlacementFactory(actor=desk, person=yuto, opportunity=library)
    assert selectors.placements_visible_to(desk).filter(pk=placement.pk).exists()
    assert not selectors.placements_visible_to(partner).filter(pk=placement.pk).exists()


def test_lifecycle_keeps_each_steps_date(partner, placement):
    start = placement.coordinating_on
    refused(
        lambda: services.placement_transition(
            actor=partner, placement=placement, to_status="settled"
        ),
        "変更できません",
    )
    refused(
        lambda: services.placement_transition(
            actor=partner, placement=placement, to_status="trial", on=start - dt.timedelta(days=1)
        ),
        "前の段階",
    )
    services.placement_transition(
        actor=partner, placement=placement, to_status="trial", on=start + dt.timedelta(days=5)
    )
    services.placement_transition(
        actor=partner, placement=placement, to_status="settled", on=start + dt.timedelta(days=15)
    )
    refused(
        lambda: services.placement_transition(
            actor=partner, placement=placement, to_status="ended"
        ),
        "終了の理由",
    )
    services.placement_transition(
        actor=partner,
        placement=placement,
        to_status="ended",
        end_reason_kind="graduated",
        end_reason="一般就労へ",
    )
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ENDED
    assert placement.trial_started_on == start + dt.timedelta(days=5)
    assert placement.settled_on == start + dt.timedelta(days=15)
    assert placement.ended_on == TODAY
    assert placement.history.count() == 4


def test_outsider_cannot_move_a_placement(outsider, placement):
    refused(
        lambda: services.placement_transition(
            actor=outsider, placement=placement, to_status="trial"
        ),
        "権限",
    )


def test_follow_up_on_a_case_is_a_participation_record(partner, placement, yuto):
    follow_up = FollowUpFactory(
        actor=partner, placement=placement, method="phone", note="週2回通えている"
    )
    record = follow_up.support_record
    assert record is not None
    assert (record.case, record.project, record.kind) == (
        placement.case,
        Project.PARTICIPATION,
        RecordKind.PHONE,
    )
    assert "週2回通えている" in record.narrative
    assert list(record.persons.all()) == [yuto]


def test_follow_up_without_a_case_is_counted_from_itself(desk, yuto, library):
    placement = PlacementFactory(actor=desk, person=yuto, opportunity=library)
    follow_up = FollowUpFactory(actor=desk, placement=placement)
    assert follow_up.support_record is None
    assert SupportRecord.objects.count() == 0


def test_follow_up_refusals(partner, outsider, placement):
    refused(
        lambda: services.follow_up_create(
            actor=outsider, placement=placement, followed_on=TODAY, method="phone", note="n"
        ),
        "権限",
    )
    refused(
        lambda: services.follow_up_create(
            actor=partner,
            placement=placement,
            followed_on=placement.coordinating_on - dt.timedelta(days=1),
            method="phone",
            note="n",
        ),
        "調整開始日",
    )


def test_participation_counts(desk, coordinator, case, yuto, library, midori):
    farm = OpportunityFactory(actor=coordinator, kind=OpportunityKind.AGRI_WELFARE)
    p1 = PlacementFactory(actor=desk, person=yuto, opportunity=library, case=case)
    services.placement_transition(actor=desk, placement=p1, to_status="trial")
    services.placement_transition(actor=desk, placement=p1, to_status="settled")
    p2 = PlacementFactory(actor=desk, person=yuto, opportunity=farm, case=case)
    services.placement_transition(
        actor=desk, placement=p2, to_status="ended", end_reason_kind="person_wish"
    )
    PlacementFactory(
        actor=desk,
        person=yuto,
        opportunity=OpportunityFactory(actor=coordinator),
        coordinating_on=TODAY - dt.timedelta(days=400),  # before the period
    )
    FollowUpFactory(actor=desk, placement=p1)
    HostDevelopmentFactory(actor=coordinator, outcome="accepting")
    figures = selectors.participation_counts(TODAY - dt.timedelta(days=60), TODAY)
    assert figures["placements_started"] == 2
    assert figures["trials_started"] == 1
    assert figures["placements_settled"] == 1
    assert figures["placements_ended"] == 1
    assert figures["by_kind"]["volunteer"] == {"started": 1, "trials": 1, "settled": 1, "ended": 0}
    assert figures["by_kind"]["agri_welfare"] == {
        "started": 1,
        "trials": 0,
        "settled": 0,
        "ended": 1,
    }
    assert figures["by_kind"]["learning"] == {"started": 0, "trials": 0, "settled": 0, "ended": 0}
    assert figures["follow_ups"] == 1
    assert figures["follow_ups_not_on_case_records"] == 0
    assert figures["host_developments"] == 1
    assert figures["host_developments_by_outcome"]["accepting"] == 1
