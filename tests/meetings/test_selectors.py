import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services
from meetings.choices import MeetingKind, Topic
from meetings.selectors import meeting_counts
from tests.factories_meetings import MeetingFactory, add_case_item, consent_for, open_case

pytestmark = pytest.mark.django_db


def _at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_meeting_counts_by_kind_real_and_total_cases(
    desk, desk_agency, partner_agency, outsider_agency
):
    from accounts.choices import Role
    from tests.factories import staff

    june = dt.date(2025, 6, 1)
    a = open_case(agency=desk_agency, actor=desk, title="A")
    b = open_case(agency=desk_agency, actor=desk, title="B")
    consent_for(a, [desk_agency, partner_agency], actor=desk)

    def meeting(kind, day, **kw):
        return MeetingFactory(
            kind=kind, chair=desk, organising_agency=desk_agency, starts_at=_at(day), **kw
        )

    s1 = meeting(MeetingKind.SUPPORT_MEETING, june + dt.timedelta(days=2))
    add_case_item(s1, a, actor=desk)
    add_case_item(s1, b, actor=desk)
    s2 = meeting(MeetingKind.SUPPORT_MEETING, june + dt.timedelta(days=20))
    add_case_item(s2, a, actor=desk)  # same case again: 延べ 3, 実 2
    m1 = meeting(MeetingKind.MULTILAYER_MEETING, june + dt.timedelta(days=10))
    add_case_item(m1, a, actor=desk)
    services.agenda_item_add(
        actor=desk, meeting=m1, topic=Topic.RESOURCE_DEVELOPMENT, title="居場所づくり"
    )  # policy topic: a meeting held, not a case discussed
    cancelled = meeting(MeetingKind.SUPPORT_MEETING, june + dt.timedelta(days=5))
    add_case_item(cancelled, b, actor=desk)
    services.meeting_cancel(actor=desk, meeting=cancelled, reason="中止")
    meeting(MeetingKind.SUPPORT_MEETING, june - dt.timedelta(days=1))  # May
    meeting(MeetingKind.MULTILAYER_MEETING, june + dt.timedelta(days=29))  # June 30 counts

    other_agency_staff = staff(outsider_agency, Role.COORDINATOR, username="swc_coord")
    MeetingFactory(
        kind=MeetingKind.CASE_CONFERENCE,
        chair=other_agency_staff,
        organising_agency=outsider_agency,
        starts_at=_at(june + dt.timedelta(days=3)),
    )

    end = dt.date(2025, 6, 30)
    with CaptureQueriesContext(connection) as ctx:
        counts = meeting_counts(june, end)
    assert len(ctx.captured_queries) == 3  # held by kind; cases by kind; totals
    assert counts["held"] == {
        "support": 2,
        "multilayer": 2,
        "liaison": 0,
        "representatives": 0,
        "isolation": 0,
        "case_conference": 1,
    }
    assert counts["held_total"] == 5
    assert counts["cases_distinct"]["support"] == 2
    assert counts["case_items"]["support"] == 3
    assert counts["cases_distinct"]["multilayer"] == 1
    assert counts["case_items"]["multilayer"] == 1
    assert counts["cases_distinct_total"] == 2  # A and B
    assert counts["case_items_total"] == 4

    desk_only = meeting_counts(june, end, agency=desk_agency)
    assert desk_only["held"]["case_conference"] == 0 and desk_only["held_total"] == 4


def test_future_meetings_are_not_yet_held(desk, desk_agency):
    today = timezone.localdate()
    MeetingFactory(
        chair=desk, organising_agency=desk_agency, starts_at=timezone.now() + dt.timedelta(hours=2)
    )
    MeetingFactory(
        chair=desk, organising_agency=desk_agency, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    counts = meeting_counts(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    assert counts["held"]["support"] == 1


def test_counts_are_plain_dicts_when_empty(db):
    counts = meeting_counts(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert counts["held_total"] == 0 and counts["cases_distinct_total"] == 0
    assert set(counts["held"]) == set(MeetingKind.values)
    assert all(type(v) is dict for k, v in counts.items() if not k.endswith("total"))
