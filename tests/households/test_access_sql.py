"""households/access.py states each visibility rule twice: as ORM expressions for the
lists and as SQL conditions for the hand-written search walks. The two spellings must
select exactly the same households for every kind of user."""

import pytest
from django.db import connection

from households import access
from households.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _ids_where(sql: str, params: list) -> set[int]:
    table = Household._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT h.id FROM {table} h WHERE {sql}", params)
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def town(desk, desk_agency, partner_agency):
    plain = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="普通世帯")
    secret = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="秘匿世帯",
        is_address_confidential=True,
    )
    shared = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="共有世帯")
    shared_secret = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="共有秘匿世帯",
        is_address_confidential=True,
    )
    HouseholdFactory(registered_by_agency=partner_agency, actor=None, name="包括の世帯")
    access.grant_household(agency=partner_agency, household=shared)
    access.grant_household(agency=partner_agency, household=shared_secret, confidential=True)
    return {"plain": plain, "secret": secret, "shared": shared, "shared_secret": shared_secret}


@pytest.mark.parametrize(
    "persona", ["desk", "coordinator", "manager", "partner", "outsider", "municipal", "admin_user"]
)
def test_sql_and_orm_spellings_select_the_same_households(request, town, persona):
    user = request.getfixturevalue(persona)
    orm_visible = set(access.households_visible_to(user).values_list("pk", flat=True))
    assert _ids_where(*access.visible_household_sql(user, "h.id")) == orm_visible

    orm_contact = set(
        Household.objects.filter(access.contact_visible_q(user)).values_list("pk", flat=True)
    )
    assert _ids_where(*access.contact_visible_sql(user, "h")) == orm_contact


def test_the_rules_differ_where_they_should(town, desk, partner, outsider):
    partner_visible = set(access.households_visible_to(partner).values_list("pk", flat=True))
    assert town["shared"].pk in partner_visible and town["shared_secret"].pk in partner_visible
    assert town["plain"].pk not in partner_visible
    partner_contact = _ids_where(*access.contact_visible_sql(partner, "h"))
    assert town["shared_secret"].pk in partner_contact  # granted the confidential details
    assert town["secret"].pk not in partner_contact
    assert _ids_where(*access.visible_household_sql(outsider, "h.id")) == set()
