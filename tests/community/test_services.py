"""地域づくり writes and reads: who may write, activities by age band, community issues
as counts only, district counts and the figures for reports."""

import datetime as dt

import pytest

from accounts.models import ActionLog
from cases.services import case_open
from community import selectors, services
from community.choices import IssueStatus
from community.models import ActivityLog, CommunityIssue, CommunityResource, IssueAction
from tests.factories import DistrictFactory, HouseholdFactory
from tests.factories_community import (
    ActivityLogFactory,
    CommunityIssueFactory,
    CommunityResourceFactory,
)
from tests.factories_outreach import OutreachTargetFactory

pytestmark = pytest.mark.django_db

MODELS = (CommunityResource, ActivityLog, CommunityIssue, IssueAction)
TODAY = dt.date.today()


def db_state():
    counts = {m.__name__: m.objects.count() for m in MODELS}
    counts |= {f"history:{m.__name__}": m.history.count() for m in MODELS}
    counts["ActionLog"] = ActionLog.objects.count()
    return counts


def refused(call, message):
    before = db_state()
    with pytest.raises(services.CommunityRuleError) as exc:
        call()
    assert message in " ".join(exc.value.messages)
    assert db_state() == before


@pytest.mark.parametrize("persona", ["partner", "outsider", "municipal", "admin_user"])
def test_only_the_desk_manages_resources_and_issues(request, persona, salon, issue):
    user = request.getfixturevalue(persona)
    refused(
        lambda: services.resource_create(
            actor=user, name="n", kind="salon", organiser="o", schedule="s"
        ),
        "窓口",
    )
    refused(lambda: services.resource_update(actor=user, resource=salon, name="x"), "窓口")
    refused(
        lambda: services.issue_create(actor=user, title="t", description="d", source="meeting"),
        "窓口",
    )
    refused(lambda: services.issue_transition(actor=user, issue=issue, to_status="acting"), "窓口")
    refused(
        lambda: services.issue_action_add(actor=user, issue=issue, taken_on=TODAY, description="d"),
        "窓口",
    )


def test_any_case_worker_logs_an_activity(outsider, salon, activity):
    log = ActivityLogFactory(actor=outsider, resource=salon, elderly=8)
    assert log.recorded_by == outsider
    assert log.history.get().history_user == outsider
    assert activity.participants == 21
    assert activity.is_multigenerational  # children, middle-aged and elderly
    assert not log.is_multigenerational


def test_activity_refusals(desk, partner, outsider, municipal, salon, activity):
    refused(
        lambda: services.activity_create(actor=municipal, resource=salon, held_on=TODAY, elderly=3),
        "権限",
    )
    refused(
        lambda: services.activity_create(actor=partner, resource=salon, held_on=TODAY),
        "1人以上",
    )
    refused(
        lambda: services.activity_create(
            actor=partner, resource=salon, held_on=TODAY + dt.timedelta(days=1), elderly=1
        ),
        "未来",
    )
    refused(
        lambda: services.activity_update(actor=outsider, activity=activity, elderly=1), "修正できる"
    )
    services.activity_update(actor=desk, activity=activity, elderly=16)
    activity.refresh_from_db()
    assert activity.elderly == 16


def test_no_activity_after_a_resource_ended(desk, partner, salon):
    services.resource_update(actor=desk, resource=salon, ended_on=TODAY - dt.timedelta(days=10))
    refused(
        lambda: services.activity_create(actor=partner, resource=salon, held_on=TODAY, elderly=2),
        "終了しています",
    )


def test_issue_lifecycle_with_dated_actions(desk, issue):
    refused(
        lambda: services.issue_transition(actor=desk, issue=issue, to_status="raised"),
        "変更できません",
    )
    services.issue_transition(actor=desk, issue=issue, to_status="discussing", note="協議体で検討")
    services.issue_action_add(
        actor=desk, issue=issue, taken_on=TODAY, description="移動販売の事業者に相談"
    )
    issue = services.issue_transition(actor=desk, issue=issue, to_status="resolved")
    assert (issue.status, issue.resolved_on) == (IssueStatus.RESOLVED, TODAY)
    assert list(issue.actions.values_list("description", flat=True)) == [
        "移動販売の事業者に相談",  # newest first
        "協議体で検討",
    ]
    issue = services.issue_transition(
        actor=desk, issue=issue, to_status="acting", note="再び困りごと"
    )
    assert issue.resolved_on is None
    assert issue.history.count() == 4


def test_district_counts_are_counts_only(
    desk, desk_agency, partner_agency, honmachi, salon, activity, issue
):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, district=honmachi)
    case_open(actor=desk, household=household, lead_agency=desk_agency, lead_staff=desk, title="t")
    OutreachTargetFactory(actor=desk, assigned_agency=partner_agency, household=household)
    OutreachTargetFactory(
        actor=desk, assigned_agency=partner_agency, description="d", district=honmachi
    )
    empty = DistrictFactory(name="山手区", code="10")
    rows = {d.name: d for d in selectors.district_list(desk)}
    honmachi_row = rows["本町区"]
    assert honmachi_row.resource_count == 1
    assert honmachi_row.recent_activity_count == 1
    assert honmachi_row.open_case_count == 1
    assert honmachi_row.open_issue_count == 1
    assert [e["n"] for e in honmachi_row.extra_counts] == [2]
    assert rows[empty.name].open_case_count == 0
    assert [e["n"] for e in rows[empty.name].extra_counts] == [0]

    summary = selectors.district_summary(honmachi)
    assert summary["open_case_count"] == 1
    assert [e["n"] for e in summary["extra_counts"]] == [2]
    assert summary["recent_totals"]["elderly"] == 15
    assert summary["recent_totals"]["volunteers"] == 5


def test_community_counts(desk, partner, honmachi, salon, activity, issue):
    CommunityResourceFactory(
        actor=desk, kind="kodomo_shokudo", ended_on=TODAY - dt.timedelta(days=400)
    )  # ended long before the period
    CommunityResourceFactory(
        actor=desk, kind="kodomo_shokudo", started_on=TODAY - dt.timedelta(days=5)
    )
    ActivityLogFactory(actor=partner, resource=salon, elderly=10, volunteers=2)
    ActivityLogFactory(
        actor=partner, resource=salon, elderly=1, held_on=TODAY - dt.timedelta(days=200)
    )  # outside
    CommunityIssueFactory(actor=desk, source="residents", case_count=None)
    services.issue_transition(actor=desk, issue=issue, to_status="resolved")
    figures = selectors.community_counts(TODAY - dt.timedelta(days=30), TODAY)
    assert figures["active_resources"] == 2
    assert figures["active_resources_by_kind"]["salon"] == 1
    assert figures["active_resources_by_kind"]["kodomo_shokudo"] == 1
    assert figures["activities"] == 2
    assert figures["participants_by_age_band"] == {
        "children": 4,
        "youth": 0,
        "middle_aged": 2,
        "elderly": 25,
    }
    assert figures["participants"] == 31
    assert figures["volunteers"] == 7
    assert figures["multigenerational_activities"] == 1
    assert figures["issues_raised"] == 2
    assert figures["issues_raised_by_source"] == {
        "meeting": 0,
        "cases": 1,
        "residents": 1,
        "other": 0,
    }
    assert figures["cases_behind_issues_raised"] == 3
    assert figures["issues_resolved"] == 1
