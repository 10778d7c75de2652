import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import GrantScope
from cases.models import Case, PlanRole, SupportPlan, SupportRecord
from tests.auth_helpers import login_verified
from tests.cases.conftest import make_case
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory


def _make_cases(n, desk, desk_agency):
    for i in range(n):
        make_case(desk=desk, desk_agency=desk_agency, title=f"ケース{i}")


def _count(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["cases:case_list", "home"])
def test_list_query_count_is_constant(url_name, client, desk, desk_agency):
    # Queries: session, user, memberships (agency ids / roles), the count and the page
    # of cases with one EXISTS on the permission table, one prefetch of persons; the home
    # page adds one query per section. None of them grows with the number of cases.
    login_verified(client, desk)
    _make_cases(2, desk, desk_agency)
    client.get(reverse(url_name))  # warm per-process caches (sharing.sees_many_cases)
    small = _count(client, reverse(url_name))
    _make_cases(18, desk, desk_agency)
    large = _count(client, reverse(url_name))
    assert small == large


def test_case_page_query_count_does_not_grow_with_records(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="記録数")
    login_verified(client, desk)
    url = reverse("cases:case_detail", kwargs={"pk": case.pk})
    client.get(url)  # warm per-process caches (content types) so both sizes start equal
    small = _count(client, url)
    for i in range(60):  # more than one timeline page (cases.selectors.TIMELINE_PAGE)
        services.record_create(
            actor=desk,
            case=case,
            agency=desk_agency,
            occurred_at=timezone.now(),
            kind="visit",
            narrative=f"訪問{i}",
            persons=[person],
        )
    assert _count(client, url) == small


def test_record_form_errors_are_japanese_and_save_nothing(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="入力誤り")
    login_verified(client, desk)
    before = SupportRecord.objects.count()
    url = reverse("cases:record_add", kwargs={"pk": case.pk})
    cases = [
        (
            {"occurred_on": "2024-02-30", "kind": "phone", "project": "2", "narrative": "x"},
            "2024年2月30日という日付はありません",
        ),
        (
            {"occurred_on": "2999-01-01", "kind": "phone", "project": "2", "narrative": "x"},
            "未来の日付は入力できません",
        ),
        (
            {"occurred_on": "H32.1.1", "kind": "phone", "project": "2", "narrative": "x"},
            "平成は31年までです",
        ),
        (
            {"occurred_on": "R6.1.1", "kind": "phone", "project": "2", "narrative": ""},
            "内容を入力してください",
        ),
        (
            {"occurred_on": "R6.1.1", "kind": "", "project": "2", "narrative": "x"},
            "種別を選んでください",
        ),
        (
            {
                "occurred_on": "R6.1.1",
                "kind": "phone",
                "project": "2",
                "narrative": "x",
                "minutes": "abc",
            },
            "分単位の数字",
        ),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode(), message
    assert SupportRecord.objects.count() == before


def test_close_without_reason_shows_message(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="理由なし")
    login_verified(client, desk)
    response = client.post(
        reverse("cases:case_status", kwargs={"pk": case.pk}),
        {"to_status": "closed", "on": timezone.localdate().isoformat()},
    )
    assert "終結するには終結理由を選んでください" in response.content.decode()
    case.refresh_from_db()
    assert case.status != "closed"


def test_stale_case_edit_is_refused_with_what_changed(client, desk, coordinator, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="同時")
    case.refresh_from_db()
    login_verified(client, desk)
    form_version = case.version
    services.case_update(
        actor=coordinator, case=case, expected_version=form_version, risk_level="high"
    )
    response = client.post(
        reverse("cases:case_edit", kwargs={"pk": case.pk}),
        {
            "title": "上書き",
            "lead_agency": desk_agency.pk,
            "lead_staff": desk.pk,
            "risk_level": "low",
            "summary": "",
            "version": form_version,
        },
    )
    body = response.content.decode()
    assert (
        response.status_code == 200 and "推進 一郎さんが保存しました" in body and "リスク" in body
    )
    case.refresh_from_db()
    assert case.title == "同時" and case.risk_level == "high"


def test_plan_approve_without_consent_via_view(client, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="未同意")
    login_verified(client, desk)
    response = client.post(
        reverse("cases:plan_approve", kwargs={"pk": case.pk, "plan_pk": plan.pk}), follow=True
    )
    assert "本人同意が記録されていないプランは承認できません" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_plan_form_creates_roles_and_timeline_shows_everything(
    client, desk, desk_agency, partner_agency
):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    person = PersonFactory(household=household, actor=desk)
    login_verified(client, desk)
    response = client.post(
        reverse("cases:case_open") + f"?household={household.pk}",
        {
            "household": household.pk,
            "title": "山田さん世帯の支援",
            "opened_on": "R6.4.1",
            "lead_staff": desk.pk,
            "risk_level": "medium",
            "principal": person.pk,
        },
    )
    case = Case.objects.get(title="山田さん世帯の支援")
    assert response.status_code == 302
    response = client.post(
        reverse("cases:plan_add", kwargs={"pk": case.pk}),
        {
            "person_wishes": "仕事をしたい",
            "goals": "就労",
            "review_on": "",
            "roles-TOTAL_FORMS": "3",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
            "roles-0-concern": "介護",
            "roles-0-agency": partner_agency.pk,
            "roles-0-method": "サービス調整",
            "roles-1-concern": "家計",
            "roles-1-agency": desk_agency.pk,
            "roles-1-method": "家計相談",
            "roles-2-concern": "半端",
            "roles-2-agency": "",
            "roles-2-method": "",
        },
    )
    assert response.status_code == 200  # the half-filled row is refused
    assert "すべて入力してください" in response.content.decode()
    assert not SupportPlan.objects.filter(case=case).exists()
    response = client.post(
        reverse("cases:plan_add", kwargs={"pk": case.pk}),
        {
            "person_wishes": "仕事をしたい",
            "goals": "就労",
            "review_on": "",
            "roles-TOTAL_FORMS": "3",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
            "roles-0-concern": "介護",
            "roles-0-agency": partner_agency.pk,
            "roles-0-method": "サービス調整",
            "roles-1-concern": "家計",
            "roles-1-agency": desk_agency.pk,
            "roles-1-method": "家計相談",
        },
    )
    plan = SupportPlan.objects.get(case=case)
    assert PlanRole.objects.filter(plan=plan).count() == 2
    client.post(
        reverse("cases:record_add", kwargs={"pk": case.pk}),
        {
            "occurred_on": "R6.4.2",
            "occurred_time": "10:30",
            "kind": "visit",
            "project": "2",
            "narrative": "自宅を訪問した",
            "persons": [person.pk],
        },
    )
    body = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert "自宅を訪問した" in body and "第1版" in body and "受付" in body


def test_share_view_refuses_without_consent(client, desk, desk_agency, partner_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="共有画面")
    login_verified(client, desk)
    response = client.post(
        reverse("cases:case_share", kwargs={"pk": case.pk}),
        {"agency": partner_agency.pk, "scope": GrantScope.RECORDS},
    )
    assert "本人同意を選ぶか、法令上の例外の根拠を選んでください" in response.content.decode()
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    response = client.post(
        reverse("cases:case_share", kwargs={"pk": case.pk}),
        {"agency": partner_agency.pk, "scope": GrantScope.RECORDS, "consent": consent.pk},
    )
    assert response.status_code == 302
