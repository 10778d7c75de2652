"""Every figure on screen opens the list of what it counts (issue 15, item 3).

The dataset is tests/reports/conftest.py's (令和6年5月; every figure worked out by
hand in EXPECTED). A partner-led case with distinctive names is added here: the desk's
manager counts it in 全機関 but may not see it, so the lists say how many they hide,
and its names must never reach them.
"""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AccessLog
from cases import services as case_services
from cases.choices import CasePersonRole, RecordKind
from intake import services as intake_services
from intake.choices import CameFrom, Channel, Outcome
from reports import figures
from reports import statistics as st
from reports.periods import ReportPeriod
from tests.auth_helpers import login_verified
from tests.factories import HouseholdFactory, PersonFactory, staff
from tests.factories_intake import category
from tests.reports.conftest import EXPECTED, MONTH, at

pytestmark = pytest.mark.django_db

HIDDEN_NAMES = ["蛍石", "柘榴石家の秘密", "柘榴石さん世帯"]
FIGURE_LINK = re.compile(r'<a href="([^"]+)" class="figure">(\d+)</a>')
TOTAL = re.compile(r"この数: (\d+)[件人]")
HIDDEN = re.compile(r"この数のうち(\d+)件は閲覧権限がないため表示していません")


@pytest.fixture
def hidden_case(dataset, partner_agency, partner):
    """A case the partner leads in May 2024, with a consultation and a record: counted
    in 全機関, not visible to the desk."""
    household = HouseholdFactory(
        registered_by_agency=partner_agency, actor=partner, name="柘榴石さん世帯"
    )
    person = PersonFactory(
        household=household, actor=partner, family_name="柘榴石", given_name="蛍石"
    )
    case = case_services.case_open(
        actor=partner,
        household=household,
        lead_agency=partner_agency,
        lead_staff=partner,
        title="柘榴石家の秘密",
        opened_on=dt.date(2024, 5, 8),
        persons=[(person, CasePersonRole.MEMBER)],
    )
    cats = [category("住まい")]
    intake_services.consultation_create(
        actor=partner,
        agency=partner_agency,
        received_at=at(2024, 5, 8),
        channel=Channel.PHONE,
        came_from=CameFrom.SELF,
        household=household,
        persons=[person],
        categories=cats,
        primary_category=cats[0],
        summary="秘密の相談",
        outcome=Outcome.ONGOING,
    )
    case_services.record_create(
        actor=partner,
        case=case,
        agency=partner_agency,
        occurred_at=at(2024, 5, 9),
        kind=RecordKind.VISIT,
        project="2",
        narrative="秘密の訪問",
    )
    return case


def _statistics_page(client, scope="desk"):
    response = client.get(
        reverse("reports:statistics"), {"kind": "month", "month": "2024-05", "scope": scope}
    )
    assert response.status_code == 200
    return response.content.decode()


