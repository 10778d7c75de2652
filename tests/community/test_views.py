"""地域づくり pages: the permission matrix over every URL, the district pages showing
counts and never names, forms and errors, list query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.services import case_open
from community.models import ActivityLog, CommunityIssue, CommunityResource
from tests.factories import DistrictFactory, HouseholdFactory, PersonFactory
from tests.factories_community import (
    ActivityLogFactory,
    CommunityIssueFactory,
    CommunityResourceFactory,
)
from tests.factories_outreach import OutreachTargetFactory
from tests.pillars_helpers import (
    PERSONAS,
    as_personas,
    assert_error_beside,
    call,
    count_queries,
)

pytestmark = pytest.mark.django_db

DESK = {"desk", "coordinator", "manager"}
WORKERS = DESK | {"partner", "outsider"}
RECORDER = DESK | {"partner"}  # the partner logged the activity


def _ok(allowed, ok=200):
    return {p: (ok if p in allowed else 404) for p in PERSONAS if p != "anonymous"}


MATRIX = [
    ("district_list", "get", None, _ok(WORKERS)),
    ("district_detail", "get", "district", _ok(WORKERS)),
    ("resource_list", "get", None, _ok(WORKERS)),
    ("resource_create", "get", None, _ok(DESK)),
    ("resource_detail", "get", "resource", _ok(WORKERS)),
    ("resource_edit", "get", "resource", _ok(DESK)),
    ("activity_add", "get", "resource", _ok(WORKERS)),
    ("activity_list", "get", None, _ok(WORKERS)),
    ("activity_detail", "get", "activity", _ok(WORKERS)),
    ("activity_edit", "get", "activity", _ok(RECORDER)),
    ("issue_list", "get", None, _ok(WORKERS)),
    ("issue_create", "get", None, _ok(DESK)),
    ("issue_detail", "get", "issue", _ok(WORKERS)),
    ("issue_edit", "get", "issue", _ok(DESK)),
    ("issue_status", "post", "issue", _ok(DESK)),  # empty form re-rendered
    ("issue_action_add", "post", "issue", _ok(DESK)),
]


@pytest.fixture
def objs(salon, activity, issue, honmachi):
    return {"district": honmachi, "resource": salon, "activity": activity, "issue": issue}


@pytest.fixture
def open_case_in_honmachi(desk, desk_agency, partner_agency, honmachi):
    """Personal data in the district that its pages must count but never name."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, name="小林さん世帯", district=honmachi
    )
    person = PersonFactory(household=household, actor=desk, family_name="小林", given_name="正")
    case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="小林さんの支援",
    )
    OutreachTargetFactory(
        actor=desk, assigned_agency=partner_agency, person=person, concern="ごみ屋敷の心配"
    )
    return household


