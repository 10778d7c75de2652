"""The case list's ?q= by a household's name: the household's name bigrams on the case
row (cases 0010, kept by PostgreSQL triggers) follow a household's rename and a case
moved to another household, and the search answers what LIKE over the household's name
answers (on SQLite, LIKE itself)."""

import pytest
from django.db import connection

from cases import selectors
from cases.models import Case
from households import services as household_services
from tests.factories import HouseholdFactory
from tests.factories_meetings import open_case

pytestmark = pytest.mark.django_db


def found(user, q) -> set[int]:
    return set(selectors.case_list(user, q=q, status="all").values_list("pk", flat=True))


def assert_columns_right():
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id FROM cases_case c JOIN households_household h "
            "ON h.id = c.household_id WHERE c.household_name_bigrams <> h.name_bigrams"
        )
        assert cursor.fetchall() == []


def test_a_household_renamed_or_a_case_moved_is_found_by_its_new_name(desk, desk_agency):
    yamada = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="山田さん世帯")
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="木村さん世帯")
    case = open_case(agency=desk_agency, actor=desk, title="見守り", household=yamada)
    assert_columns_right()
    assert found(desk, "山田") == {case.pk}
    assert found(desk, "山田さん") == {case.pk}

    household_services.household_update(actor=desk, household=yamada, name="佐藤さん世帯")
    assert_columns_right()
    assert found(desk, "山田") == set()
    assert found(desk, "佐藤") == {case.pk}

    Case.objects.filter(pk=case.pk).update(household=other)
    assert_columns_right()
    assert found(desk, "佐藤") == set()
    assert found(desk, "木村さん") == {case.pk}


def test_a_longer_term_must_stand_in_the_name_not_only_its_pairs(desk, desk_agency):
    # 「山田・田さん」 holds every pair of 「山田さ」 without containing it.
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="山田・田さん")
    case = open_case(agency=desk_agency, actor=desk, title="家計の相談", household=household)
    assert found(desk, "山田さ") == set()
    assert found(desk, "田さん") == {case.pk}
    assert found(desk, "家計") == {case.pk}


def test_by_name_a_partner_finds_only_the_cases_it_may_see(desk, desk_agency, partner):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="山田さん世帯")
    case = open_case(agency=desk_agency, actor=desk, title="見守り", household=household)
    assert found(desk, "山田") == {case.pk}
    assert found(partner, "山田") == set()