def _list(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    total = int(TOTAL.search(page)[1])
    hidden = HIDDEN.search(page)
    body = page.split('<table class="figure-items">', 1)
    shown = body[1].split("</tbody>", 1)[0].count("<tr>") - 1 if len(body) > 1 else 0
    return page, total, shown, int(hidden[1]) if hidden else 0


def test_every_figure_of_the_month_lists_exactly_its_count(client, manager, hidden_case):
    """Every figure on the page (every row × 当月 / 年度累計 / 開設以来) is a link, and
    its list counts the figure: the items shown plus those hidden from the viewer."""
    login_verified(client, manager)
    page = _statistics_page(client)
    links = [(html.unescape(url), int(value)) for url, value in FIGURE_LINK.findall(page)]
    # 6 + 14 + 8 + 8 + 6 + 7 + 9 + 7 rows × 3 columns, 繋ぎ先's 17 rows × 6, and the
    # pillar tables' 5 + 6 + 11 rows × 3 (test_pillar_figures walks them with data).
    assert len(links) == 65 * 3 + 17 * 6 + 22 * 3
    hidden_somewhere = 0
    for url, value in links:
        list_page, total, shown, hidden = _list(client, url)
        assert total == value, url
        assert shown + hidden == value, url
        hidden_somewhere += hidden
        for name in HIDDEN_NAMES:
            assert name not in list_page, url
    assert hidden_somewhere > 0  # the partner's case, consultation, record, household


def test_the_lists_come_from_the_same_definitions_as_the_figures(dataset):
    """Function level, every figure of the hand-worked EXPECTED table."""
    period = ReportPeriod.for_month(MONTH)
    stats = st.period_statistics(period)
    for table in figures.html_tables(stats):
        assert table.linked, table.key
        source = stats.tables[table.key]
        for row, source_row in zip(table.rows, source.rows, strict=True):
            for i, cell in enumerate(row.cells):
                measures = source.measures
                column = stats.periods[i // len(measures) if measures else i]
                measure = measures[i % len(measures)] if measures else ""
                items = figures.figure_items(table.key, source_row.key, measure, column, None)
                assert items.items.count() == cell.value, (table.key, row.label, i)
    assert stats.tables["counts"].row("終結件数").values == EXPECTED["counts"]["終結件数"]


def test_hidden_items_are_counted_not_shown(client, manager, hidden_case):
    login_verified(client, manager)
    period = ReportPeriod.for_month(MONTH)
    column = period.columns()[0]
    url = figures.figure_url(period, None, column, "counts", "opened")
    page, total, shown, hidden = _list(client, url)
    # c_1 c_2 c_8 and the hidden case; the desk sees c_1 and c_2 only.
    assert (total, shown, hidden) == (4, 2, 2)
    assert "この数のうち2件は閲覧権限がないため表示していません" in page
    assert "柘榴石家の秘密" not in page

    logged = set(
        AccessLog.objects.filter(user=manager, detail="statistics_figure").values_list(
            "object_type", "object_id"
        )
    )
    assert ("cases.case", str(hidden_case.pk)) not in logged
    assert len([obj for obj in logged if obj[0] == "cases.case"]) == 2


def test_the_lead_agency_sees_its_own_items(client, partner_agency, hidden_case):
    partner_manager = staff(partner_agency, Role.MANAGER, username="partner_manager")
    login_verified(client, partner_manager)
    period = ReportPeriod.for_month(MONTH)
    url = figures.figure_url(period, partner_agency, period.columns()[0], "counts", "opened")
    page, total, shown, hidden = _list(client, url)
    assert (total, shown, hidden) == (2, 2, 0)  # c_8 and the hidden case
    assert "柘榴石家の秘密" in page
    # 全機関 is not theirs.
    url = figures.figure_url(period, None, period.columns()[0], "counts", "opened")
    response = client.get(url)
    assert response.status_code == 400
    assert "柘榴石家の秘密" not in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"kind": "month", "month": "2099-01", "scope": "desk", "col": "month"}, "月"),
        ({"kind": "month", "month": "garbage", "scope": "desk", "col": "month"}, "月"),
        ({"kind": "month", "month": "2024-05", "scope": "desk", "col": "nope"}, "列の指定"),
        (
            {"kind": "month", "month": "2024-05", "scope": "desk", "col": "month"},
            "統計の表にありません",
        ),
        (
            {
                "kind": "range",
                "range_start": "2024-05-31",
                "range_end": "2024-05-01",
                "scope": "desk",
                "col": "range",
            },
            "末日",
        ),
    ],
)
def test_bad_addresses_get_a_japanese_message(client, manager, dataset, query, message):
    login_verified(client, manager)
    response = client.get(reverse("reports:figure"), {**query, "table": "counts", "row": "x"})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_period_on_the_statistics_page_is_a_message(client, manager):
    login_verified(client, manager)
    response = client.get(reverse("reports:statistics"), {"kind": "month", "month": "R99.13"})
    assert response.status_code == 400
    assert "form-errors" in response.content.decode() or "error" in response.content.decode()


@pytest.mark.parametrize("persona", ["desk", "partner", "outsider", "municipal", "admin_user"])
def test_only_statistics_roles_reach_the_pages(client, request, dataset, persona):
    login_verified(client, request.getfixturevalue(persona))
    period = ReportPeriod.for_month(MONTH)
    url = figures.figure_url(period, None, period.columns()[0], "counts", "opened")
    for address in (url, reverse("reports:statistics"), reverse("reports:dashboard")):
        assert client.get(address).status_code == 404


def test_a_list_reads_in_a_constant_number_of_queries(client, manager, dataset):
    login_verified(client, manager)
    period = ReportPeriod.for_month(MONTH)
    counts = []
    for column in (period.columns()[0], period.columns()[-1]):  # 2 and 4 cases shown
        url = figures.figure_url(period, None, column, "counts", "opened")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_page_past_the_end_shows_the_last_page_with_the_same_counts(client, manager, hidden_case):
    """An old link to page 99: the list's last page, and the figure and the viewer's share
    as on page 1 (the count of a page comes with its rows; past the end it is counted
    apart)."""
    login_verified(client, manager)
    period = ReportPeriod.for_month(MONTH)
    url = figures.figure_url(period, None, period.columns()[-1], "counts", "opened")
    first = _list(client, url)
    last = _list(client, url + "&page=99")
    assert first[1:] == last[1:]  # total, shown, hidden
    assert last[2] > 0
