"""The calendar (cases.calendar): entries of each kind from the registered providers,
who sees which (a partner never sees an entry of a case it cannot see), the week and
month pages, and the iCal feed behind a secret, revocable token that carries no
personal data."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from cases import calendar
from cases import services as case_services
from cases.choices import CaseStatus, PlanStatus
from cases.models import CalendarFeedToken
from cases.registry import calendar_entries
from tests.factories_meetings import MeetingFactory
from tests.factories_outreach import ContactAttemptFactory, OutreachTargetFactory
from tests.factories_referrals import (
    CASE_TITLE,
    PERSON_FAMILY,
    PERSON_GIVEN,
    ReferralFactory,
    consent_for,
    make_case,
)

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = dt.date.today()
MEETING_TITLE = "佐藤家の見守りについての検討"
MEETING_PLACE = "役場 第二会議室（秘）"
TARGET_DESCRIPTION = "川辺の一人暮らしの高齢者"


def frozen(day=TODAY, hour=9):
    moment = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TOKYO)
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def world(desk, desk_agency, coordinator, partner_agency):
    """One entry of each kind for the desk worker, within the coming four weeks."""
    case, principal, _son = make_case(desk=desk, desk_agency=desk_agency)
    plan = case.plans.get()
    consent = consent_for(principal, [desk_agency, partner_agency], actor=desk)
    case_services.plan_record_consent(actor=desk, plan=plan, consent=consent)
    case_services.plan_approve(actor=coordinator, plan=plan)
    plan.refresh_from_db()
    plan.status = PlanStatus.ACTIVE
    plan.review_on = TODAY + dt.timedelta(days=3)
    plan.save()
    target = OutreachTargetFactory(
        actor=desk, assigned_agency=desk_agency, description=TARGET_DESCRIPTION
    )
    visit_on = TODAY + dt.timedelta(days=2)
    ContactAttemptFactory(actor=desk, target=target, contacted_on=TODAY, next_on=visit_on)
    starts = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(14, 0), tzinfo=TOKYO)
    meeting = MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        title=MEETING_TITLE,
        place=MEETING_PLACE,
        starts_at=starts,
    )
    referral = ReferralFactory(case=case, actor=desk, to_agency=partner_agency, consent=consent)
    return {
        "case": case,
        "plan": plan,
        "target": target,
        "visit_on": visit_on,
        "meeting": meeting,
        "referral": referral,
    }


def _mine(user, days=40):
    return calendar_entries(user, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=days))


def test_one_entry_of_each_kind_dated_and_linked(desk, world):
    case, plan, target = world["case"], world["plan"], world["target"]
    meeting, referral = world["meeting"], world["referral"]
    got = {(e.kind, e.day, e.text, e.url) for e in _mine(desk)}
    assert got == {
        (
            "plan_review",
            plan.review_on,
            f"プラン評価 ケース#{case.pk}",
            reverse("cases:plan_detail", args=[case.pk, plan.pk]),
        ),
        (
            "visit",
            world["visit_on"],
            f"訪問 訪問対象#{target.pk}",
            reverse("outreach:target_detail", args=[target.pk]),
        ),
        (
            "meeting",
            TODAY + dt.timedelta(days=1),
            f"{meeting.get_kind_display()} 会議#{meeting.pk}",
            reverse("meetings:meeting_detail", args=[meeting.pk]),
        ),
        (
            "referral_due",
            referral.answer_due_on,
            f"繋ぎの回答期限 ケース#{case.pk}",
            reverse("referrals:referral_detail", args=[referral.pk]),
        ),
    }
    # Every link opens for the user (each page's own access check).
    client = Client()
    from tests.auth_helpers import login_verified

    login_verified(client, desk)
    for entry in _mine(desk):
        assert client.get(entry.url).status_code == 200, entry


def test_a_partner_never_sees_an_entry_of_a_case_it_cannot_see(
    desk, partner, outsider, manager, world
):
    """The partner agency holds the referral (sent to it) but not the case: it sees the
    answer deadline (its referrals list shows it) and nothing of the desk's plan,
    visit or meeting; an unrelated agency sees nothing at all."""
    for scope in ("mine", "agency"):
        partner_kinds = {
            e.kind
            for e in calendar_entries(partner, TODAY, TODAY + dt.timedelta(days=40), scope=scope)
        }
        assert partner_kinds <= {"referral_due"}
        assert not calendar_entries(outsider, TODAY, TODAY + dt.timedelta(days=40), scope=scope)
    # The desk's manager sees the agency's entries, not in "mine".
    agency = {
        e.kind
        for e in calendar_entries(manager, TODAY, TODAY + dt.timedelta(days=40), scope="agency")
    }
    assert {"plan_review", "visit", "meeting", "referral_due"} <= agency
    assert not calendar_entries(manager, TODAY, TODAY + dt.timedelta(days=40), scope="mine")


def test_a_closed_cases_plan_review_is_not_shown(desk, world):
    case_services.case_transition(
        actor=desk,
        case=world["case"],
        to_status=CaseStatus.CLOSED,
        close_reason_kind="goal_reached",
        reason="目標を達成した",
    )
    assert "plan_review" not in {e.kind for e in _mine(desk)}


def test_a_cancelled_meeting_and_an_answered_referral_leave_the_calendar(desk, partner, world):
    from meetings import services as meeting_services
    from referrals import services as referral_services

    meeting_services.meeting_cancel(actor=desk, meeting=world["meeting"], reason="台風のため")
    referral_services.referral_accept(actor=partner, referral=world["referral"])
    kinds = {e.kind for e in _mine(desk)}
    assert "meeting" not in kinds and "referral_due" not in kinds


def test_the_week_page(client_for, desk, world):
    """The week holding the meeting (tomorrow): Japanese weekday headers, today marked
    when in it, previous/next weeks from its Monday, entries by kind and number only."""
    day = TODAY + dt.timedelta(days=1)
    with frozen():
        html = client_for(desk).get(reverse("cases:calendar"), {"date": day}).content.decode()
    for weekday in "月火水木金土日":
        assert f">{weekday}</th>" in html
    monday = day - dt.timedelta(days=day.weekday())
    assert html.count('aria-current="date"') == (1 if monday <= TODAY else 0)
    assert f"date={monday - dt.timedelta(days=7)}" in html  # 前の週
    assert f"date={monday + dt.timedelta(days=7)}" in html  # 次の週
    in_week = [e for e in _mine(desk) if monday <= e.day < monday + dt.timedelta(days=7)]
    assert "meeting" in {e.kind for e in in_week}
    for entry in in_week:
        assert entry.url in html and entry.ref in html
    assert "14:00" in html
    for secret in (CASE_TITLE, PERSON_GIVEN, MEETING_TITLE, MEETING_PLACE, TARGET_DESCRIPTION):
        assert secret not in html


def test_today_is_marked_on_this_weeks_page(client_for, desk):
    with frozen():
        html = client_for(desk).get(reverse("cases:calendar")).content.decode()
    assert html.count('aria-current="date"') == 1


def test_the_month_page_covers_the_month_in_whole_weeks(client_for, desk, world):
    with frozen():
        response = client_for(desk).get(reverse("cases:calendar"), {"view": "month"})
    weeks = response.context["weeks"]
    assert weeks[0][0].date.weekday() == 0 and weeks[-1][-1].date.weekday() == 6
    in_month = [d.date for week in weeks for d in week if d.in_month]
    assert in_month[0] == TODAY.replace(day=1) and in_month[-1].month == TODAY.month
    shown = {e.uid for week in weeks for d in week for e in d.entries}
    expected = {e.uid for e in _mine(desk) if weeks[0][0].date <= e.day <= weeks[-1][-1].date}
    assert shown == expected
    assert f"{TODAY.month}月" in response.content.decode()


def test_bad_query_values_fall_back_instead_of_failing(client_for, desk):
    response = client_for(desk).get(
        reverse("cases:calendar"), {"view": "year", "scope": "all", "date": "2026-13-40"}
    )
    assert response.status_code == 200
    assert response.context["view"] == "week" and response.context["scope"] == "mine"


def test_the_calendar_is_for_case_workers_only(client_for, municipal, admin_user):
    for user in (municipal, admin_user):
        assert client_for(user).get(reverse("cases:calendar")).status_code == 404


# ---------------------------------------------------------------- the iCal feed


def _issue(client) -> str:
    """Issue a token on the settings page; the address is shown once."""
    response = client.post(reverse("cases:calendar_feed"), {"action": "issue"}, follow=True)
    html = response.content.decode()
    start = html.index("/calendar/ical/")
    url = html[start : html.index(".ics", start) + 4]
    again = client.get(reverse("cases:calendar_feed")).content.decode()
    assert url not in again  # shown once
    return url


def test_the_feed_is_valid_ical_without_personal_data(client_for, desk, world):
    url = _issue(client_for(desk))
    token = url.rsplit("/", 1)[-1].removesuffix(".ics")
    row = CalendarFeedToken.objects.get(user=desk)
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert row.last_used_at is None
    response = Client().get(url)  # no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    lines = body.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = body.replace("\r\n ", "")
    assert "VERSION:2.0" in unfolded and "PRODID:" in unfolded
    events = unfolded.split("BEGIN:VEVENT")[1:]
    assert len(events) == len(_mine(desk, days=calendar.FEED_FUTURE_DAYS))
    for event in events:
        assert "\r\nUID:" in event and "\r\nDTSTAMP:" in event and "\r\nDTSTART" in event
    target = world["target"]
    assert f"SUMMARY:訪問 訪問対象#{target.pk}" in unfolded
    assert f"SUMMARY:プラン評価 ケース#{world['case'].pk}" in unfolded
    household = world["case"].household
    secrets = [CASE_TITLE, PERSON_GIVEN, PERSON_FAMILY, "サトウ", "スミエ", household.name,
               MEETING_TITLE, MEETING_PLACE, TARGET_DESCRIPTION]  # fmt: skip
    secrets += [v for v in (household.address, household.phone) if v]
    for secret in secrets:
        assert secret not in unfolded, secret
    assert CalendarFeedToken.objects.get(user=desk).last_used_at is not None


def test_revoking_or_reissuing_the_token_ends_the_old_address(client_for, desk, world):
    client = client_for(desk)
    first = _issue(client)
    assert Client().get(first).status_code == 200
    second = _issue(client)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    client.post(reverse("cases:calendar_feed"), {"action": "revoke"})
    assert not CalendarFeedToken.objects.filter(user=desk).exists()
    assert Client().get(second).status_code == 404
    assert Client().get("/calendar/ical/not-a-token.ics").status_code == 404


def test_a_deactivated_users_feed_answers_404(client_for, admin_user, receiver_free_desk):
    user = receiver_free_desk
    url = _issue(client_for(user))
    assert Client().get(url).status_code == 200
    account_services.user_deactivate(actor=admin_user, user=user)
    assert Client().get(url).status_code == 404


@pytest.fixture
def receiver_free_desk(desk_agency):
    """A desk worker who leads no case (deactivation is refused otherwise)."""
    from accounts.choices import Role
    from tests.factories import staff

    return staff(desk_agency, Role.COUNSELOR, username="leaver", display_name="退職 七子")


def test_the_feed_settings_ask_for_the_password_again_when_stale(client_for, desk):
    from tests.auth_helpers import make_stale

    client = client_for(desk)
    make_stale(client)
    response = client.post(reverse("cases:calendar_feed"), {"action": "issue"})
    assert response.status_code == 302 and "reauth" in response["Location"]
    assert not CalendarFeedToken.objects.exists()


def test_the_feed_settings_refuse_a_bad_action(client_for, desk):
    response = client_for(desk).post(reverse("cases:calendar_feed"), {"action": "steal"})
    assert response.status_code == 200
    assert "操作を選び直してください。" in response.content.decode()
    assert not CalendarFeedToken.objects.exists()


def test_feed_fetches_are_rate_limited_per_address(client_for, desk):
    """Like the login: per client address, so guessing tokens is slow too."""
    from django.core.cache import cache
    from django.test import override_settings

    url = _issue(client_for(desk))
    cache.clear()
    with override_settings(RATELIMITS={"calendar_feed": "2/m"}):
        anonymous = Client()
        assert anonymous.get(url).status_code == 200
        assert anonymous.get("/calendar/ical/guess.ics").status_code == 404
        assert anonymous.get(url).status_code == 429
    cache.clear()


def test_the_month_page_runs_the_same_queries_for_1_and_3_of_each_kind(
    client_for, desk, desk_agency
):
    """One query per provider (plan reviews, visits, meetings, referral deadlines),
    however many entries: no query per entry."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(desk)

    def add_one(n):
        target = OutreachTargetFactory(
            actor=desk, assigned_agency=desk_agency, description=f"対象{n}"
        )
        ContactAttemptFactory(actor=desk, target=target, contacted_on=TODAY, next_on=TODAY)
        MeetingFactory(
            chair=desk,
            organising_agency=desk_agency,
            starts_at=dt.datetime.combine(TODAY, dt.time(10 + n), tzinfo=TOKYO),
        )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("cases:calendar"), {"view": "month", "date": TODAY})
        return len(ctx), response.context["count"]

    add_one(0)
    one, entries_one = count()
    add_one(1)
    add_one(2)
    three, entries_three = count()
    assert (entries_one, entries_three) == (2, 6)
    assert one == three


