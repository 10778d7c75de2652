"""The household's array of its current members' name bigrams (households 0008, kept by
PostgreSQL triggers) stays right through every way a member's name or place is written,
and the kanji search answers what LIKE over the members' names answers, on PostgreSQL
(the array's GIN index) and SQLite (LIKE) alike."""

import datetime as dt
import re

import pytest
from django.db import connection

from households import access, selectors, services
from households.models import Household, HouseholdMembership, Person
from households.services_bulk import NewMember, person_add_to_household_bulk
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the array and its triggers are PostgreSQL's"
)


def bigrams(text: str) -> set[str]:
    return set(text) | {text[i : i + 2] for i in range(len(text) - 1)}


def assert_arrays_right():
    """Every household's stored array is the bigrams of its current members' names."""
    expected = {pk: set() for pk in Household.objects.values_list("pk", flat=True)}
    for membership in HouseholdMembership.objects.filter(until__isnull=True).select_related(
        "person"
    ):
        person = membership.person
        expected[membership.household_id] |= bigrams(person.family_name + person.given_name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, member_name_bigrams FROM households_household")
        stored = {pk: set(array) for pk, array in cursor.fetchall()}
    assert stored == expected


def found(user, q) -> set[int]:
    return {h.pk for h in selectors.household_search_page(user, q, per_page=1000).object_list}


def member(household, actor, family, given):
    return PersonFactory(household=household, actor=actor, family_name=family, given_name=given)


@pytest.fixture(params=["desk side", "partner side"])
def search_path(request, monkeypatch):
    """The desk's plan (matches first, each probed for visibility) and a partner's
    (its own households first)."""
    if request.param == "desk side":
        monkeypatch.setattr(access, "FEW_HOUSEHOLDS", 0)
    return request.param


@postgresql_only
def test_array_follows_renames_moves_ends_and_deletes(desk, desk_agency):
    a = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="甲世帯")
    b = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="乙世帯")
    hanako = member(a, desk, "山田", "花子")
    jiro = member(a, desk, "山田", "次郎")
    assert_arrays_right()

    services.person_update(actor=desk, person=hanako, family_name="森")  # a rename
    assert_arrays_right()

    membership = jiro.household_memberships.get(until__isnull=True)
    services.person_move(  # a move: a's array loses him, b's gains him
        actor=desk, membership=membership, to_household=b, relationship="子", on=dt.date.today()
    )
    assert_arrays_right()

    current = hanako.household_memberships.get(until__isnull=True)
    services.membership_update(actor=desk, membership=current, until=dt.date.today())  # ended
    assert_arrays_right()
    services.membership_update(actor=desk, membership=current, until=None)  # reopened
    assert_arrays_right()

    HouseholdMembership.objects.filter(person=hanako).delete()  # deleted
    hanako.delete()
    assert_arrays_right()

    # Writes that bypass the services: a QuerySet.update of names, and of the household
    # a membership points at.
    Person.objects.filter(pk=jiro.pk).update(given_name="三郎")
    assert_arrays_right()
    HouseholdMembership.objects.filter(person=jiro, until__isnull=True).update(household=a)
    assert_arrays_right()
    with connection.cursor() as cursor:
        cursor.execute("SELECT member_name_bigrams FROM households_household WHERE id = %s", [b.pk])
        assert cursor.fetchone()[0] == []


@postgresql_only
def test_array_follows_bulk_writes(desk, desk_agency):
    households = [
        HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name=f"世帯{n}")
        for n in range(3)
    ]
    members = [
        NewMember(
            household=households[n % 3],
            person=Person(
                family_name=family,
                given_name=given,
                family_name_kana="ヤマダ",
                given_name_kana="タロウ",
                birth_date=dt.date(1980, 1, 1),
            ),
            relationship="子",
            until=dt.date(2020, 3, 31) if n == 4 else None,  # a past member: not in the array
        )
        for n, (family, given) in enumerate(
            [("山田", "一"), ("佐藤", "二"), ("鈴木", "三"), ("高橋", "四"), ("田中", "五")]
        )
    ]
    person_add_to_household_bulk(actor=desk, agency=desk_agency, members=members)
    assert_arrays_right()
    HouseholdMembership.objects.filter(household=households[0]).update(until=dt.date.today())
    assert_arrays_right()
    HouseholdMembership.objects.filter(household=households[1]).delete()
    assert_arrays_right()


def test_search_follows_the_members(desk, desk_agency, search_path):
    a = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="甲世帯")
    b = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="乙世帯")
    hanako = member(a, desk, "山田", "花子")
    assert found(desk, "花子") == {a.pk}
    assert found(desk, "山田花子") == {a.pk}

    services.person_update(actor=desk, person=hanako, given_name="春子")
    assert found(desk, "花子") == set()
    assert found(desk, "春子") == {a.pk}

    membership = hanako.household_memberships.get(until__isnull=True)
    services.person_move(
        actor=desk, membership=membership, to_household=b, relationship="妻", on=dt.date.today()
    )
    assert found(desk, "春子") == {b.pk}  # a former member no longer finds a

    current = hanako.household_memberships.get(until__isnull=True)
    services.membership_update(actor=desk, membership=current, until=dt.date.today())
    assert found(desk, "春子") == set()


