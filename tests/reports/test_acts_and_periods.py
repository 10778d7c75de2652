"""Issue 15: the acts the statistics count take their own day (referral steps, plan
activation), a 繋ぎ is counted once, 実人数 counts the persons consulted about, scopes
are named for what they include, and a report can be asked for any period."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.choices import CasePersonRole, PlanStatus, RecordKind
from cases.models import SupportPlan, SupportRecord
from households import services as household_services
from households.models import HouseholdMembership
from intake import services as intake_services
from intake.choices import CameFrom, Channel, Outcome
from referrals import services as referral_services
from referrals.choices import ReferralStatus
from referrals.models import Referral, ReferralEvent
from reports import services as report_services
from reports.models import MonthlyReport
from reports.periods import ReportPeriod
from reports.statistics import monthly_statistics, period_statistics
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_intake import category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def opened(settings, tmp_path):
    settings.DESK_OPENED_ON = "2023-04-01"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(desk, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    person = PersonFactory(household=household, actor=desk)
    return case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="ケース",
        opened_on=dt.date(2024, 4, 1),
        persons=[(person, CasePersonRole.PRINCIPAL)],
    )


def _send(case, desk, partner_agency, sent_at):
    return referral_services.referral_send(
        actor=desk,
        case=case,
        to_agency=partner_agency,
        persons=[cp.person for cp in case.case_persons.all()],
        reason="理由",
        request="依頼",
        scope="summary",
        exemption_reason="life",
        exemption_note="生命の危険",
        sent_at=sent_at,
    )


def _aware(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# ---------------------------------------------------------------- referral steps


def test_a_referral_step_typed_later_keeps_its_day_and_is_counted_in_its_month(
    case, desk, partner, partner_agency
):
    referral = _send(case, desk, partner_agency, _aware(dt.date(2024, 4, 26)))
    referral_services.referral_accept(actor=partner, referral=referral, on=dt.date(2024, 5, 2))
    referral.refresh_from_db()
    assert timezone.localdate(referral.accepted_at) == dt.date(2024, 5, 2)
    assert timezone.localdate(referral.answered_at) == dt.date(2024, 5, 2)
    event = ReferralEvent.objects.get(referral=referral, to_status=ReferralStatus.ACCEPTED)
    assert timezone.localdate(event.at) == dt.date(2024, 5, 2)
    referral_services.referral_start(actor=partner, referral=referral, on=dt.date(2024, 5, 3))
    referral_services.referral_complete(actor=partner, referral=referral, on=dt.date(2024, 6, 1))
    referral.refresh_from_db()
    assert timezone.localdate(referral.ended_at) == dt.date(2024, 6, 1)

    # April: sent, not yet accepted on 4/30; May: accepted; June: completed.
    def progress(month):
        rows = monthly_statistics(month).tables["progress"].rows
        return {r.label: r.values[0] for r in rows if r.values[0]}

    assert progress(dt.date(2024, 4, 1)) == {"繋ぎ 送付": 1}
    assert progress(dt.date(2024, 5, 1)) == {"繋ぎ 受理": 1, "繋ぎ 対応開始": 1}
    assert progress(dt.date(2024, 6, 1)) == {"繋ぎ 完了": 1}
    april = monthly_statistics(dt.date(2024, 4, 1)).tables["referrals"].row("地域包括支援センター")
    may = period_statistics(ReportPeriod.for_range(dt.date(2024, 4, 1), dt.date(2024, 5, 31)))
    assert april.values[:2] == [1, 0]  # sent in April, accepted by 4/30: no
    assert may.tables["referrals"].row("地域包括支援センター").values[:2] == [1, 1]


def test_a_referral_step_refuses_a_future_day_or_one_before_the_previous_step(
    case, desk, partner, partner_agency
):
    referral = _send(case, desk, partner_agency, _aware(dt.date(2024, 4, 26)))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for day, message in [
        (tomorrow, "未来の日付は指定できません。"),
        (dt.date(2024, 4, 25), "前の手続きの日（令和6年4月26日）より前にはできません。"),
    ]:
        with pytest.raises(referral_services.ReferralRefused, match=message):
            referral_services.referral_accept(actor=partner, referral=referral, on=day)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.accepted_at is None
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


def test_the_answer_forms_take_a_day_and_show_a_wrong_one_beside_it(
    client_for, case, desk, partner, partner_agency
):
    referral = _send(case, desk, partner_agency, _aware(dt.date(2024, 4, 26)))
    client = client_for(partner)
    page = client.get(reverse("referrals:referral_detail", args=[referral.pk])).text
    assert "受理日" in page and "辞退日" in page

    url = reverse("referrals:referral_accept", args=[referral.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(url, {"accept-note": "", "accept-on": tomorrow.isoformat()})
    assert response.status_code == 200
    form = response.context["accept_form"]
    assert form.errors["on"] == ["未来の日付は入力できません。"]
    response = client.post(url, {"accept-note": "", "accept-on": "R6.4.20"})
    assert response.status_code == 200
    assert "より前にはできません" in response.context["accept_form"].errors["on"][0]
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT
    assert ReferralEvent.objects.filter(referral=referral).count() == 1

    response = client.post(
        reverse("referrals:referral_decline", args=[referral.pk]),
        {"decline-reason": "管轄外", "decline-on": "令和6年4月30日"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert timezone.localdate(referral.answered_at) == dt.date(2024, 4, 30)


def test_sending_takes_a_past_day(client_for, case, desk, partner_agency):
    person = case.case_persons.get().person
    consent = household_services.consent_record(
        actor=desk,
        person=person,
        agencies=[partner_agency],
        purpose="繋ぎ",
        method="signed",
        obtained_on=dt.date(2024, 4, 1),
    )
    response = client_for(desk).post(
        reverse("referrals:referral_new") + f"?case={case.pk}",
        {
            "to_agency": partner_agency.pk,
            "persons": [person.pk],
            "reason": "理由",
            "request": "依頼",
            "scope": "summary",
            "consent": consent.pk,
            "sent_on": "2024-05-07",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    referral = Referral.objects.get(case=case)
    assert timezone.localdate(referral.sent_at) == dt.date(2024, 5, 7)
    assert timezone.localdate(referral.support_record.occurred_at) == dt.date(2024, 5, 7)


# ---------------------------------------------------------------- plan activation


def _consented_plan(case, desk):
    person = case.case_persons.get().person
    consent = household_services.consent_record(
        actor=desk,
        person=person,
        agencies=[],
        purpose="プラン",
        method="signed",
        obtained_on=dt.date(2024, 4, 2),
    )
    plan = case_services.plan_create(actor=desk, case=case, person_wishes="希望", goals="目標")
    return case_services.plan_record_consent(
        actor=desk, plan=plan, consent=consent, consented_on=dt.date(2024, 4, 3)
    )


def test_a_plan_comes_into_force_on_the_day_given_and_is_counted_then(case, desk):
    plan = _consented_plan(case, desk)
    case_services.plan_approve(actor=desk, plan=plan, approved_on=dt.date(2024, 4, 10))
    plan.refresh_from_db()
    assert (plan.status, plan.activated_on) == (PlanStatus.ACTIVE, dt.date(2024, 4, 10))
    change = case.status_changes.order_by("-pk").first()
    assert (change.to_status, change.on) == ("supporting", dt.date(2024, 4, 10))
    april = monthly_statistics(dt.date(2024, 4, 1)).tables["progress"].row("支援プラン 実施開始")
    assert april.values == [1, 0, 1, 0, 1]


def test_plan_approval_refuses_a_future_day_beside_the_field(client_for, case, desk):
    plan = _consented_plan(case, desk)
    url = reverse("cases:plan_approve", args=[case.pk, plan.pk])
    page = client_for(desk).get(reverse("cases:plan_detail", args=[case.pk, plan.pk])).text
    assert "承認・実施開始日" in page
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_for(desk).post(url, {"on": tomorrow.isoformat()})
    assert response.status_code == 200
    assert response.context["approve_form"].errors["on"] == ["未来の日付は入力できません。"]
    response = client_for(desk).post(url, {"on": "2024-03-01"})  # before the case opened
    assert response.status_code == 200
    assert "開始日より後" in response.context["approve_form"].errors["on"][0]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONSENTED and plan.activated_on is None
    assert not SupportPlan.objects.filter(status=PlanStatus.ACTIVE).exists()

    response = client_for(desk).post(url, {"on": "R6.4.12"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.approved_on, plan.activated_on) == (
        PlanStatus.ACTIVE,
        dt.date(2024, 4, 12),
        dt.date(2024, 4, 12),
    )


def test_an_ending_or_reopening_may_not_go_back_before_the_previous_one(case, desk):
    case_services.case_transition(
        actor=desk, case=case, to_status="closed", on=dt.date(2024, 5, 1), close_reason_kind="other"
    )
    with pytest.raises(case_services.CaseRuleError, match="令和6年5月1日"):
        case_services.case_transition(
            actor=desk, case=case, to_status="supporting", on=dt.date(2024, 4, 20)
        )
    assert case.status_changes.count() == 2


# ---------------------------------------------------------------- 繋ぎ once


def test_a_hand_typed_referral_names_an_outside_agency(client_for, case, desk, partner_agency):
    url = reverse("cases:record_add", args=[case.pk])
    data = {"occurred_on": "2024-05-01", "kind": RecordKind.REFERRAL, "project": "2"}
    data["narrative"] = "繋いだ"
    client = client_for(desk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "繋いだ先（システムに登録されていない機関）"
        in response.context["form"].errors["referred_to"][0]
    )
    response = client.post(url, {**data, "referred_to": partner_agency.name})
    assert "システムに登録されている機関です" in response.context["form"].errors["referred_to"][0]
    assert not SupportRecord.objects.filter(kind=RecordKind.REFERRAL).exists()

    response = client.post(url, {**data, "referred_to": "隣町の架空NPO"})
    assert response.status_code == 302
    record = SupportRecord.objects.get(kind=RecordKind.REFERRAL)
    assert record.referred_to == "隣町の架空NPO"
    # The referral through the system writes its own record: two acts, two counts.
    _send(case, desk, partner_agency, _aware(dt.date(2024, 5, 1)))
    support = monthly_statistics(dt.date(2024, 5, 1)).tables["support"].row("繋ぎ")
    assert support.values[0] == 2


# ---------------------------------------------------------------- 実人数


def test_registering_a_household_at_intake_is_not_consulting_about_each_member(desk, desk_agency):
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)
    person = {"family_name": "千葉", "family_name_kana": "チバ", "given_name_kana": ""}
    consultation = intake_services.consultation_create(
        actor=desk,
        agency=desk_agency,
        received_at=_aware(dt.date(2024, 5, 10)),
        channel=Channel.PHONE,
        came_from=CameFrom.FAMILY,
        categories=[category("介護")],
        primary_category=category("介護"),
        summary="母の介護",
        outcome=Outcome.ONGOING,
        new_household={"name": "千葉さん世帯", "address": "", "phone": ""},
        new_persons=[
            {**person, "given_name": "母", "relationship": "head"},
            {**person, "given_name": "息子", "relationship": "child", "concerned": False},
            {**person, "given_name": "娘", "relationship": "child", "concerned": False},
        ],
    )
    assert HouseholdMembership.objects.filter(household=consultation.household).count() == 3
    assert [p.given_name for p in consultation.persons.all()] == ["母"]
    counts = monthly_statistics(dt.date(2024, 5, 1)).tables["counts"]
    assert counts.row("相談受付 延べ件数").values[0] == 1
    assert counts.row("相談受付 実人数").values[0] == 1  # was 3: everyone registered


def test_the_intake_form_asks_whom_the_consultation_is_about(client_for, desk):
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)
    page = client_for(desk).get(reverse("intake:consultation_new")).text
    assert "この人についての相談" in page


# ---------------------------------------------------------------- scopes and periods


def test_scopes_are_named_for_what_they_include(manager, desk_agency, partner_agency):
    everyone = MonthlyReport.objects.get(
        pk=report_services.report_request(actor=manager, month=dt.date(2024, 5, 1)).pk
    )
    own = report_services.report_request(
        actor=manager, month=dt.date(2024, 5, 1), agency=desk_agency
    )
    assert everyone.scope_label == "全機関"
    assert own.scope_label == desk_agency.name
    assert report_services.report_file_name(everyone, "pdf").endswith(
        "/monthly-2024-05-all-agencies.pdf"
    )
    assert report_services.report_file_name(own, "pdf").endswith(
        f"/monthly-2024-05-agency{desk_agency.pk}.pdf"
    )
    stats = monthly_statistics(dt.date(2024, 5, 1))
    assert stats.scope_label == "全機関"
    definitions = dict((term, text) for _k, term, text in stats.definitions())
    assert "全機関は、システムに登録されているすべての機関" in definitions["集計の範囲"]


@pytest.mark.parametrize(
    "data, kind, start, end, slug",
    [
        (
            {"kind": "month", "month": "2024-05"},
            "month",
            "2024-05-01",
            "2024-05-31",
            "monthly-2024-05",
        ),
        (
            {"kind": "quarter", "quarter": "2024-2"},
            "quarter",
            "2024-07-01",
            "2024-09-30",
            "quarterly-2024-q2",
        ),
        (
            {"kind": "fiscal_year", "fiscal_year": "2023"},
            "fiscal_year",
            "2023-04-01",
            "2024-03-31",
            "fiscal-2023",
        ),
        (
            {"kind": "range", "range_start": "R6.4.15", "range_end": "2024-06-10"},
            "range",
            "2024-04-15",
            "2024-06-10",
            "range-20240415-20240610",
        ),
    ],
)
def test_any_period_can_be_requested(client_for, manager, data, kind, start, end, slug):
    response = client_for(manager).post(
        reverse("reports:report_request"), {**data, "scope": "desk"}
    )
    assert response.status_code == 302, response.context["form"].errors
    report = MonthlyReport.objects.get()
    assert (report.period_kind, report.period_start.isoformat(), report.period_end.isoformat()) == (
        kind,
        start,
        end,
    )
    assert report_services.report_file_name(report, "xlsx").endswith(f"/{slug}-all-agencies.xlsx")


def test_the_request_form_refuses_periods_it_cannot_make(client_for, manager):
    client = client_for(manager)
    url = reverse("reports:report_request")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for data, field, message in [
        (
            {"kind": "range", "range_start": "2024-06-10", "range_end": "2024-04-01"},
            "range_end",
            "初日より後",
        ),
        (
            {"kind": "range", "range_start": "2024-06-10", "range_end": tomorrow.isoformat()},
            "range_end",
            "未来の日付",
        ),
        (
            {"kind": "range", "range_start": "2020-01-01", "range_end": "2020-12-31"},
            "range_end",
            "窓口の開設",
        ),
        ({"kind": "range", "range_start": "", "range_end": ""}, "range_start", "必須"),
        ({"kind": "quarter", "quarter": "2019-1"}, "quarter", "選べる四半期"),
    ]:
        response = client.post(url, {**data, "scope": "desk"})
        assert response.status_code == 200, data
        errors = response.context["form"].errors
        assert any(message in e for e in errors.get(field, [])), (data, errors)
    assert MonthlyReport.objects.count() == 0


def test_a_quarter_report_builds_its_documents(manager, django_capture_on_commit_callbacks):
    period = ReportPeriod.for_quarter(2024, 1)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(actor=manager, period=period)
    report.refresh_from_db()
    assert report.status == "done", report.error
    assert report.pdf.name.endswith("quarterly-2024-q1-all-agencies.pdf")
    stats = period_statistics(period)
    assert stats.title == "令和6年度 第1四半期（4月〜6月） 統計"
    assert [p.label for p in stats.periods] == [
        "当期",
        "前年同期",
        "年度累計",
        "前年度同期",
        "開設以来",
    ]
    assert [p.start.isoformat() for p in stats.periods] == [
        "2024-04-01",
        "2023-04-01",
        "2024-04-01",
        "2023-04-01",
        "2023-04-01",
    ]


def test_previous_year_columns_before_the_opening_are_left_out(settings):
    settings.DESK_OPENED_ON = "2024-02-01"
    stats = period_statistics(ReportPeriod.for_fiscal_year(2024))
    assert [p.key for p in stats.periods] == ["fiscal_year", "fiscal_year_prev", "since_opened"]
    assert stats.periods[1].start.isoformat() == "2024-02-01"  # the year before, from the opening
    stats = monthly_statistics(dt.date(2024, 5, 1))  # May 2023 lies before the opening
    assert [p.key for p in stats.periods] == ["month", "fiscal_year", "since_opened"]
    assert stats.omits_previous_year is True
    settings.DESK_OPENED_ON = "2023-04-01"
    assert monthly_statistics(dt.date(2024, 5, 1)).omits_previous_year is False
