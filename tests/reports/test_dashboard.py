"""The managers' dashboard (issue 15, item 4): its figures are the report's where the
report has them, every figure opens a list of exactly that many items, and a partner
agency's manager sees their own agency's figures only."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from reports import dashboard
from reports import statistics as st
from reports.periods import ReportPeriod
from tests.auth_helpers import login_verified
from tests.factories import staff
from tests.reports.conftest import EXPECTED

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a (?:class="[^"]*" )?href="(/reports/(?:dashboard|statistics)/figure/[^"]+)"')
TOTAL = re.compile(r"この数: (\d+)件")
HIDDEN = re.compile(r"この数のうち(\d+)件は閲覧権限がないため表示していません")
DAY = dt.date(2024, 5, 31)


def test_the_dashboard_figures_are_the_reports(dataset):
    board = dashboard.dashboard(None, today=DAY)
    # 継続件数 of the month's report (5/31 is its last day).
    assert board.open_total.count == EXPECTED["counts"]["継続件数"][0] == 4
    for lines in (board.by_status, board.by_age, board.by_worker, board.by_agency):
        assert sum(line.count for line in lines) == board.open_total.count
    # The trends are the 当月 column of each month's report.
    opened, closed, consultations = (t.points for t in board.trends)
    assert [p.count for p in opened][-1] == EXPECTED["counts"]["相談件数"][0]
    assert [p.count for p in closed][-1] == EXPECTED["counts"]["終結件数"][0]
    assert [p.count for p in consultations][-1] == EXPECTED["counts"]["相談受付 延べ件数"][0]
    april = st.period_statistics(ReportPeriod.for_month(dt.date(2024, 4, 1)))
    assert opened[-2].count == april.tables["counts"].row("相談件数").values[0]
    assert "<svg" in board.trends[0].svg and "<a href=" in board.trends[0].svg


def test_today_the_open_cases_are_the_continuing_of_this_months_report(dataset):
    board = dashboard.dashboard(None)
    today_report = st.monthly_statistics(timezone.localdate())
    assert board.open_total.count == today_report.tables["counts"].row("継続件数").values[0]


def test_every_dashboard_figure_lists_exactly_its_count(client, manager, dataset):
    login_verified(client, manager)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    urls = {html.unescape(u) for u in LINK.findall(page)}
    assert len(urls) > 10
    for url in urls:
        listed = client.get(url)
        assert listed.status_code == 200, url
        text = listed.content.decode()
        total = int(TOTAL.search(text)[1])
        hidden = HIDDEN.search(text)
        body = text.split('<table class="figure-items">', 1)
        shown = body[1].split("</tbody>", 1)[0].count("<tr>") - 1 if len(body) > 1 else 0
        assert shown + (int(hidden[1]) if hidden else 0) == total, url


def test_a_partner_manager_sees_their_agency_only(client, dataset, partner_agency):
    partner_manager = staff(partner_agency, Role.MANAGER, username="partner_manager")
    login_verified(client, partner_manager)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    assert partner_agency.name in response.content.decode()
    assert client.get(reverse("reports:dashboard"), {"scope": "desk"}).status_code == 400
    listed = client.get(
        reverse("reports:dashboard_figure"), {"scope": "desk", "figure": "open", "key": "all"}
    )
    assert listed.status_code == 400


def test_bad_dashboard_figures_get_a_message(client, manager, dataset):
    login_verified(client, manager)
    for query in (
        {"figure": "nope"},
        {"figure": "open", "key": "status:nope"},
        {"figure": "open", "key": "x"},
    ):
        response = client.get(reverse("reports:dashboard_figure"), query)
        assert response.status_code == 400
        assert "ダッシュボードにありません" in response.content.decode()


def test_managers_home_shows_the_key_figures(client, manager, desk, dataset):
    login_verified(client, manager)
    page = client.get(reverse("home")).content.decode()
    assert "ダッシュボードを開く" in page
    assert reverse("reports:dashboard_figure") in page
    client.logout()
    login_verified(client, desk)
    assert "ダッシュボードを開く" not in client.get(reverse("home")).content.decode()
