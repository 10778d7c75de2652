"""Import: a person the ledger lists in more than one household (a move, a household they
left) ends up in the households the ledger says, in any row order; a person judged the
same as a registered one (or an earlier row's) is never moved out of where they live."""

import datetime as dt

import pytest
from django.urls import reverse

from households.models import Household, HouseholdMembership, Person
from imports import services
from imports.models import BatchStatus, SourceKey
from tests.factories import HouseholdFactory, PersonFactory
from tests.imports.helpers import book_bytes, upload
from tests.imports.test_imports import commit

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(desk, manager, partner, categories, medical):
    return {"desk": desk, "manager": manager}


def member(hkey, name, pkey, **values):
    row = {
        "世帯キー": hkey,
        "世帯の呼び名": name,
        "世帯員キー": pkey,
        "姓": "山田",
        "名": "花子",
        "せい（ふりがな）": "やまだ",
        "めい（ふりがな）": "はなこ",
        "生年月日": "1960-06-01",
        "続柄": "世帯主",
    }
    row.update(values)
    return row


def memberships(person):
    return [
        (m.household.name, m.since, m.until)
        for m in HouseholdMembership.objects.filter(person=person)
        .select_related("household")
        .order_by("since", "pk")
    ]


def import_rows(rows, manager, capture, decisions=None):
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes({"households": rows})))
    assert batch.error_rows == 0, list(batch.rows.values_list("errors", flat=True))
    if decisions:
        services.batch_decide(
            actor=manager,
            batch=batch,
            decisions={batch.rows.get(key=key).pk: value for key, value in decisions.items()},
        )
    return commit(batch, manager, capture)


def registered_family(desk, desk_agency, **household):
    home = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="窓口で登録した世帯",
        address="本町5-5",
        **household,
    )
    hanako = PersonFactory(
        household=home,
        actor=desk,
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        birth_date=dt.date(1960, 6, 1),
    )
    return home, hanako


@pytest.mark.parametrize("current_first", [True, False])
def test_a_household_the_person_left_is_recorded_in_either_row_order(
    setup, manager, django_capture_on_commit_callbacks, current_first
):
    now = member("H1", "いまの世帯", "P1", 加入日="2021-04-01")
    before = member("H2", "前の世帯", "P1", 加入日="2015-05-01", 離脱日="2021-03-31")
    rows = [now, before] if current_first else [before, now]
    batch = import_rows(rows, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    person = Person.objects.get()
    # The current household stays current whichever row came first (a past row used to
    # end it on its first day, leaving the person in no household).
    assert memberships(person) == [
        ("前の世帯", dt.date(2015, 5, 1), dt.date(2021, 3, 31)),
        ("いまの世帯", dt.date(2021, 4, 1), None),
    ]


def test_a_person_judged_the_same_as_a_registered_one_joins_a_household_they_left(
    setup, manager, desk, desk_agency, django_capture_on_commit_callbacks
):
    registered, known = registered_family(desk, desk_agency)
    HouseholdMembership.objects.filter(person=known).update(since=dt.date(2022, 1, 1))
    rows = [member("H1", "前の世帯", "P1", 加入日="2015-05-01", 離脱日="2021-12-31")]
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes({"households": rows})))
    row = batch.rows.get()
    assert row.candidate_person == known and row.decision == "same"
    assert "加えません" not in row.candidate_label  # a past household: it will be added
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    assert Person.objects.count() == 1
    assert memberships(known) == [
        ("前の世帯", dt.date(2015, 5, 1), dt.date(2021, 12, 31)),
        ("窓口で登録した世帯", dt.date(2022, 1, 1), None),
    ]


def test_a_registered_person_is_not_moved_out_of_their_household_by_an_import(
    setup, manager, desk, desk_agency, django_capture_on_commit_callbacks
):
    registered, known = registered_family(desk, desk_agency)
    rows = [member("H1", "台帳の世帯", "P1", 加入日="2020-01-01")]
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes({"households": rows})))
    row = batch.rows.get()
    assert row.candidate_household == registered  # offered, and judged another here
    services.batch_decide(actor=manager, batch=batch, decisions={}, households={row.pk: "new"})
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    assert memberships(known) == [("窓口で登録した世帯", None, None)]
    assert SourceKey.objects.get(kind="person", key="P1").object_id == known.pk
    assert SourceKey.objects.get(kind="membership", key="H1/P1").object_id == 0


def test_the_same_person_under_two_keys_stays_where_the_first_row_put_them(
    setup, manager, django_capture_on_commit_callbacks
):
    rows = [
        member("H1", "最初の世帯", "P1", 加入日="2015-05-01"),
        member("H2", "別の世帯", "P7", 加入日="2021-04-01"),
    ]
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes({"households": rows})))
    row = batch.rows.get(key="H2/P7")
    assert row.candidate_key == "P1" and row.decision == "same"
    assert "この台帳の世帯には加えません" in row.candidate_label
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    person = Person.objects.get()  # P7 was kept "the same" as P1
    assert memberships(person) == [("最初の世帯", dt.date(2015, 5, 1), None)]
    assert SourceKey.objects.get(kind="person", key="P7").object_id == person.pk


