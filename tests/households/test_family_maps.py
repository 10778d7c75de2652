"""ジェノグラム and エコマップ: the graph (nodes and edges), the SVG drawn from it, the
household page's panel as each persona sees it, and the forms beside it."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.choices import GrantScope
from cases.family_maps import case_family_maps, household_genogram
from households import services
from households.choices import EcoTieKind, RelatedRelation, Relationship, Sex
from households.ecomap import EcoNode, render_ecomap_svg
from households.genogram import build_genogram, render_genogram_svg
from households.models import EcoMapTie, RelatedPerson
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2025, 6, 1)


def parse(svg: str):
    return ET.fromstring(str(svg))


def svg_nodes(root, cls="gg-node"):
    return {g.get("data-key"): g for g in root.iter(f"{SVG}g") if g.get("class") == cls}


def svg_couples(root):
    return {
        (g.get("data-kind"), g.get("data-from"), g.get("data-to"))
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "gg-edge"
    }


@pytest.fixture
def takahashi(desk_agency, desk):
    """The 8050 household: the mother (head) and her son live together; her late
    husband, the daughter who married out, the daughter's husband and son do not."""
    household = HouseholdFactory(name="高橋さん世帯", registered_by_agency=desk_agency)
    mother = PersonFactory(
        household=household, given_name="トメ", sex=Sex.FEMALE, birth_date=dt.date(1941, 3, 8)
    )
    son = PersonFactory(
        household=household,
        given_name="健一",
        sex=Sex.MALE,
        birth_date=dt.date(1971, 11, 2),
        relationship=Relationship.CHILD,
    )

    def add(label, relation, sex, born, **anchor):
        return services.related_person_add(
            actor=desk,
            household=household,
            relation=relation,
            label=label,
            sex=sex,
            birth_date=born,
            **anchor,
        )

    husband = add(
        "亡夫 正雄", RelatedRelation.SPOUSE, Sex.MALE, dt.date(1938, 6, 1), of_person=mother
    )
    husband.is_deceased = True
    husband.died_on = dt.date(2016, 2, 10)
    husband.save()
    daughter = add(
        "長女 由美", RelatedRelation.CHILD, Sex.FEMALE, dt.date(1966, 4, 18), of_person=mother
    )
    son_in_law = add(
        "夫 修", RelatedRelation.SPOUSE, Sex.MALE, dt.date(1964, 9, 9), of_related=daughter
    )
    grandson = add(
        "孫 翔", RelatedRelation.CHILD, Sex.MALE, dt.date(1994, 12, 5), of_related=daughter
    )
    return {
        "household": household,
        "mother": mother,
        "son": son,
        "husband": husband,
        "daughter": daughter,
        "son_in_law": son_in_law,
        "grandson": grandson,
    }


def keys(t):
    return {
        name: (f"p{obj.pk}" if name in ("mother", "son") else f"r{obj.pk}")
        for name, obj in t.items()
        if name != "household"
    }


def test_genogram_graph_has_three_generations_with_their_lines(takahashi):
    k = keys(takahashi)
    g = household_genogram(takahashi["household"], focus={takahashi["son"].pk})
    assert set(g.nodes) == set(k.values())
    assert g.generations == 3
    edges = set(g.edges())
    assert ("marriage", k["mother"], k["husband"]) in edges
    assert ("marriage", k["daughter"], k["son_in_law"]) in edges
    # Both children hang from the (late) couple, the grandson from the daughter's couple.
    for parent in ("mother", "husband"):
        assert ("child", k[parent], k["son"]) in edges
        assert ("child", k[parent], k["daughter"]) in edges
    assert ("child", k["daughter"], k["grandson"]) in edges
    assert ("child", k["son_in_law"], k["grandson"]) in edges
    assert len(edges) == 8
    assert [n.key for n in g.nodes.values() if n.in_household] == [k["mother"], k["son"]]
    assert g.nodes[k["husband"]].deceased
    assert g.nodes[k["husband"]].age == 77  # age at death
    assert g.nodes[k["son"]].focus and not g.nodes[k["mother"]].focus


def test_genogram_svg_draws_symbols_ages_and_boundary(takahashi):
    k = keys(takahashi)
    g = household_genogram(takahashi["household"], focus={takahashi["son"].pk})
    root = parse(render_genogram_svg(g))
    nodes = svg_nodes(root)
    assert set(nodes) == set(k.values())
    # □ for men, ○ for women; the person in focus is drawn twice (doubled).
    symbols = [r for r in nodes[k["son"]].findall(f"{SVG}rect") if r.get("class") != "gg-label-bg"]
    assert len(symbols) == 2
    assert len(nodes[k["mother"]].findall(f"{SVG}circle")) == 1
    assert len(nodes[k["daughter"]].findall(f"{SVG}circle")) == 1
    # The deceased is crossed; the living are not.
    assert nodes[k["husband"]].find(f"{SVG}path[@class='gg-deceased']") is not None
    assert nodes[k["mother"]].find(f"{SVG}path[@class='gg-deceased']") is None
    # The age is written inside the symbol.
    texts = [t.text for t in nodes[k["mother"]].iter(f"{SVG}text")]
    assert str(takahashi["mother"].age) in texts
    assert ("marriage", k["husband"], k["mother"]) in svg_couples(root) or (
        "marriage",
        k["mother"],
        k["husband"],
    ) in svg_couples(root)
    # Children are drawn below their parents.
    y = {key: float(n.find(f"{SVG}text").get("y")) for key, n in nodes.items()}
    assert y[k["mother"]] < y[k["son"]] < y[k["grandson"]]
    # One dashed line around the household (those who live together).
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "gg-household"]) == 1


