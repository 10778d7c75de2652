"""アウトリーチ pages: the permission matrix over every URL, what each persona sees and
does not see, forms and their errors, and list query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Case
from outreach import services
from outreach.choices import VisitResult
from outreach.models import ContactAttempt, OutreachTarget, VisitRecord
from tests.factories import HouseholdFactory
from tests.factories_outreach import OutreachTargetFactory, VisitCampaignFactory
from tests.pillars_helpers import (
    PERSONAS,
    as_personas,
    assert_error_beside,
    call,
    client_as,
    count_queries,
)

pytestmark = pytest.mark.django_db

DESK = {"desk", "coordinator", "manager"}
TARGET_SEERS = DESK | {"partner"}  # the desk and the assigned agency (the partner's)
WORKERS = TARGET_SEERS | {"outsider"}


def _ok(allowed, ok=200):
    return {p: (ok if p in allowed else 404) for p in PERSONAS if p != "anonymous"}


# (url name, method, which kwargs, who gets what)
MATRIX = [
    ("target_list", "get", None, _ok(WORKERS)),
    ("target_create", "get", None, _ok(WORKERS)),
    ("target_detail", "get", "target", _ok(TARGET_SEERS)),
    ("target_edit", "get", "target", _ok(TARGET_SEERS)),
    ("target_status", "post", "target", _ok(TARGET_SEERS)),  # empty form: re-rendered
    ("contact_add", "get", "target", _ok(TARGET_SEERS)),
    ("target_connect", "get", "target", _ok(TARGET_SEERS)),
    ("campaign_list", "get", None, _ok(WORKERS)),
    ("campaign_create", "get", None, _ok(DESK)),
    ("campaign_detail", "get", "campaign", _ok(TARGET_SEERS)),  # partner's agency visits
    ("campaign_edit", "get", "campaign", _ok(DESK)),
    ("campaign_add_households", "post", "campaign", _ok(DESK, 302)),
    ("campaign_make_targets", "post", "campaign", _ok(DESK, 302)),
    ("visit_edit", "get", "visit", _ok(TARGET_SEERS)),
]


def _url(name, which, target, campaign):
    kwargs = {
        None: {},
        "target": {"pk": target.pk},
        "campaign": {"pk": campaign.pk},
        "visit": {"pk": campaign.pk, "visit_pk": campaign.visits.first().pk},
    }[which]
    return reverse(f"outreach:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name, method, which, expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix(request, name, method, which, expected, target, campaign):
    """Every URL as every persona; pages answered to others show nothing of the target."""
    url = _url(name, which, target, campaign)
    for persona, response in as_personas(request, expected, lambda c: call(c, method, url)):
        if response.status_code == 200 and persona not in TARGET_SEERS:
            html = response.content.decode()
            assert "健太" not in html and target.concern not in html, (persona, url)


def test_a_target_assigned_elsewhere_is_hidden_from_the_partner(
    client_for, desk, desk_agency, partner, yamada
):
    hidden = OutreachTargetFactory(
        actor=desk, assigned_agency=desk_agency, household=yamada, concern="窓口だけが知る心配"
    )
    client = client_for(partner)
    assert client.get(reverse("outreach:target_detail", args=[hidden.pk])).status_code == 404
    html = client.get(reverse("outreach:target_list")).content.decode()
    assert "窓口だけが知る心配" not in html and "山田さん世帯" not in html


def test_list_shows_the_assigned_partner_its_targets(client_for, partner, target):
    html = client_for(partner).get(reverse("outreach:target_list")).content.decode()
    assert reverse("outreach:target_detail", args=[target.pk]) in html
    assert "山田 健太" in html


def test_detail_logs_the_read_and_hides_a_confidential_address(
    client_for, desk, partner, target, yamada
):
    from accounts.models import AccessLog
    from households.services import household_update

    household_update(actor=desk, household=yamada, is_address_confidential=True)
    html = (
        client_for(partner)
        .get(reverse("outreach:target_detail", args=[target.pk]))
        .content.decode()
    )
    assert "架空町本町1-2-3" not in html
    assert "（秘匿）" in html
    assert AccessLog.objects.filter(
        object_type="outreach.outreachtarget", person_id=target.person_id
    ).exists()


# ---------------------------------------------------------------- forms


def test_create_a_target_from_the_household_page(client_for, desk, desk_agency, yamada, kenta):
    client = client_for(desk)
    url = reverse("outreach:target_create") + f"?household={yamada.pk}"
    assert "山田さん世帯" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "person": kenta.pk,
            "source": "minsei",
            "concern": "夜も電気がついていない",
            "found_on": "R6.4.1",
            "assigned_agency": desk_agency.pk,
        },
    )
    target = OutreachTarget.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:target_detail", args=[target.pk])
    assert (target.household, target.person, target.found_on) == (
        yamada,
        kenta,
        dt.date(2024, 4, 1),
    )


def test_create_shows_errors_beside_the_fields(client_for, desk):
    response = client_for(desk).post(reverse("outreach:target_create"), {"found_on": "R99.1.1"})
    assert_error_beside(response, "concern", "気になることを入力してください。")
    assert_error_beside(response, "source", "把握の経路を選んでください。")
    assert_error_beside(
        response,
        "description",
        "世帯や人が分からないときは、分かっていること（手がかり）を入力してください。",
    )
    assert OutreachTarget.objects.count() == 0


def test_household_page_lists_its_targets_for_the_desk(client_for, desk, target, yamada):
    html = client_for(desk).get(reverse("households:detail", args=[yamada.pk])).content.decode()
    assert reverse("outreach:target_detail", args=[target.pk]) in html
    assert reverse("outreach:target_create") + f"?household={yamada.pk}" in html


def test_contact_and_status_through_the_pages(client_for, partner, target):
    client = client_for(partner)
    response = client.post(
        reverse("outreach:contact_add", args=[target.pk]),
        {"contacted_on": "", "method": "", "result": ""},
    )
    assert_error_beside(response, "result", "結果を入力してください。")
    assert_error_beside(response, "method", "方法を選んでください。")
    response = client.post(
        reverse("outreach:contact_add", args=[target.pk]),
        {
            "contacted_on": dt.date.today().isoformat(),
            "method": "phone",
            "result": "母親と話せた",
            "reached": "on",
        },
    )
    assert response.status_code == 302
    contact = ContactAttempt.objects.get()
    assert contact.reached and contact.staff == partner

    response = client.post(
        reverse("outreach:target_status", args=[target.pk]), {"to_status": "stopped"}
    )
    assert_error_beside(response, "note", "中断の理由を入力してください。")
    target.refresh_from_db()
    assert target.status == "attempting"
    client.post(reverse("outreach:target_status", args=[target.pk]), {"to_status": "building"})
    target.refresh_from_db()
    assert target.status == "building"


def test_connect_through_the_page_shows_on_the_case_timeline(
    client_for, desk, partner, target, kenta
):
    client = client_for(desk)
    url = reverse("outreach:target_connect", args=[target.pk])
    response = client.post(
        url, {"mode": "new", "title": "", "opened_on": dt.date.today().isoformat()}
    )
    assert_error_beside(response, "title", "ケース名を入力してください。")
    response = client.post(
        url,
        {
            "mode": "new",
            "title": "山田さん世帯（8050）",
            "principal": kenta.pk,
            "opened_on": dt.date.today().isoformat(),
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    html = client.get(response["Location"]).content.decode()
    assert "③ アウトリーチ" in html
    assert "対象として把握" in html
    assert reverse("outreach:target_detail", args=[target.pk]) in html
    # The partner (assigned agency) is not shared the case: 404, nothing leaks.
    assert client_for(partner).get(reverse("cases:case_detail", args=[case.pk])).status_code == 404


def test_contact_on_a_connected_target_is_a_support_record_once_on_the_timeline(
    client_for, desk, target, kenta
):
    target = services.target_connect_case(actor=desk, target=target, title="t", principal=kenta)
    client = client_for(desk)
    client.post(
        reverse("outreach:contact_add", args=[target.pk]),
        {
            "contacted_on": dt.date.today().isoformat(),
            "method": "visit",
            "result": "玄関先で会えた",
        },
    )
    html = client.get(reverse("cases:case_detail", args=[target.case_id])).content.decode()
    assert html.count("玄関先で会えた") == 1


# ---------------------------------------------------------------- 世帯訪問調査


def test_campaign_flow_through_the_pages(
    client_for, desk, desk_agency, partner, partner_agency, honmachi, yamada
):
    client = client_for(desk)
    response = client.post(
        reverse("outreach:campaign_create"),
        {
            "name": "本町区 令和6年度",
            "districts": [honmachi.pk],
            "starts_on": "R6.4.1",
            "ends_on": "R6.3.1",
            "visiting_agencies": [partner_agency.pk],
        },
    )
    assert_error_beside(response, "ends_on", "終了日は開始日より後にしてください。")
    response = client.post(
        reverse("outreach:campaign_create"),
        {
            "name": "本町区 令和6年度",
            "districts": [honmachi.pk],
            "starts_on": "R6.4.1",
            "ends_on": "R7.3.31",
            "visiting_agencies": [partner_agency.pk],
        },
    )
    visit = VisitRecord.objects.get(household=yamada)
    campaign = visit.campaign
    assert response["Location"] == reverse("outreach:campaign_detail", args=[campaign.pk])

    partner_client = client_for(partner)
    html = partner_client.get(
        reverse("outreach:campaign_detail", args=[campaign.pk])
    ).content.decode()
    assert "山田さん世帯" in html and "架空町本町1-2-3" in html
    url = reverse("outreach:visit_edit", args=[campaign.pk, visit.pk])
    response = partner_client.post(
        url, {"result": "concern", "visited_on": dt.date.today().isoformat()}
    )
    assert_error_beside(response, "note", "気になる点をメモに書いてください。")
    partner_client.post(
        url,
        {"result": "concern", "visited_on": dt.date.today().isoformat(), "note": "郵便物が山積み"},
    )
    visit.refresh_from_db()
    assert visit.result == VisitResult.CONCERN

    client = client_for(desk)
    response = client.post(reverse("outreach:campaign_make_targets", args=[campaign.pk]))
    assert response.status_code == 302
    target = OutreachTarget.objects.get()
    assert target.visit == visit and target.assigned_agency == partner_agency
    html = client.get(reverse("outreach:campaign_detail", args=[campaign.pk])).content.decode()
    assert reverse("outreach:target_detail", args=[target.pk]) in html


def test_visit_of_another_campaign_is_404(
    client_for, desk, partner_agency, honmachi, campaign, yamada
):
    other = VisitCampaignFactory(
        actor=desk, districts=[honmachi], visiting_agencies=[partner_agency]
    )
    visit = other.visits.get(household=yamada)
    response = client_for(desk).get(reverse("outreach:visit_edit", args=[campaign.pk, visit.pk]))
    assert response.status_code == 404


# ---------------------------------------------------------------- query counts


def _targets(n, desk, partner_agency, district):
    for i in range(n):
        OutreachTargetFactory(
            actor=desk,
            assigned_agency=partner_agency,
            description=f"手がかり{i}",
            district=district,
        )


@pytest.mark.parametrize("persona", ["desk", "partner"])
def test_target_list_query_count_does_not_grow(
    request, client, persona, desk, partner_agency, honmachi
):
    client = client_as(request, client, persona)
    url = reverse("outreach:target_list")
    _targets(2, desk, partner_agency, honmachi)
    small = count_queries(client, url)
    _targets(18, desk, partner_agency, honmachi)
    # session, user, roles (works_on_cases), is_desk_staff (partner: + agency_ids), the
    # paginator's COUNT, base.html's primary_agency, the district filter's choices, the
    # page of targets with household/person/district/agency/case joined, and the session
    # save (savepoint, update, release): the same for 2 and 20 rows.
    assert count_queries(client, url) == small


def test_campaign_list_query_count_does_not_grow(client_for, desk, partner_agency, honmachi):
    client = client_for(desk)
    url = reverse("outreach:campaign_list")
    for _ in range(2):
        VisitCampaignFactory(actor=desk, districts=[honmachi], visiting_agencies=[partner_agency])
    small = count_queries(client, url)
    for _ in range(18):
        VisitCampaignFactory(actor=desk, districts=[honmachi], visiting_agencies=[partner_agency])
    # session, user, roles, is_desk_staff, the paginator's COUNT, is_desk_staff (the
    # "register" button), primary_agency, the page with its three annotated counts, one
    # prefetch each for districts and visiting agencies, (no session save).
    assert count_queries(client, url) == small


def test_campaign_detail_query_count_does_not_grow(
    client_for, desk, desk_agency, partner_agency, honmachi
):
    for i in range(2):
        HouseholdFactory(
            registered_by_agency=desk_agency, actor=desk, district=honmachi, name=f"世帯A{i}"
        )
    campaign = VisitCampaignFactory(
        actor=desk, districts=[honmachi], visiting_agencies=[partner_agency]
    )
    client = client_for(desk)
    url = reverse("outreach:campaign_detail", args=[campaign.pk])
    small = count_queries(client, url)
    for i in range(18):
        HouseholdFactory(
            registered_by_agency=desk_agency, actor=desk, district=honmachi, name=f"世帯B{i}"
        )
    services.campaign_add_households(actor=desk, campaign=campaign)
    assert campaign.visits.count() == 20
    # session, user, roles, is_desk_staff, the campaign, the paginator's COUNT,
    # is_desk_staff (targets visible), the page of visit rows (household, district,
    # visitor, agency and target joined), the visible targets among them, the flagged
    # COUNT, is_desk_staff (buttons), primary_agency, districts, agencies, the session
    # save (3).
    assert count_queries(client, url) == small


def test_connecting_a_hidden_household_elsewhere_is_refused_beside_the_form(
    client_for, desk, partner, partner_agency, target, kenta, yamada
):
    """The assigned agency may not open (and lead) a case on a 住所秘匿 household the desk
    registered: the refusal comes back on the form, not as a 500, and no case is made."""
    from households import access as household_access
    from households import services as household_services

    household_services.household_update(actor=desk, household=yamada, is_address_confidential=True)
    # The partner sees the household (as through a share), not its whereabouts.
    household_access.grant_household(agency=partner_agency, household=yamada)
    response = client_for(partner).post(
        reverse("outreach:target_connect", args=[target.pk]),
        {
            "mode": "new",
            "title": "山田さん世帯",
            "principal": kenta.pk,
            "opened_on": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "住所秘匿の世帯のケースを開始できるのは" in response.content.decode()
    assert not Case.objects.exists()
    target.refresh_from_db()
    assert target.case_id is None