def test_a_repeated_key_without_a_leaving_day_moves_as_the_file_says(
    setup, manager, django_capture_on_commit_callbacks
):
    rows = [
        member("H1", "前の世帯", "P1", 加入日="2015-05-01"),
        member("H2", "いまの世帯", "P1", 加入日="2021-04-01"),
    ]
    batch = import_rows(rows, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    assert memberships(Person.objects.get()) == [
        ("前の世帯", dt.date(2015, 5, 1), dt.date(2021, 3, 31)),
        ("いまの世帯", dt.date(2021, 4, 1), None),
    ]


def test_overlapping_households_are_refused_by_row_and_nothing_is_written(
    setup, manager, django_capture_on_commit_callbacks
):
    rows = [
        member("H1", "いまの世帯", "P1", 加入日="2021-04-01"),
        member("H2", "前の世帯", "P1", 加入日="2015-05-01", 離脱日="2022-03-31"),
    ]
    batch = import_rows(rows, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.FAILED
    assert "3行目" in batch.error and "ほかの世帯の世帯員として登録されています" in batch.error
    assert not Person.objects.exists() and not HouseholdMembership.objects.exists()


def test_a_move_day_may_close_one_household_and_open_the_next(
    setup, manager, django_capture_on_commit_callbacks
):
    rows = [
        member("H1", "いまの世帯", "P1", 加入日="2021-04-01"),
        member("H2", "前の世帯", "P1", 加入日="2015-05-01", 離脱日="2021-04-01"),
    ]
    batch = import_rows(rows, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    assert [m[0] for m in memberships(Person.objects.get())] == ["前の世帯", "いまの世帯"]


def family_rows():
    return [
        member("H1", "台帳の山田さん世帯", "P1", 住所="本町1-1"),
        member("H1", "", "P2", 名="太郎", **{"めい（ふりがな）": "たろう"}, 続柄="子"),
    ]


def test_a_ledger_household_living_in_a_registered_one_is_offered_as_it(
    setup, manager, desk, desk_agency, client_for, django_capture_on_commit_callbacks
):
    home, hanako = registered_family(desk, desk_agency)
    batch = services.batch_preview(
        actor=manager, upload=upload(book_bytes({"households": family_rows()}))
    )
    bringing = batch.rows.get(key="H1/P1")
    assert bringing.candidate_person == hanako and bringing.candidate_household == home
    assert bringing.household_decision == "same"
    assert "加えません" not in bringing.candidate_label
    page = client_for(manager).get(reverse("imports:batch_detail", args=[batch.pk]))
    html = page.content.decode()
    assert "登録済みの世帯「窓口で登録した世帯」" in html
    assert f'name="household-{bringing.pk}" value="same" checked' in html

    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    assert Household.objects.count() == 1  # nothing new registered
    home.refresh_from_db()
    assert (home.name, home.address) == ("窓口で登録した世帯", "本町5-5")  # unchanged
    taro = Person.objects.get(given_name="太郎")
    assert memberships(taro) == [("窓口で登録した世帯", None, None)]
    assert memberships(hanako) == [("窓口で登録した世帯", None, None)]
    assert SourceKey.objects.get(kind="household", key="H1").object_id == home.pk


def test_a_registered_household_judged_another_leaves_the_matched_person_where_they_live(
    setup, manager, desk, desk_agency, client_for, django_capture_on_commit_callbacks
):
    home, hanako = registered_family(desk, desk_agency)
    batch = services.batch_preview(
        actor=manager, upload=upload(book_bytes({"households": family_rows()}))
    )
    bringing = batch.rows.get(key="H1/P1")
    response = client_for(manager).post(
        reverse("imports:batch_decide", args=[batch.pk]), {f"household-{bringing.pk}": "new"}
    )
    assert response.status_code == 302
    bringing.refresh_from_db()
    assert bringing.household_decision == "new" and bringing.decision == "same"
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    assert Household.objects.count() == 2
    taro = Person.objects.get(given_name="太郎")
    assert memberships(taro) == [("台帳の山田さん世帯", None, None)]
    assert memberships(hanako) == [("窓口で登録した世帯", None, None)]


def test_a_household_the_importer_may_not_change_is_not_offered(
    setup, manager, desk, partner, desk_agency, partner_agency
):
    from households import access

    home, hanako = registered_family(partner, partner_agency)
    access.grant_household(agency=desk_agency, household=home)  # the desk may only look
    batch = services.batch_preview(
        actor=manager, upload=upload(book_bytes({"households": family_rows()}))
    )
    bringing = batch.rows.get(key="H1/P1")
    assert bringing.candidate_person == hanako and bringing.candidate_household is None
    assert "この台帳の世帯には加えません" in bringing.candidate_label


def test_the_registered_household_is_used_row_by_row_too(
    setup, manager, desk, desk_agency, django_capture_on_commit_callbacks
):
    """A refused row sends its chunk back to row-by-row writing (only the good rows):
    the judged household is used there as well."""
    home, hanako = registered_family(desk, desk_agency)
    rows = family_rows() + [
        member(
            "H9",
            "重なる世帯",
            "P9",
            名="次郎",
            **{"めい（ふりがな）": "じろう"},
            加入日="2020-01-01",
        ),
        member(
            "H8",
            "前の世帯",
            "P9",
            名="次郎",
            **{"めい（ふりがな）": "じろう"},
            加入日="2015-01-01",
            離脱日="2022-03-31",
        ),
    ]
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes({"households": rows})))
    assert batch.rows.get(key="H1/P1").candidate_household == home
    batch = commit(batch, manager, django_capture_on_commit_callbacks, only_good=True)
    assert batch.status == BatchStatus.DONE
    assert batch.rows.get(key="H8/P9").state == "failed"
    assert memberships(Person.objects.get(given_name="太郎")) == [
        ("窓口で登録した世帯", None, None)
    ]
    assert not Household.objects.filter(name="台帳の山田さん世帯").exists()