def test_divorce_and_separation_are_marked(desk_agency, desk):
    household = HouseholdFactory(registered_by_agency=desk_agency)
    head = PersonFactory(household=household, sex=Sex.FEMALE)
    child = PersonFactory(household=household, relationship=Relationship.CHILD, sex=Sex.MALE)
    ex = services.related_person_add(
        actor=desk,
        household=household,
        of_person=head,
        relation=RelatedRelation.FORMER_SPOUSE,
        label="元夫",
        sex=Sex.MALE,
    )
    apart = services.related_person_add(
        actor=desk,
        household=household,
        of_person=child,
        relation=RelatedRelation.SEPARATED,
        label="妻",
        sex=Sex.FEMALE,
    )
    g = household_genogram(household)
    edges = set(g.edges())
    # The former husband becomes the child's other parent (the single parent's partner).
    assert ("divorce", f"p{head.pk}", f"r{ex.pk}") in edges
    assert ("child", f"r{ex.pk}", f"p{child.pk}") in edges
    assert ("separation", f"p{child.pk}", f"r{apart.pk}") in edges
    root = parse(render_genogram_svg(g))
    kinds = {kind for kind, _a, _b in svg_couples(root)}
    assert kinds == {"divorce", "separation"}


def test_genogram_without_names_shows_relationships_only(takahashi):
    g = household_genogram(takahashi["household"], show_names=False)
    svg = str(render_genogram_svg(g))
    assert "トメ" not in svg and "由美" not in svg
    assert "世帯主" in svg and "子（別居）" in svg


def test_genogram_escapes_labels(desk_agency, desk):
    household = HouseholdFactory(registered_by_agency=desk_agency)
    head = PersonFactory(household=household)
    services.related_person_add(
        actor=desk,
        household=household,
        of_person=head,
        relation=RelatedRelation.SIBLING,
        label="<script>x</script>",
        sex=Sex.UNKNOWN,
    )
    svg = str(render_genogram_svg(household_genogram(household)))
    assert "<script>" not in svg
    assert parse(svg) is not None


def test_build_genogram_of_an_empty_household_draws_nothing():
    g = build_genogram([], [], today=TODAY)
    assert g.nodes == {} and g.edges() == []
    assert parse(render_genogram_svg(g)).tag == f"{SVG}svg"


def test_ecomap_svg_nodes_and_ties():
    nodes = [
        EcoNode(key="agency:1", label="窓口", tie=EcoTieKind.SUPPORTIVE),
        EcoNode(key="agency:2", label="包括", tie=EcoTieKind.STRESSFUL),
        EcoNode(key="opportunity:3", label="居場所", kind="resource", tie=EcoTieKind.WEAK),
    ]
    root = parse(render_ecomap_svg(centre_label="高橋さん世帯", nodes=nodes))
    drawn = svg_nodes(root, "eco-node")
    assert set(drawn) == {"agency:1", "agency:2", "opportunity:3"}
    ties = {
        g.get("data-to"): g.get("data-tie")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "eco-edge"
    }
    assert ties == {"agency:1": "supportive", "agency:2": "stressful", "opportunity:3": "weak"}


# ---------------------------------------------------------------- pages


@pytest.fixture
def shared_case(takahashi, desk, desk_agency, partner_agency):
    """A case led by the desk, shared with the partner by the mother's consent."""
    household = takahashi["household"]
    case = case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="高橋さん世帯の支援",
        persons=[(takahashi["son"], "principal")],
    )
    consent = ConsentFactory(
        person=takahashi["mother"], agencies=[desk_agency, partner_agency], recorded_by=desk
    )
    case_services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
    )
    return case


def panel_svgs(html: str):
    start = html.index('id="family-maps"')
    chunk = html[start:]
    genogram = chunk[chunk.index("<svg") : chunk.index("</svg>") + 6]
    rest = chunk[chunk.index("</svg>") + 6 :]
    ecomap = rest[rest.index("<svg") : rest.index("</svg>") + 6]
    return parse(genogram), parse(ecomap)


