"""Searching kanji names, addresses and case titles (common.textsearch): the same answers
on SQLite (LIKE) and PostgreSQL (GIN bigram indexes, then LIKE on the candidates), and a
partner's searches that start from its own households give what the desk-side walk gives.
test_explain.py proves the indexes are used; these tests prove what is found and hidden."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection

from cases import selectors as case_selectors
from cases import services as case_services
from cases.choices import CasePersonRole
from common import textsearch
from households import access, selectors
from households.access import grant_household
from households.models import Household
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def household(agency, actor, name, address, *, members=(), confidential=False):
    h = HouseholdFactory(
        registered_by_agency=agency,
        actor=actor,
        name=name,
        address=address,
        is_address_confidential=confidential,
    )
    for family, given, family_kana, given_kana in members:
        PersonFactory(
            household=h,
            actor=actor,
            family_name=family,
            given_name=given,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
            birth_date=dt.date(1970, 1, 1),
        )
    return h


def found(user, q) -> set[int]:
    return {h.pk for h in selectors.household_search_page(user, q).object_list}


@pytest.fixture(params=["gathered", "row by row"])
def search_path(request, monkeypatch):
    """Both ways a text search runs: the matches gathered from the indexes (a city's
    desk) and each visible household tested (a partner, or any small agency)."""
    if request.param == "gathered":
        monkeypatch.setattr(access, "FEW_HOUSEHOLDS", 0)
    return request.param


@pytest.fixture
def town(desk, desk_agency):
    return {
        "yamada": household(
            desk_agency, desk, "山田さん世帯", "架空町桜台2丁目1-1",
            members=[("山田", "花子", "ヤマダ", "ハナコ")],
        ),
        # 「山」 and 「田」 but not 「山田」: the bigram 「山田」 is not in it either.
        "yamamotoda": household(
            desk_agency, desk, "山本田さん世帯", "架空町東町3-3",
            members=[("山本田", "一郎", "ヤマモトダ", "イチロウ")],
        ),
        # Only a member's given name holds the term.
        "kimura": household(
            desk_agency, desk, "木村さん世帯", "架空町西町5-5",
            members=[("木村", "山田子", "キムラ", "ヤマダコ")],
        ),
        "hidden": household(
            desk_agency, desk, "佐藤さん世帯", "秘匿町桜台2丁目9-9",
            members=[("佐藤", "次郎", "サトウ", "ジロウ")], confidential=True,
        ),
    }  # fmt: skip


@pytest.mark.parametrize(
    "q, expected",
    [
        ("山田", {"yamada", "kimura"}),  # household name, a member's given name
        ("山田花子", {"yamada"}),  # family and given name written together
        ("花子", {"yamada"}),
        ("山本田", {"yamamotoda"}),
        ("桜台2丁目", {"yamada", "hidden"}),  # the desk leads the hidden household
        ("東町 山本", {"yamamotoda"}),  # every term must match
        ("村", {"kimura"}),  # one character: its own token
        ("田中", set()),
        ("町%", set()),  # LIKE wildcards are matched literally
    ],
)
def test_text_search_finds_by_name_member_and_address(desk, town, q, expected, search_path):
    assert found(desk, q) == {town[key].pk for key in expected}


def test_partner_finds_only_what_it_sees_and_no_hidden_address(desk, partner, partner_agency, town):
    assert found(partner, "山田") == set()  # nothing granted yet
    for key in ("yamada", "hidden"):
        grant_household(agency=partner_agency, household=town[key])
    assert found(partner, "山田") == {town["yamada"].pk}
    assert found(partner, "佐藤") == {town["hidden"].pk}  # the name is never hidden
    # 住所秘匿: the address search does not confirm where the hidden household lives.
    assert found(partner, "桜台2丁目") == {town["yamada"].pk}
    assert found(partner, "秘匿町") == set()
    grant_household(agency=partner_agency, household=town["hidden"], confidential=True)
    assert found(partner, "秘匿町") == {town["hidden"].pk}


def test_rows_written_in_bulk_are_found(desk, desk_agency, town, search_path):
    """The index is an expression of the row itself: a bulk insert (imports, seed_city)
    or a QuerySet.update is searchable at once, with no column to fill."""
    [bulk] = Household.objects.bulk_create(
        [
            Household(
                name="長谷川さん世帯", address="架空町港町7-7", registered_by_agency=desk_agency
            )
        ]
    )
    grant_household(agency=desk_agency, household=bulk)
    assert found(desk, "長谷川") == {bulk.pk}
    Household.objects.filter(pk=bulk.pk).update(address="架空町旭町8-8")
    assert found(desk, "旭町") == {bulk.pk}
    assert found(desk, "港町") == set()


def test_case_list_search_by_title_household_name_and_kana(desk, desk_agency, partner, town):
    def open_case(h, title):
        person = h.memberships.get().person
        return case_services.case_open(
            actor=desk,
            household=h,
            lead_agency=desk_agency,
            lead_staff=desk,
            title=title,
            persons=[(person, CasePersonRole.PRINCIPAL)],
        )

    debt = open_case(town["yamada"], "多重債務と家計の相談")
    care = open_case(town["kimura"], "介護の相談")

    def listed(user, q):
        return set(case_selectors.case_list(user, q=q, status="all").values_list("pk", flat=True))

    assert listed(desk, "債務") == {debt.pk}
    assert listed(desk, "相談") == {debt.pk, care.pk}
    assert listed(desk, "木村") == {care.pk}  # the household's name
    assert listed(desk, "きむら") == {care.pk}  # a person's ふりがな, from the start
    assert listed(desk, "むら") == set()
    assert listed(desk, "家計 多重") == {debt.pk}
    assert listed(partner, "相談") == set()  # the partner was given no case


@pytest.mark.parametrize("q", ["やま", "ヤマダ", "0902", "090-2"])
def test_partner_walk_from_its_households_pages_as_the_desk_walk_does(
    desk, desk_agency, partner, partner_agency, q
):
    """A partner's kana and phone searches start from its own households (PostgreSQL);
    the pages are those of the general walk, page after page."""
    for n in range(7):
        h = household(desk_agency, desk, f"世帯{n}", f"架空町{n}", members=[
            ("山田", f"太郎{n}", "ヤマダ", "タロウ"), ("山本", f"花子{n}", "ヤマモト", "ハナコ"),
        ])  # fmt: skip
        PersonFactory(household=h, actor=desk, mobile_phone=f"090-2{n}00-0000")
        if n % 2 == 0:
            grant_household(agency=partner_agency, household=h)

    def pages(user):
        out, after = [], ""
        while True:
            user.__dict__.pop("_sees_few_households", None)
            page = selectors.household_search_page(user, q, after=after, per_page=2)
            out.append([h.pk for h in page.object_list])
            if not page.next_params:
                return out
            after = page.next_params["after"]

    from_visible = pages(partner)
    with mock.patch.object(selectors, "sees_few_households", lambda user: False):
        walked = pages(partner)
    assert from_visible == walked
    assert sum(len(p) for p in walked) == 4  # the four granted households


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL function is PostgreSQL's")
@pytest.mark.parametrize("text", ["山田さん世帯", "架空町桜台2丁目1-1", "林", "", "ab"])
def test_the_sql_function_gives_the_tokens_a_query_looks_for(text):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {textsearch.FUNCTION}(%s)", [text])
        indexed = set(cursor.fetchone()[0])
    singles = set(text)
    pairs = {text[i : i + 2] for i in range(len(text) - 1)}
    assert indexed == singles | pairs
    if text:
        assert set(textsearch.tokens(text)) <= indexed
