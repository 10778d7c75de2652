"""Issue 19 on the case pages: consent recorded in place on the plan page, plans edited
without a silent return to 作成中, role rows added before the first save, the compact
assessment grid, and the case page's timeline first."""

import datetime as dt

import pytest
from django.urls import reverse

from cases import services
from cases.choices import PlanStatus
from cases.models import Assessment, AssessmentIssue, SupportPlan, SupportRecord
from households.models import Consent
from tests.auth_helpers import login_verified
from tests.cases.conftest import make_case
from tests.factories import ConsentFactory, PersonFactory


@pytest.fixture
def planned(desk, desk_agency, partner_agency):
    """A case whose draft plan gives the 地域包括 a role."""
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="同意")
    services.plan_update(
        actor=desk,
        plan=plan,
        roles=[
            {
                "concern": "介護",
                "agency": partner_agency,
                "method": "申請支援",
                "person": None,
                "due_on": None,
            }
        ],
    )
    plan.refresh_from_db()
    return case, person, plan


def _detail(case, plan):
    return reverse("cases:plan_detail", args=[case.pk, plan.pk])


def test_consents_are_told_apart_by_agencies_and_wareki(
    client, desk, planned, partner_agency, outsider_agency
):
    case, person, plan = planned
    for agency in (partner_agency, outsider_agency):  # same person, same day, same method
        ConsentFactory(person=person, agencies=[agency], recorded_by=desk)
    login_verified(client, desk)

    form = client.get(_detail(case, plan)).context["consent_form"]

    labels = [label for value, label in form.fields["consent"].choices if value]
    assert len(set(labels)) == 2
    assert any(partner_agency.name in label for label in labels)
    assert all("令和" in label and "-" not in label.split("共有先")[0] for label in labels)
    # The one covering the role agency is chosen already.
    chosen = Consent.objects.get(agencies=partner_agency)
    assert form.fields["consent"].initial == chosen.pk


def test_a_new_consent_is_recorded_from_the_plan_page(client, desk, planned, partner_agency):
    case, person, plan = planned
    login_verified(client, desk)
    response = client.post(
        reverse("cases:plan_consent_new", args=[case.pk, plan.pk]),
        {
            "nc-person": person.pk,
            "nc-agencies": [partner_agency.pk],
            "nc-purpose": "プランに基づく共有",
            "nc-method": "signed",
            "nc-obtained_on": "R6.4.1",
        },
    )
    assert response.status_code == 302 and response.url.endswith("#plan-approve")
    consent = Consent.objects.get()
    assert consent.person == person and list(consent.agencies.all()) == [partner_agency]
    assert consent.obtained_on == dt.date(2024, 4, 1)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONSENTED and plan.consent == consent


def test_a_refused_new_consent_saves_nothing(client, desk, desk_agency, planned, partner_agency):
    case, person, plan = planned
    stranger = PersonFactory(actor=desk)  # not of this household
    login_verified(client, desk)
    response = client.post(
        reverse("cases:plan_consent_new", args=[case.pk, plan.pk]),
        {
            "nc-person": stranger.pk,
            "nc-agencies": [partner_agency.pk],
            "nc-purpose": "共有",
            "nc-method": "signed",
            "nc-obtained_on": "R6.4.1",
        },
    )
    assert response.status_code == 200
    assert response.context["new_consent_form"].errors["person"]
    assert Consent.objects.count() == 0
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.consent is None