def test_household_page_shows_genogram_and_ecomap_to_the_lead(
    client_for, desk, desk_agency, partner_agency, takahashi, shared_case
):
    response = client_for(desk).get(reverse("households:detail", args=[takahashi["household"].pk]))
    assert response.status_code == 200
    genogram, ecomap = panel_svgs(response.content.decode())
    assert len(svg_nodes(genogram)) == 6
    son = svg_nodes(genogram)[f"p{takahashi['son'].pk}"]
    assert son.get("data-focus") == "1"  # 本人 of the case
    assert set(svg_nodes(ecomap, "eco-node")) == {
        f"agency:{desk_agency.pk}",
        f"agency:{partner_agency.pk}",
    }


def test_partner_sees_only_its_own_agency_on_the_ecomap(
    client_for, partner, desk_agency, partner_agency, takahashi, shared_case
):
    response = client_for(partner).get(
        reverse("households:detail", args=[takahashi["household"].pk])
    )
    assert response.status_code == 200
    _genogram, ecomap = panel_svgs(response.content.decode())
    # RECORDS scope, not FULL: like the case page, only its own agency's access.
    assert set(svg_nodes(ecomap, "eco-node")) == {f"agency:{partner_agency.pk}"}


def test_outsider_cannot_open_the_household_or_add_to_it(client_for, outsider, takahashi):
    client = client_for(outsider)
    household = takahashi["household"]
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 404
    before = RelatedPerson.objects.count()
    response = client.post(
        reverse("households:related_add", args=[household.pk]),
        {
            "anchor": f"p:{takahashi['mother'].pk}",
            "relation": "father",
            "label": "父",
            "sex": "male",
        },
    )
    assert response.status_code == 404
    assert RelatedPerson.objects.count() == before


def test_related_person_is_added_and_drawn(client_for, desk, takahashi):
    client = client_for(desk)
    household = takahashi["household"]
    url = reverse("households:related_add", args=[household.pk])
    assert "誰の" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "anchor": f"p:{takahashi['son'].pk}",
            "relation": "sibling",
            "label": "次男 浩二",
            "sex": "male",
            "birth_date": "S50.1.5",
        },
    )
    assert response.status_code == 302
    added = RelatedPerson.objects.get(label="次男 浩二")
    assert added.of_person == takahashi["son"] and added.birth_date == dt.date(1975, 1, 5)
    g = household_genogram(household)
    assert ("sibling", f"p{takahashi['son'].pk}", f"r{added.pk}") not in g.edges()
    # A sibling of the son shares his parents.
    assert ("child", f"p{takahashi['mother'].pk}", f"r{added.pk}") in g.edges()


def test_related_person_bad_input_is_refused_beside_the_field(client_for, desk, takahashi):
    client = client_for(desk)
    household = takahashi["household"]
    before = RelatedPerson.objects.count()
    response = client.post(
        reverse("households:related_add", args=[household.pk]),
        {
            "anchor": "p:999999",
            "relation": "father",
            "label": "父",
            "sex": "male",
            "birth_date": "R99.1.1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "誰との関係かを一覧から選んでください。" in html
    assert RelatedPerson.objects.count() == before


def test_worker_sets_the_kind_of_line(client_for, desk, partner_agency, takahashi, shared_case):
    client = client_for(desk)
    household = takahashi["household"]
    url = reverse("households:eco_tie", args=[household.pk])
    response = client.post(url, {"node": f"agency:{partner_agency.pk}", "kind": "supportive"})
    assert response.status_code == 302
    tie = EcoMapTie.objects.get(household=household)
    assert (tie.node_key, tie.kind) == (f"agency:{partner_agency.pk}", "supportive")
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    _genogram, ecomap = panel_svgs(html)
    ties = {
        g.get("data-to"): g.get("data-tie")
        for g in ecomap.iter(f"{SVG}g")
        if g.get("class") == "eco-edge"
    }
    assert ties[f"agency:{partner_agency.pk}"] == "supportive"


def test_line_to_an_agency_not_on_the_map_is_refused(
    client_for, desk, outsider_agency, takahashi, shared_case
):
    client = client_for(desk)
    household = takahashi["household"]
    response = client.post(
        reverse("households:eco_tie", args=[household.pk]),
        {"node": f"agency:{outsider_agency.pk}", "kind": "stressful"},
        follow=True,
    )
    assert "この世帯のエコマップにない機関です" in response.content.decode()
    assert not EcoMapTie.objects.exists()


def test_case_family_maps_for_a_brief_reader_hide_names(partner, takahashi, shared_case):
    # The partner sees the case's summary: names shown.
    maps = case_family_maps(partner, shared_case)
    assert "トメ" in str(maps["genogram_svg"])


def test_case_family_maps_without_summary_hide_names(outsider, takahashi, shared_case):
    maps = case_family_maps(outsider, shared_case)
    svg = str(maps["genogram_svg"])
    assert "トメ" not in svg and "世帯主" in svg
    assert svg_nodes(parse(maps["ecomap_svg"]), "eco-node") == {}