def test_a_next_visit_written_on_a_support_record_is_on_the_calendar(
    client_for, desk, desk_agency, partner, outsider, manager, world
):
    """次回訪問予定日 on a 支援経過: the writer's and the agency's calendar show 訪問 with
    the case number, linked to the record; a partner without the case's records and an
    unrelated agency do not; a closed case's visit leaves the calendar."""
    from tests.auth_helpers import login_verified

    case = world["case"]
    day = TODAY + dt.timedelta(days=5)
    client = client_for(desk)
    response = client.post(
        reverse("cases:record_add", args=[case.pk]),
        {
            "occurred_on": TODAY.isoformat(),
            "kind": "visit",
            "project": "2",
            "narrative": "自宅を訪問した。",
            "next_visit_on": day.isoformat(),
        },
    )
    assert response.status_code == 302
    record = case.records.get(narrative="自宅を訪問した。")
    assert record.next_visit_on == day
    entry = {
        (e.kind, e.text, e.url): e.day for e in _mine(desk) if e.uid == f"record-visit:{record.pk}"
    }
    url = reverse("cases:record_detail", args=[case.pk, record.pk])
    assert entry == {("visit", f"訪問 ケース#{case.pk}", url): day}
    agency = calendar_entries(manager, TODAY, TODAY + dt.timedelta(days=40), scope="agency")
    assert f"record-visit:{record.pk}" in {e.uid for e in agency}
    for user in (partner, outsider):
        for scope in ("mine", "agency"):
            uids = {
                e.uid
                for e in calendar_entries(user, TODAY, TODAY + dt.timedelta(days=40), scope=scope)
            }
            assert f"record-visit:{record.pk}" not in uids
    viewer = Client()
    login_verified(viewer, desk)
    assert viewer.get(url).status_code == 200

    case_services.case_transition(
        actor=desk,
        case=case,
        to_status=CaseStatus.CLOSED,
        close_reason_kind="goal_reached",
        reason="目標を達成した",
    )
    assert f"record-visit:{record.pk}" not in {e.uid for e in _mine(desk)}


def test_a_next_visit_not_after_the_record_is_refused_beside_the_field(client_for, desk, world):
    case = world["case"]
    before = case.records.count()
    response = client_for(desk).post(
        reverse("cases:record_add", args=[case.pk]),
        {
            "occurred_on": TODAY.isoformat(),
            "kind": "visit",
            "project": "2",
            "narrative": "訪問した。",
            "next_visit_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["next_visit_on"] == [
        "次回訪問予定日は、記録の日付より後の日にしてください。"
    ]
    assert case.records.count() == before
