"""The 参加支援, 地域づくり and アウトリーチ tables open as lists too (issue 15, item 3):
each figure lists what the app's own definition counts, and a head count (参加者,
ボランティア) lists the activities whose columns it sums.

May 2024 as in tests/reports/conftest.py, with one of each pillar's records in May and
one just outside it (April), so 当月 and 年度累計 differ.
"""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from community import services as community_services
from community.choices import IssueSource, IssueStatus, ResourceKind
from outreach import services as outreach_services
from outreach.choices import ContactMethod, TargetSource
from participation import services as participation_services
from participation.choices import FollowUpMethod, HostContactMethod, HostOutcome, PlacementStatus
from reports import figures
from reports import statistics as st
from reports.periods import ReportPeriod
from tests.auth_helpers import login_verified
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_participation import OpportunityFactory
from tests.reports.conftest import MONTH

pytestmark = pytest.mark.django_db

FIGURE_LINK = re.compile(r'<a href="([^"]+)" class="figure">(\d+)</a>')
TOTAL = re.compile(r"この数: (\d+)(件|人)")
PILLARS = ("participation", "community", "outreach")


@pytest.fixture
def pillars(desk, manager, desk_agency):
    """One May and one April record of each kind the three tables count."""
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="石英さん世帯")
    person = PersonFactory(household=household, actor=desk, family_name="石英", given_name="光")
    opportunity = OpportunityFactory(actor=manager)
    placement = participation_services.placement_create(
        actor=desk, person=person, opportunity=opportunity, coordinating_on=dt.date(2024, 4, 20)
    )
    participation_services.placement_transition(
        actor=desk, placement=placement, to_status=PlacementStatus.TRIAL, on=dt.date(2024, 5, 7)
    )
    for day in (dt.date(2024, 4, 25), dt.date(2024, 5, 20)):
        participation_services.follow_up_create(
            actor=desk,
            placement=placement,
            followed_on=day,
            method=FollowUpMethod.INTERVIEW,
            note="通えている。",
        )
        participation_services.host_log_create(
            actor=desk,
            contacted_on=day,
            organisation="架空農園",
            method=HostContactMethod.VISIT,
            outcome=HostOutcome.CONSIDERING,
            outcome_note="検討中",
        )
    resource = community_services.resource_create(
        actor=manager,
        name="ふれあいサロン",
        kind=ResourceKind.SALON,
        organiser="自治会",
        started_on=dt.date(2024, 1, 1),
    )
    for day, counts in (
        (dt.date(2024, 4, 10), {"elderly": 9, "volunteers": 4}),
        (dt.date(2024, 5, 8), {"children": 3, "middle_aged": 2, "elderly": 5, "volunteers": 2}),
        (dt.date(2024, 5, 22), {"elderly": 7, "volunteers": 1}),
    ):
        community_services.activity_create(actor=desk, resource=resource, held_on=day, **counts)
    issue = community_services.issue_create(
        actor=manager,
        title="通院の足がない",
        description="バスがない。",
        source=IssueSource.CASES,
        case_count=2,
        raised_on=dt.date(2024, 5, 12),
    )
    community_services.issue_transition(
        actor=manager, issue=issue, to_status=IssueStatus.RESOLVED, on=dt.date(2024, 5, 25)
    )
    target = outreach_services.target_create(
        actor=desk,
        assigned_agency=desk_agency,
        source=TargetSource.NEIGHBOUR,
        concern="新聞がたまっている",
        description="三丁目の高齢男性",
        found_on=dt.date(2024, 5, 2),
    )
    for day, reached in ((dt.date(2024, 5, 6), False), (dt.date(2024, 5, 9), True)):
        outreach_services.contact_create(
            actor=desk,
            target=target,
            contacted_on=day,
            method=ContactMethod.VISIT,
            result="会えた" if reached else "不在",
            reached=reached,
        )


def test_every_pillar_figure_lists_what_it_counts(client, manager, pillars):
    login_verified(client, manager)
    response = client.get(
        reverse("reports:statistics"), {"kind": "month", "month": "2024-05", "scope": "desk"}
    )
    page = response.content.decode()
    links = [
        (html.unescape(url), int(value))
        for url, value in FIGURE_LINK.findall(page)
        if any(f"table={table}&" in html.unescape(url) for table in PILLARS)
    ]
    assert len(links) == (6 + 11 + 5) * 3  # every row × 当月 / 年度累計 / 開設以来
    figures_seen = {}
    for url, value in links:
        response = client.get(url)
        assert response.status_code == 200, url
        list_page = response.content.decode()
        total, unit = TOTAL.search(list_page).groups()
        assert int(total) == value, url
        row = re.search(r"row=(\w+)", url)[1]
        col = re.search(r"col=(\w+)", url)[1]
        figures_seen[(row, col)] = (value, unit, list_page)
    # Spot checks of the hand-counted figures: May, and April + May.
    assert figures_seen[("participants", "month")][:2] == (17, "人")  # 3+2+5 and 7
    assert figures_seen[("participants", "fiscal_year")][:2] == (26, "人")
    assert figures_seen[("volunteers", "month")][:2] == (3, "人")
    assert figures_seen[("activities", "month")][:2] == (2, "件")
    assert figures_seen[("multigenerational_activities", "month")][:2] == (1, "件")
    assert figures_seen[("follow_ups", "month")][:2] == (1, "件")
    assert figures_seen[("follow_ups", "fiscal_year")][:2] == (2, "件")
    assert figures_seen[("trials_started", "month")][:2] == (1, "件")
    assert figures_seen[("placements_started", "month")][:2] == (0, "件")
    assert figures_seen[("placements_started", "fiscal_year")][:2] == (1, "件")
    assert figures_seen[("contacts_reached", "month")][:2] == (1, "件")
    assert figures_seen[("issues_resolved", "month")][:2] == (1, "件")
    # A head count's list shows the activities it sums, with the summed column marked.
    people = figures_seen[("participants", "month")][2]
    assert people.count("<tr>") - 1 == 2
    assert 'class="num summed">3<' in people and 'class="num summed">7<' in people
    # The person of the placement is named in its list; its read is logged.
    assert "石英 光" in figures_seen[("trials_started", "month")][2]


def test_the_lists_are_the_apps_own_definitions(pillars):
    """Function level: every pillar figure of the statistics equals its list's count (or
    its column total for a head count)."""
    stats = st.period_statistics(ReportPeriod.for_month(MONTH))
    checked = 0
    for table in PILLARS:
        for row in stats.tables[table].rows:
            for column, value in zip(stats.periods, row.values, strict=True):
                items = figures.figure_items(table, row.key, "", column, None)
                if items.sums:
                    counted = sum(getattr(a, c) for a in items.items for c in items.sums)
                else:
                    counted = items.items.count()
                assert counted == value, (table, row.key, column.key)
                checked += 1
    assert checked == 22 * 3


def test_pillar_tables_have_no_lists_for_an_agency_scope(client, manager, pillars, desk_agency):
    """The pillar tables are counted for 全機関 only: an agency-scoped address is refused."""
    login_verified(client, manager)
    period = ReportPeriod.for_month(MONTH)
    url = figures.figure_url(period, desk_agency, period.columns()[0], "community", "activities")
    response = client.get(url)
    assert response.status_code == 400
    assert "統計の表にありません" in response.content.decode()
