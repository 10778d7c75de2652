"""N+1 guards: every list the meetings app renders costs the same at 2 and 20 rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.choices import MeetingKind
from tests.factories_meetings import MeetingFactory, add_case_item, add_member, consent_for

pytestmark = pytest.mark.django_db


def _count(client, url):
    client.get(url)  # warm per-process caches (content types) so both sizes start equal
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _meetings(n, *, desk, desk_agency, partner, case=None):
    for i in range(n):
        meeting = MeetingFactory(
            chair=desk,
            organising_agency=desk_agency,
            kind=MeetingKind.SUPPORT_MEETING if i % 2 else MeetingKind.CASE_CONFERENCE,
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
        )
        add_member(meeting, partner, actor=desk)
        if case is not None:
            item = add_case_item(meeting, case, actor=desk)
            services.minutes_save(actor=desk, item=item, discussion="", decisions=f"決定{i}")


@pytest.mark.parametrize("viewer", ["desk", "partner"])
def test_meeting_list_constant_queries(request, client_for, desk, desk_agency, partner, viewer):
    """Expected per request: session, user, the viewer's agency ids and case-role
    agencies, the paginator count, the page's meeting ids, those meetings (organiser
    and chair joined, item and member counts annotated), and what base.html and the
    create button ask (primary agency, desk staff)."""
    client = client_for(request.getfixturevalue(viewer))
    url = reverse("meetings:meeting_list")
    _meetings(2, desk=desk, desk_agency=desk_agency, partner=partner)
    two = _count(client, url)
    _meetings(18, desk=desk, desk_agency=desk_agency, partner=partner)
    twenty = _count(client, url)
    assert two == twenty


def test_case_meeting_history_constant_queries(client_for, desk, desk_agency, partner):
    """Expected: session, user, the case fetch with its access annotations, the access
    log row, the viewer's agencies, and one query for the agenda items with their
    meetings (visibility and readability as EXISTS subqueries)."""
    from tests.factories_meetings import open_case

    case = open_case(agency=desk_agency, actor=desk)
    consent_for(case, [desk_agency, partner.primary_agency], actor=desk)
    client = client_for(desk)
    url = reverse("meetings:case_meetings", args=[case.pk])
    _meetings(2, desk=desk, desk_agency=desk_agency, partner=partner, case=case)
    two = _count(client, url)
    _meetings(18, desk=desk, desk_agency=desk_agency, partner=partner, case=case)
    twenty = _count(client, url)
    assert two == twenty


def test_case_page_panel_and_timeline_constant_queries(client_for, desk, desk_agency, partner):
    """The case page's meeting panel and timeline entries: one agenda-item query each,
    whatever the number of meetings."""
    from tests.factories_meetings import open_case

    case = open_case(agency=desk_agency, actor=desk)
    consent_for(case, [desk_agency, partner.primary_agency], actor=desk)
    client = client_for(desk)
    url = reverse("cases:case_detail", args=[case.pk])
    _meetings(2, desk=desk, desk_agency=desk_agency, partner=partner, case=case)
    two = _count(client, url)
    _meetings(18, desk=desk, desk_agency=desk_agency, partner=partner, case=case)
    twenty = _count(client, url)
    assert two == twenty


def test_a_case_never_on_an_agenda_skips_the_access_filtered_agenda_query(
    client_for, desk, desk_agency, partner
):
    """One probe of the items' case index; the query that tests who may read which
    meeting runs only for a case that was on an agenda, and then shows its entries."""
    from tests.factories_meetings import open_case

    case = open_case(agency=desk_agency, actor=desk)
    consent_for(case, [desk_agency, partner.primary_agency], actor=desk)
    client = client_for(desk)
    url = reverse("cases:case_detail", args=[case.pk])

    def agenda_queries():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        sql = [q["sql"] for q in ctx.captured_queries if "meetings_agendaitem" in q["sql"]]
        return sql, html

    sql, html = agenda_queries()
    assert len(sql) == 1 and "meetings_meetingmember" not in sql[0]
    _meetings(1, desk=desk, desk_agency=desk_agency, partner=partner, case=case)
    sql, html = agenda_queries()
    assert len(sql) == 2 and "meetings_meetingmember" in sql[1]
    assert "決定0" in html


def test_home_tasks_constant_queries(client_for, desk, desk_agency, partner, partner_agency):
    """「自機関の担当」: one query for the open tasks with their meeting, item and case
    (meeting visibility and case naming as EXISTS subqueries)."""
    from tests.factories_meetings import open_case

    case = open_case(agency=desk_agency, actor=desk)
    meeting = MeetingFactory(chair=desk, organising_agency=desk_agency)
    add_member(meeting, partner, actor=desk)
    item = add_case_item(meeting, case, actor=desk)
    client = client_for(partner)

    def tasks(n):
        for i in range(n):
            services.role_assign(actor=desk, item=item, agency=partner_agency, task=f"担当{i}")

    tasks(2)
    two = _count(client, reverse("home"))
    tasks(18)
    twenty = _count(client, reverse("home"))
    assert two == twenty


def test_home_upcoming_meetings_constant_queries(client_for, desk, desk_agency, partner):
    """「これからの会議」: one query for the meetings (organiser joined, the pending
    守秘義務 acknowledgement as an EXISTS subquery)."""
    client = client_for(partner)
    _meetings(2, desk=desk, desk_agency=desk_agency, partner=partner)
    two = _count(client, reverse("home"))
    _meetings(10, desk=desk, desk_agency=desk_agency, partner=partner)
    twelve = _count(client, reverse("home"))
    assert two == twelve


def test_meeting_list_counts_only_the_page(client_for, desk, desk_agency, partner):
    """Past meetings, page 2: the rows keep the list's order (newest first) and show each
    meeting's own item and member counts, while the query that pages reads ids alone:
    no join of items or members and no GROUP BY over the meetings before the page."""
    from tests.factories_meetings import open_case

    case = open_case(agency=desk_agency, actor=desk)
    consent_for(case, [desk_agency, partner.primary_agency], actor=desk)
    now = timezone.now()
    made = []
    for i in range(33):
        meeting = MeetingFactory(
            chair=desk,
            organising_agency=desk_agency,
            kind=MeetingKind.CASE_CONFERENCE,
            starts_at=now - dt.timedelta(days=i + 1),
        )
        if i % 3:
            add_member(meeting, partner, actor=desk)
        if i % 2:
            add_case_item(meeting, case, actor=desk)
        made.append(meeting)
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(desk).get(
            reverse("meetings:meeting_list"), {"when": "past", "page": 2}
        )
    rows = list(response.context["page"].object_list)
    assert [m.pk for m in rows] == [m.pk for m in made[30:]]
    assert [(m.item_count, m.member_count) for m in rows] == [
        (m.items.count(), m.members.count()) for m in made[30:]
    ]
    assert {(m.item_count, m.member_count) for m in rows} == {(0, 0), (1, 1), (0, 1)}
    paged = [q["sql"] for q in ctx.captured_queries if "OFFSET" in q["sql"]]
    assert len(paged) == 1, paged
    assert "GROUP BY" not in paged[0] and "meetings_agendaitem" not in paged[0], paged[0]
