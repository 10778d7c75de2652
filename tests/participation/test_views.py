"""参加支援 pages: the permission matrix over every URL, who sees whose placements,
forms and errors, the case page panel and timeline, list query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from participation.models import HostDevelopment, Opportunity, Placement, PlacementFollowUp
from tests.factories_participation import (
    HostDevelopmentFactory,
    OpportunityFactory,
    PlacementFactory,
)
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
CASE_READERS = DESK | {"partner"}  # the case's records are shared with the partner's agency
WORKERS = CASE_READERS | {"outsider"}


def _ok(allowed, ok=200):
    return {p: (ok if p in allowed else 404) for p in PERSONAS if p != "anonymous"}


MATRIX = [
    ("opportunity_list", "get", None, _ok(WORKERS)),
    ("opportunity_create", "get", None, _ok(DESK)),
    ("opportunity_detail", "get", "opportunity", _ok(WORKERS)),
    ("opportunity_edit", "get", "opportunity", _ok(DESK)),
    ("host_log_list", "get", None, _ok(WORKERS)),
    ("host_log_create", "get", None, _ok(DESK)),
    ("host_log_detail", "get", "host_log", _ok(WORKERS)),
    ("host_log_edit", "get", "host_log", _ok(DESK)),
    ("placement_list", "get", None, _ok(WORKERS)),
    ("placement_create", "get", None, _ok(WORKERS)),  # the case picker
    ("placement_create", "get", "?case", _ok(CASE_READERS)),
    ("placement_create", "get", "?household", _ok(DESK)),
    ("placement_detail", "get", "placement", _ok(CASE_READERS)),
    ("placement_edit", "get", "placement", _ok(CASE_READERS)),
    ("placement_status", "post", "placement", _ok(CASE_READERS)),  # empty form re-rendered
    ("follow_up_add", "get", "placement", _ok(CASE_READERS)),
]


def _url(name, which, objs):
    if which is None:
        return reverse(f"participation:{name}")
    if which == "?case":
        return reverse(f"participation:{name}") + f"?case={objs['case'].pk}"
    if which == "?household":
        return reverse(f"participation:{name}") + f"?household={objs['case'].household_id}"
    return reverse(f"participation:{name}", args=[objs[which].pk])


@pytest.fixture
def objs(coordinator, case, library, placement):
    return {
        "case": case,
        "opportunity": library,
        "placement": placement,
        "host_log": HostDevelopmentFactory(actor=coordinator, opportunity=library),
    }


@pytest.mark.parametrize(
    "name, method, which, expected", MATRIX, ids=[f"{m[0]}{m[2] or ''}" for m in MATRIX]
)
def test_permission_matrix(request, name, method, which, expected, objs):
    """Every URL as every persona; pages answered to others never name the person."""
    url = _url(name, which, objs)
    for persona, response in as_personas(request, expected, lambda c: call(c, method, url)):
        if response.status_code == 200 and persona not in CASE_READERS:
            html = response.content.decode()
            assert "悠斗" not in html and "人の少ない時間帯" not in html, (persona, url)


def test_opportunity_page_lists_only_visible_placements(
    client_for, partner, outsider, library, placement
):
    url = reverse("participation:opportunity_detail", args=[library.pk])
    assert "斎藤 悠斗" in client_for(partner).get(url).content.decode()
    html = client_for(outsider).get(url).content.decode()
    assert "町立図書館の配架ボランティア" in html and "斎藤 悠斗" not in html


def test_desk_only_placement_is_hidden_from_the_partner(client_for, desk, partner, yuto, library):
    hidden = PlacementFactory(actor=desk, person=yuto, opportunity=library)
    client = client_for(partner)
    assert (
        client.get(reverse("participation:placement_detail", args=[hidden.pk])).status_code == 404
    )
    assert (
        reverse("participation:placement_detail", args=[hidden.pk])
        not in client.get(reverse("participation:placement_list")).content.decode()
    )


def test_search_page(client_for, outsider, coordinator, library):
    OpportunityFactory(actor=coordinator, name="農作業体験", kind="agri_welfare", days=[0])
    client = client_for(outsider)
    html = client.get(reverse("participation:opportunity_list"), {"day": "1"}).content.decode()
    assert "町立図書館の配架ボランティア" in html and "農作業体験" not in html
    html = client.get(
        reverse("participation:opportunity_list"), {"kind": "agri_welfare"}
    ).content.decode()
    assert "町立図書館の配架ボランティア" not in html and "農作業体験" in html


def test_opportunity_form(client_for, coordinator, midori):
    client = client_for(coordinator)
    response = client.post(reverse("participation:opportunity_create"), {"capacity": "三"})
    assert_error_beside(response, "name", "名称を入力してください。")
    assert_error_beside(response, "host_name", "受入先を入力してください。")
    assert_error_beside(response, "capacity", "定員は数字で入力してください。")
    assert Opportunity.objects.count() == 0
    response = client.post(
        reverse("participation:opportunity_create"),
        {
            "name": "子ども食堂の調理ボランティア",
            "kind": "volunteer",
            "host_name": "NPO法人 架空子ども食堂",
            "district": midori.pk,
            "days": ["5"],
            "hours": "15:00〜19:00",
            "is_active": "on",
        },
    )
    opportunity = Opportunity.objects.get()
    assert response["Location"] == reverse(
        "participation:opportunity_detail", args=[opportunity.pk]
    )
    assert opportunity.day_list == [5]
    response = client.get(reverse("participation:opportunity_edit", args=[opportunity.pk]))
    assert 'value="5" id="id_days_5" checked' in response.content.decode()
    assert 'value="4" id="id_days_4" checked' not in response.content.decode()


def test_host_log_form(client_for, coordinator, library):
    client = client_for(coordinator)
    response = client.post(reverse("participation:host_log_create"), {"contacted_on": "R6.13.1"})
    assert response.status_code == 200
    assert_error_beside(response, "organisation", "相手先を入力してください。")
    assert HostDevelopment.objects.count() == 0
    response = client.post(
        reverse("participation:host_log_create"),
        {
            "contacted_on": dt.date.today().isoformat(),
            "organisation": "架空農園",
            "method": "hearing",
            "outcome": "accepting",
            "outcome_note": "週1回の受入れ可",
            "opportunity": library.pk,
        },
    )
    log = HostDevelopment.objects.get()
    assert response["Location"] == reverse("participation:host_log_detail", args=[log.pk])
    assert log.staff == coordinator


def test_place_follow_up_and_see_it_on_the_case(client_for, partner, case, yuto, library):
    client = client_for(partner)
    url = reverse("participation:placement_create") + f"?case={case.pk}&opportunity={library.pk}"
    html = client.get(url).content.decode()
    assert f'value="{library.pk}" selected' in html
    response = client.post(url, {"opportunity": library.pk, "coordinating_on": "", "person": ""})
    assert_error_beside(response, "person", "本人を選んでください。")
    response = client.post(
        url,
        {
            "opportunity": library.pk,
            "person": yuto.pk,
            "coordinating_on": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
            "note": "午前中なら通える",
        },
    )
    placement = Placement.objects.get()
    assert response["Location"] == reverse("participation:placement_detail", args=[placement.pk])

    response = client.post(
        reverse("participation:placement_status", args=[placement.pk]),
        {"to_status": "trial", "on": dt.date.today().isoformat()},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("participation:follow_up_add", args=[placement.pk]),
        {"followed_on": dt.date.today().isoformat(), "method": "visit", "note": "受入先と振り返り"},
    )
    assert response.status_code == 302
    assert PlacementFollowUp.objects.get().support_record is not None

    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "参加支援" in html
    assert reverse("participation:placement_detail", args=[placement.pk]) in html
    assert "体験開始：斎藤 悠斗 → 町立図書館の配架ボランティア" in html
    assert html.count("受入先と振り返り") == 1  # shown once, as the support record


def test_end_needs_a_reason_beside_the_field(client_for, desk, placement):
    response = client_for(desk).post(
        reverse("participation:placement_status", args=[placement.pk]),
        {"to_status": "ended", "on": dt.date.today().isoformat()},
    )
    assert_error_beside(response, "end_reason_kind", "終了の理由を選んでください。")
    placement.refresh_from_db()
    assert placement.status == "coordinating"


def test_case_panel_is_not_shown_to_a_summary_only_reader(
    client_for, desk, outsider, outsider_agency, case, placement
):
    from cases import sharing
    from cases.choices import GrantBasis, GrantScope

    sharing.grant(
        case=case,
        agency=outsider_agency,
        basis=GrantBasis.EXEMPTION,
        scope=GrantScope.SUMMARY,
        actor=desk,
        exemption_reason="life",
        note="安否確認のため",
    )
    response = client_for(outsider).get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "町立図書館の配架ボランティア" not in html


def test_household_panel_for_the_desk(client_for, desk, saito, placement):
    html = client_for(desk).get(reverse("households:detail", args=[saito.pk])).content.decode()
    assert reverse("participation:placement_detail", args=[placement.pk]) in html
    assert reverse("participation:placement_create") + f"?household={saito.pk}" in html


# ---------------------------------------------------------------- query counts


def test_opportunity_list_query_count_does_not_grow(client_for, outsider, coordinator, midori):
    client = client_for(outsider)
    url = reverse("participation:opportunity_list")
    for _ in range(2):
        OpportunityFactory(actor=coordinator, district=midori)
    small = count_queries(client, url)
    for _ in range(18):
        OpportunityFactory(actor=coordinator, district=midori)
    # session, user, roles, the paginator's COUNT, can_manage (roles cached), the district
    # choices, the page with district/host joined and the ongoing count annotated,
    # primary_agency, the session save (3).
    assert count_queries(client, url) == small


def test_host_log_list_query_count_does_not_grow(client_for, coordinator, library):
    client = client_for(coordinator)
    url = reverse("participation:host_log_list")
    for _ in range(2):
        HostDevelopmentFactory(actor=coordinator, opportunity=library)
    small = count_queries(client, url)
    for _ in range(18):
        HostDevelopmentFactory(actor=coordinator, opportunity=library)
    # session, user, roles, the paginator's COUNT, is_desk_staff, the page with staff,
    # host agency and opportunity joined, primary_agency, the session save (3).
    assert count_queries(client, url) == small


@pytest.mark.parametrize("persona", ["desk", "partner"])
def test_placement_list_query_count_does_not_grow(
    request, client, persona, desk, coordinator, case, yuto
):
    client = client_as(request, client, persona)
    url = reverse("participation:placement_list")

    def add(n):
        for _ in range(n):
            PlacementFactory(
                actor=desk,
                person=yuto,
                case=case,
                opportunity=OpportunityFactory(actor=coordinator),
            )

    add(2)
    small = count_queries(client, url)
    add(18)
    # session, user, roles, is_desk_staff, the paginator's COUNT (for the partner with
    # the case grant EXISTS inside), the page with person/opportunity/case/agency
    # joined, primary_agency, the session save (3).
    assert count_queries(client, url) == small