@pytest.mark.parametrize("name, method, which, expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix(request, name, method, which, expected, objs, open_case_in_honmachi):
    """Every URL as every persona; no community page names a person or a case."""
    kwargs = {"pk": objs[which].pk} if which else {}
    url = reverse(f"community:{name}", kwargs=kwargs)
    for persona, response in as_personas(request, expected, lambda c: call(c, method, url)):
        if response.status_code == 200:
            html = response.content.decode()
            for secret in ("小林", "ごみ屋敷", "小林さんの支援"):
                assert secret not in html, (persona, url, secret)


def test_district_pages_show_where_support_is_thin(
    client_for, outsider, honmachi, salon, activity, open_case_in_honmachi
):
    DistrictFactory(name="山手区", code="10")
    client = client_for(outsider)
    html = client.get(reverse("community:district_list")).content.decode()
    assert "支援につながっていないアウトリーチ対象" in html
    assert reverse("community:district_detail", args=[honmachi.pk]) in html
    html = client.get(reverse("community:district_detail", args=[honmachi.pk])).content.decode()
    counts = html.split('id="district-counts"')[1].split("</dl>")[0]
    assert "<dt>継続中のケース</dt><dd>1</dd>" in counts
    assert "<dt>支援につながっていないアウトリーチ対象</dt><dd>1</dd>" in counts
    assert "本町ふれあいサロン" in html
    assert "多世代" in html  # children, middle-aged and elderly at the same サロン


def test_resource_form(client_for, desk, honmachi):
    client = client_for(desk)
    response = client.post(
        reverse("community:resource_create"),
        {"kind": "salon", "started_on": "R6.4.1", "ended_on": "R6.3.1"},
    )
    assert_error_beside(response, "name", "名称を入力してください。")
    assert_error_beside(response, "organiser", "運営者を入力してください。")
    assert_error_beside(response, "ended_on", "終了日は開始日より後にしてください。")
    assert CommunityResource.objects.count() == 0
    response = client.post(
        reverse("community:resource_create"),
        {
            "name": "みんなの子ども食堂",
            "kind": "kodomo_shokudo",
            "district": honmachi.pk,
            "organiser": "NPO法人 架空",
            "schedule": "毎週金曜 17時〜",
        },
    )
    resource = CommunityResource.objects.get()
    assert response["Location"] == reverse("community:resource_detail", args=[resource.pk])


def test_activity_form_and_district_page(client_for, outsider, salon, honmachi):
    client = client_for(outsider)
    url = reverse("community:activity_add", args=[salon.pk])
    response = client.post(
        url,
        {
            "held_on": dt.date.today().isoformat(),
            "children": "-1",
            "youth": "0",
            "middle_aged": "0",
            "elderly": "0",
            "volunteers": "0",
        },
    )
    assert_error_beside(response, "children", "人数は0以上の整数で入力してください。")
    response = client.post(
        url,
        {
            "held_on": dt.date.today().isoformat(),
            "children": "0",
            "youth": "0",
            "middle_aged": "0",
            "elderly": "0",
            "volunteers": "0",
        },
    )
    assert "参加者の人数を、年代のどれかに1人以上入力してください。" in response.content.decode()
    assert ActivityLog.objects.count() == 0
    response = client.post(
        url,
        {
            "held_on": dt.date.today().isoformat(),
            "children": "6",
            "youth": "1",
            "middle_aged": "0",
            "elderly": "9",
            "volunteers": "4",
            "note": "昔遊び",
        },
    )
    assert response["Location"] == reverse("community:resource_detail", args=[salon.pk])
    html = client.get(reverse("community:district_detail", args=[honmachi.pk])).content.decode()
    assert html.split('id="recent-activities"')[1].count("本町ふれあいサロン") == 1


def test_issue_form_and_status(client_for, desk, honmachi):
    client = client_for(desk)
    response = client.post(
        reverse("community:issue_create"),
        {"case_count": "-2", "raised_on": dt.date.today().isoformat()},
    )
    assert_error_beside(response, "title", "課題を入力してください。")
    assert_error_beside(response, "case_count", "ケースの数は0以上の整数で入力してください。")
    assert CommunityIssue.objects.count() == 0
    client.post(
        reverse("community:issue_create"),
        {
            "title": "制度の狭間: 18歳以上のひきこもり",
            "description": "d",
            "source": "cases",
            "case_count": "5",
            "raised_on": dt.date.today().isoformat(),
        },
    )
    issue = CommunityIssue.objects.get()
    response = client.post(
        reverse("community:issue_status", args=[issue.pk]), {"to_status": "", "on": ""}
    )
    assert_error_beside(response, "to_status", "新しい状況を選んでください。")
    client.post(
        reverse("community:issue_status", args=[issue.pk]),
        {"to_status": "resolved", "on": dt.date.today().isoformat(), "note": "居場所を開設"},
    )
    issue.refresh_from_db()
    assert issue.status == "resolved" and issue.actions.get().description == "居場所を開設"


# ---------------------------------------------------------------- query counts


def test_district_list_query_count_does_not_grow(client_for, desk, desk_agency, partner_agency):
    client = client_for(desk)
    url = reverse("community:district_list")

    def add(start, n):
        for i in range(start, start + n):
            district = DistrictFactory(name=f"第{i}区", code=f"{i:02d}")
            CommunityResourceFactory(actor=desk, district=district)
            household = HouseholdFactory(
                registered_by_agency=desk_agency, actor=desk, district=district
            )
            case_open(
                actor=desk, household=household, lead_agency=desk_agency, lead_staff=desk, title="t"
            )
            OutreachTargetFactory(actor=desk, assigned_agency=partner_agency, household=household)

    add(1, 2)
    small = count_queries(client, url)
    add(3, 18)
    # session, user, roles, the districts with four counting subqueries, one query per
    # registered district-count provider (outreach), primary_agency.
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    "url_name, make",
    [
        (
            "community:resource_list",
            lambda desk, salon, i: CommunityResourceFactory(actor=desk, district=salon.district),
        ),
        (
            "community:activity_list",
            lambda desk, salon, i: ActivityLogFactory(actor=desk, resource=salon),
        ),
        (
            "community:issue_list",
            lambda desk, salon, i: CommunityIssueFactory(actor=desk, district=salon.district),
        ),
    ],
)
def test_lists_query_count_does_not_grow(client_for, desk, salon, url_name, make):
    client = client_for(desk)
    url = reverse(url_name)
    for i in range(2):
        make(desk, salon, i)
    small = count_queries(client, url)
    for i in range(18):
        make(desk, salon, i)
    # session, user, roles, the paginator's COUNT, the filter form's district choices,
    # the page with its joins (resources: the last activity date as a subquery),
    # is_desk_staff where buttons depend on it, primary_agency.
    assert count_queries(client, url) == small


def test_resource_detail_query_count_does_not_grow(client_for, desk, salon):
    client = client_for(desk)
    url = reverse("community:resource_detail", args=[salon.pk])
    for _ in range(2):
        ActivityLogFactory(actor=desk, resource=salon)
    small = count_queries(client, url)
    for _ in range(18):
        ActivityLogFactory(actor=desk, resource=salon)
    # session, user, roles, the resource, the paginator's COUNT, the page of activities
    # with the recorder joined, is_desk_staff, primary_agency.
    assert count_queries(client, url) == small