def test_a_consent_missing_a_role_agency_is_replaced_in_place(
    client, desk, planned, partner_agency, outsider_agency
):
    case, person, plan = planned
    narrow = ConsentFactory(person=person, agencies=[outsider_agency], recorded_by=desk)
    services.plan_record_consent(actor=desk, plan=plan, consent=narrow)
    login_verified(client, desk)

    page = client.get(_detail(case, plan))
    body = page.content.decode()
    assert page.context["consent_form"] is not None  # a control, not just a message
    assert reverse("cases:plan_consent_new", args=[case.pk, plan.pk]) in body
    assert reverse("cases:plan_approve", args=[case.pk, plan.pk]) not in body

    wide = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    client.post(
        reverse("cases:plan_consent", args=[case.pk, plan.pk]),
        {"consent": wide.pk, "consented_on": "R6.4.2"},
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONSENTED and plan.consent == wide


def _plan_post(plan, **overrides):
    data = {
        "version": plan.version,
        "person_wishes": plan.person_wishes,
        "goals": plan.goals,
        "review_on": "",
        # As the page sends it: every row it showed counts as initial.
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "1",
        "roles-0-concern": "介護",
        "roles-0-agency": plan.roles.get().agency_id,
        "roles-0-method": "申請支援",
    }
    data.update(overrides)
    return data


def test_saving_a_consented_plan_unchanged_keeps_its_consent(client, desk, planned, partner_agency):
    case, person, plan = planned
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    services.plan_record_consent(actor=desk, plan=plan, consent=consent)
    plan.refresh_from_db()
    login_verified(client, desk)
    client.post(reverse("cases:plan_edit", args=[case.pk, plan.pk]), _plan_post(plan))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONSENTED and plan.consent == consent


def test_changing_a_consented_plan_says_it_returned_to_draft(client, desk, planned, partner_agency):
    case, person, plan = planned
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    services.plan_record_consent(actor=desk, plan=plan, consent=consent)
    plan.refresh_from_db()
    login_verified(client, desk)
    edit = reverse("cases:plan_edit", args=[case.pk, plan.pk])
    assert "同意の記録が外れ" in client.get(edit).content.decode()  # said before saving

    response = client.post(edit, _plan_post(plan, goals="目標を変えた"), follow=True)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.consent is None
    assert "「作成中」に戻しました" in response.content.decode()


def test_a_new_plan_takes_more_role_rows_before_its_first_save(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="行追加")
    services.plan_close(actor=desk, plan=plan)  # make room for a new plan
    login_verified(client, desk)
    url = reverse("cases:plan_add", args=[case.pk])
    data = {
        "person_wishes": "家で暮らしたい",
        "goals": "安定",
        "review_on": "",
        "roles-TOTAL_FORMS": "3",
        "roles-INITIAL_FORMS": "0",
        "roles-0-concern": "介護",
        "roles-0-agency": desk_agency.pk,
        "roles-0-method": "申請",
        "add_role": "1",
    }
    before = SupportPlan.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200 and SupportPlan.objects.count() == before
    formset = response.context["formset"]
    assert len(formset.forms) == 4  # one more, what was typed kept
    assert formset.forms[0].initial["concern"] == "介護"
    body = response.content.decode()
    assert "家で暮らしたい" in body and 'aria-label="支援機関（4行目）"' in body


def test_assessment_grid_records_issues_per_person(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="課題")
    son = PersonFactory(household=case.household, actor=desk, family_name="佐藤", given_name="一郎")
    issues = list(AssessmentIssue.objects.filter(is_active=True)[:2])
    login_verified(client, desk)
    url = reverse("cases:assessment_add", args=[case.pk])
    body = client.get(url).content.decode()
    assert f'aria-label="佐藤 一郎：{issues[0].name}"' in body
    client.post(
        url,
        {
            "assessed_on": "R6.4.1",
            "household_overview": "8050の世帯",
            "issues": [issues[0].pk],
            f"issues_{son.pk}": [issues[0].pk, issues[1].pk],
            f"situation_{son.pk}": "就労していない",
        },
    )
    assessment = Assessment.objects.get()
    assert list(assessment.issues.all()) == [issues[0]]
    member = assessment.members.get(person=son)
    assert set(member.issues.all()) == set(issues)


def test_case_page_timeline_comes_first_and_dates_without_time(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="経過")
    from django.utils import timezone

    record = services.record_create(
        actor=desk,
        case=case,
        agency=desk_agency,
        occurred_at=timezone.make_aware(dt.datetime(2024, 5, 1)),
        kind="visit",
        narrative="日付だけの訪問",
    )
    login_verified(client, desk)
    body = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert body.index('id="timeline"') < body.index("基本情報")
    assert body.index('id="timeline"') < body.index("状況を変更")
    entry = body[body.index(f'id="tl-record-{record.pk}"') :][:300]
    assert "令和6年5月1日" in entry and "00:00" not in entry


def test_saving_a_record_lands_on_it(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="着地")
    login_verified(client, desk)
    response = client.post(
        reverse("cases:record_add", args=[case.pk]),
        {"occurred_on": "R6.5.1", "kind": "visit", "project": "2", "narrative": "訪問した"},
    )
    record = SupportRecord.objects.get(narrative="訪問した")
    assert response.url == reverse("cases:case_detail", args=[case.pk]) + f"#tl-record-{record.pk}"
