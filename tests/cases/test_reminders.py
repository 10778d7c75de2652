"""Daily reminders, each kind with the clock moved (unittest.mock on timezone.now), once
per reminder and day, the digest mail (counts and a link, no personal data), ホーム and
the user's own setting."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from cases import reminders
from cases import services as case_services
from cases.choices import CaseStatus, PlanStatus
from cases.models import AgencyReminderSetting, Reminder, ReminderPreference
from referrals.models import Referral
from tests.factories_outreach import ContactAttemptFactory, OutreachTargetFactory
from tests.factories_referrals import (
    CASE_TITLE,
    PERSON_GIVEN,
    ReferralFactory,
    consent_for,
    make_case,
)

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: dt.date):
    """Move the clock to 9:00 (Tokyo) on day: timezone.now, and so localdate, answer it."""
    moment = dt.datetime.combine(day, dt.time(9, 0), tzinfo=TOKYO)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def run_on(day: dt.date) -> dict:
    with at(day):
        return reminders.cases_daily_reminders_task()


def kinds_for(user, day):
    return list(Reminder.objects.filter(recipient=user, day=day).values_list("kind", flat=True))


@pytest.fixture
def case_setup(desk, desk_agency):
    case, principal, son = make_case(desk=desk, desk_agency=desk_agency)
    return case, principal, son


def _activate_plan(case, desk, coordinator, review_on):
    plan = case.plans.get()
    consent = consent_for(case.case_persons.first().person, [case.lead_agency], actor=desk)
    case_services.plan_record_consent(actor=desk, plan=plan, consent=consent)
    case_services.plan_approve(actor=coordinator, plan=plan)
    plan.refresh_from_db()
    plan.status = PlanStatus.ACTIVE
    plan.review_on = review_on
    plan.save()
    return plan


def test_plan_review_reminds_the_lead_from_its_day_once_a_day(desk, coordinator, case_setup):
    case, *_ = case_setup
    today = dt.date.today()
    due = today + dt.timedelta(days=20)
    _activate_plan(case, desk, coordinator, due)
    run_on(due - dt.timedelta(days=1))
    assert Reminder.Kind.PLAN_REVIEW not in kinds_for(desk, due - dt.timedelta(days=1))
    first = run_on(due)
    second = run_on(due)  # the beat fired twice
    assert first["created"] >= 1 and second["created"] == 0
    rows = Reminder.objects.filter(recipient=desk, day=due, kind=Reminder.Kind.PLAN_REVIEW)
    assert rows.count() == 1
    row = rows.get()
    assert row.label == f"ケース#{case.pk}"
    assert row.link == reverse("cases:case_detail", args=[case.pk])


def test_a_closed_cases_plan_never_reminds(desk, coordinator, case_setup):
    case, *_ = case_setup
    due = dt.date.today() + dt.timedelta(days=5)
    _activate_plan(case, desk, coordinator, due)
    case_services.case_transition(
        actor=desk,
        case=case,
        to_status=CaseStatus.CLOSED,
        on=dt.date.today(),
        close_reason_kind="goal_reached",
        reason="目標を達成した",
    )
    run_on(due + dt.timedelta(days=1))
    assert Reminder.Kind.PLAN_REVIEW not in kinds_for(desk, due + dt.timedelta(days=1))


def test_consent_expiring_reminds_within_thirty_days(desk, desk_agency, case_setup):
    case, principal, _son = case_setup
    consent = consent_for(principal, [desk_agency], actor=desk)
    consent.expires_on = dt.date.today() + dt.timedelta(days=60)
    consent.save()
    early = dt.date.today() + dt.timedelta(days=29)
    run_on(early)
    assert Reminder.Kind.CONSENT_EXPIRING not in kinds_for(desk, early)
    near = dt.date.today() + dt.timedelta(days=31)
    run_on(near)
    assert kinds_for(desk, near).count(Reminder.Kind.CONSENT_EXPIRING) == 1


def test_referral_overdue_reminds_the_sender(desk, desk_agency, partner_agency, case_setup):
    case, principal, _son = case_setup
    consent = consent_for(principal, [desk_agency, partner_agency], actor=desk)
    referral = ReferralFactory(case=case, actor=desk, to_agency=partner_agency, consent=consent)
    due = referral.answer_due_on
    run_on(due)
    assert Reminder.Kind.REFERRAL_OVERDUE not in kinds_for(desk, due)
    run_on(due + dt.timedelta(days=1))
    row = Reminder.objects.get(recipient=desk, kind=Reminder.Kind.REFERRAL_OVERDUE)
    assert row.link == reverse("referrals:referral_detail", args=[referral.pk])
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_next_visit_reminds_on_its_day_until_a_later_contact(desk, desk_agency):
    target = OutreachTargetFactory(
        actor=desk, assigned_agency=desk_agency, description="川辺の一人暮らしの高齢者"
    )
    visit_on = dt.date.today() + dt.timedelta(days=10)
    ContactAttemptFactory(actor=desk, target=target, contacted_on=dt.date.today(), next_on=visit_on)
    run_on(visit_on - dt.timedelta(days=1))
    assert Reminder.Kind.NEXT_VISIT not in kinds_for(desk, visit_on - dt.timedelta(days=1))
    run_on(visit_on)
    row = Reminder.objects.get(recipient=desk, kind=Reminder.Kind.NEXT_VISIT)
    assert row.link == reverse("outreach:target_detail", args=[target.pk])
    # A later contact without a next date ends it.
    with at(visit_on):
        ContactAttemptFactory(actor=desk, target=target, contacted_on=visit_on)
    run_on(visit_on + dt.timedelta(days=1))
    assert Reminder.Kind.NEXT_VISIT not in kinds_for(desk, visit_on + dt.timedelta(days=1))


def test_stale_case_after_the_agencys_days(desk, desk_agency, case_setup):
    case, *_ = case_setup
    last = case.records.order_by("-occurred_at").first().occurred_at.astimezone(TOKYO).date()
    run_on(last + dt.timedelta(days=59))
    assert Reminder.Kind.STALE_CASE not in kinds_for(desk, last + dt.timedelta(days=59))
    run_on(last + dt.timedelta(days=60))  # the default: 60 days
    assert Reminder.Kind.STALE_CASE in kinds_for(desk, last + dt.timedelta(days=60))
    AgencyReminderSetting.objects.create(agency=desk_agency, stale_after_days=30)
    run_on(last + dt.timedelta(days=30))
    assert Reminder.Kind.STALE_CASE in kinds_for(desk, last + dt.timedelta(days=30))
    run_on(last + dt.timedelta(days=29))
    assert Reminder.Kind.STALE_CASE not in kinds_for(desk, last + dt.timedelta(days=29))


def test_digest_mail_holds_counts_and_a_link_only(desk, desk_agency, case_setup):
    case, principal, _son = case_setup
    desk.email = "desk@example.invalid"
    desk.save()
    ReminderPreference.objects.create(user=desk, email_digest=True)
    day = dt.date.today() + dt.timedelta(days=70)
    run_on(day)
    run_on(day)  # twice: one mail
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["desk@example.invalid"]
    assert "支援経過の記録がないケース：1件" in message.body
    for secret in (CASE_TITLE, PERSON_GIVEN, principal.family_name, case.household.name):
        assert secret not in message.body and secret not in message.subject


def test_no_digest_without_opting_in(desk, case_setup):
    desk.email = "desk@example.invalid"
    desk.save()
    run_on(dt.date.today() + dt.timedelta(days=70))
    assert Reminder.objects.filter(recipient=desk).exists()
    assert mail.outbox == []


def test_home_lists_todays_reminders(client_for, desk, case_setup):
    case, *_ = case_setup
    today = dt.date.today() + dt.timedelta(days=70)
    run_on(today)
    with at(today):
        html = client_for(desk).get("/").content.decode()
    assert "今日のリマインダー" in html
    assert f"ケース#{case.pk}" in html


def test_user_opts_in_on_their_own_settings_page(client_for, desk):
    client = client_for(desk)
    url = reverse("cases:reminder_settings")
    assert "毎日のまとめをメールで受け取る" in client.get(url).content.decode()
    assert client.post(url, {"email_digest": "on"}).status_code == 302
    assert ReminderPreference.objects.get(user=desk).email_digest is True
    client.post(url, {})
    assert ReminderPreference.objects.get(user=desk).email_digest is False


def test_settings_page_is_not_for_the_administrator(client_for, admin_user):
    response = client_for(admin_user).get(reverse("cases:reminder_settings"))
    assert response.status_code == 404
    assert not ReminderPreference.objects.exists()


def test_beat_runs_the_daily_task():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["cases-daily-reminders"]
    assert entry["task"] == "cases.reminders.cases_daily_reminders_task"