@pytest.mark.parametrize(
    "q",
    ["山田", "田中", "山田中", "田", "花子", "山田花子", "中花", "本町", "本町1", "木", "田 子"],
)
def test_search_answers_what_like_answers(desk, desk_agency, partner, search_path, q):
    """A small town searched both ways: the index's answer is LIKE's answer, including
    a term whose pairs are held by two different members (「山田中」 in a household of
    山田 and 田中) and a household whose former member alone matched."""
    names = [
        [("山田", "花子")],
        [("山田", "太郎"), ("田中", "一郎")],  # 山田中: both pairs, no member holds it
        [("田中", "花子")],
        [("木村", "中花")],
        [("佐藤", "次郎")],
    ]
    households = []
    for n, people in enumerate(names):
        h = HouseholdFactory(
            registered_by_agency=desk_agency, actor=desk, name=f"世帯{n}", address=f"本町{n}"
        )
        for family, given in people:
            member(h, desk, family, given)
        households.append(h)
    gone = member(households[4], desk, "山田", "中子")  # then leaves: matches no longer
    services.membership_update(
        actor=desk,
        membership=gone.household_memberships.get(until__isnull=True),
        until=dt.date.today(),
    )

    def like(h, term):
        people = [
            m.person.family_name + m.person.given_name
            for m in h.memberships.filter(until__isnull=True).select_related("person")
        ]
        return term in h.name or term in h.address or any(term in p for p in people)

    expected = {h.pk for h in households if all(like(h, t) for t in q.split())}
    assert found(desk, q) == expected
    assert found(partner, q) == set()  # nothing granted to the partner


@postgresql_only
def test_bulk_load_refreshes_each_household_by_its_own_index(desk_agency):
    """A load of thousands of memberships in one statement (seed_city's COPY, an
    import) refreshes each household through the membership table's household index.
    Before any ANALYZE, PostgreSQL took the partial index of every current membership
    (`one_current_household`) for a small one and read all of it once per household:
    a load's time grew with the square of its households (100,000: over ten minutes)."""
    n = 2000
    plans = []

    def keep(diagnostic):
        plans.append(diagnostic.message_primary or "")

    connection.ensure_connection()
    connection.connection.add_notice_handler(keep)
    try:
        with connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            for setting, value in [
                ("log_min_duration", "0"),
                ("log_nested_statements", "on"),
                ("log_level", "notice"),
            ]:
                cursor.execute(f"SET LOCAL auto_explain.{setting} = {value}")
            cursor.execute(
                "CREATE TEMP TABLE load_ids ON COMMIT DROP AS "
                "SELECT g AS n FROM generate_series(1, %s) g",
                [n],
            )
            cursor.execute(
                "INSERT INTO households_household (version, name, postal_code, address, "
                "phone, phone_digits, notes, is_address_confidential, created_at, "
                "registered_by_agency_id) SELECT 0, '山田' || n, '', '', '', '', '', false, "
                "now(), %s FROM load_ids",
                [desk_agency.pk],
            )
            cursor.execute(
                "INSERT INTO households_person (family_name, given_name, family_name_kana, "
                "given_name_kana, name_kana, sex, phone, mobile_phone, phone_digits, "
                "mobile_digits, email, has_care_certification, has_disability_certificate, "
                "receives_public_assistance, needs_interpreter, notes, created_at, "
                "registered_by_agency_id, version) SELECT '山田', '花子' || n, '', '', '', '', "
                "'', '', '', '', '', false, false, false, false, '', now(), %s, 0 "
                "FROM load_ids",
                [desk_agency.pk],
            )
            cursor.execute(
                "INSERT INTO households_householdmembership (relationship, until, "
                "household_id, person_id, version) "
                "SELECT '本人', NULL, h.id, p.id, 0 FROM "
                "(SELECT id, row_number() OVER (ORDER BY id) AS r FROM households_household) h "
                "JOIN (SELECT id, row_number() OVER (ORDER BY id) AS r FROM households_person) p "
                "ON p.r = h.r"
            )
            cursor.execute("SET LOCAL auto_explain.log_min_duration = -1")
    finally:
        connection.connection.remove_notice_handler(keep)
    refresh = [plan for plan in plans if "SET member_name_bigrams = n.bigrams" in plan]
    assert refresh, plans
    assert "one_current_household" not in refresh[0], refresh[0]
    assert re.search(r"Index Cond: \(household_id = x\.id\)", refresh[0]), refresh[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM households_household "
            "WHERE member_name_bigrams @> ARRAY['山田', '花子']"
        )
        assert cursor.fetchone()[0] == n
