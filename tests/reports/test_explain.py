"""Keep it fast: the list and search queries reach the big tables through an index.

A small city (seed_city, a few thousand rows, written in bulk) is built once for the
module; after ANALYZE each query is EXPLAINed with enable_seqscan off. PostgreSQL then
still picks a sequential scan where no index can serve the query, so "no Seq Scan on
cases_case, households_person, cases_supportrecord or accounts_accesslog" proves the
indexes exist. PostgreSQL only: skipped on SQLite.
"""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AccessLog, User
from cases import selectors as case_selectors
from cases.models import Case, SupportRecord
from households import selectors as household_selectors
from households.models import Person

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN checks need PostgreSQL"
)

WATCHED = ("cases_case", "households_person", "cases_supportrecord", "accounts_accesslog")
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """seed_city at 1,500 households (~3,700 persons, 450 cases, 15,000 records) plus
    3,000 access-log rows, rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_city", households=1500, seed=7, stdout=io.StringIO())
        desk = User.objects.get(username="city_desk03")
        partner = User.objects.get(username="city_a01_1")
        now = timezone.now()
        AccessLog.objects.bulk_create(
            [
                AccessLog(
                    user=desk if k % 2 else partner,
                    object_type="cases.case",
                    object_id=str(k % 400),
                    person_id=k % 900,
                    path=f"/cases/{k % 400}/",
                )
                for k in range(3000)
            ],
            batch_size=1000,
        )
        AccessLog.objects.update(at=now - dt.timedelta(days=1))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield {"desk": desk, "partner": partner}
        transaction.set_rollback(True)


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def assert_no_seq_scan(plan: str):
    scanned = set(SEQ_SCAN.findall(plan)) & set(WATCHED)
    assert not scanned, f"sequential scan of {sorted(scanned)} even with seqscan off:\n{plan}"


@pytest.mark.django_db
def test_the_city_was_built(city):
    assert Case.objects.count() == 450
    assert SupportRecord.objects.count() == 15_000
    assert Person.objects.count() > 3000
    person = Person.objects.order_by("pk").first()
    # bulk rows carry the fields save() would compute
    assert person.name_kana == person.family_name_kana + person.given_name_kana
    assert AccessLog.objects.count() == 3000


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [0, 30 * 5])
def test_case_list_pages_use_indexes(city, offset):
    qs = case_selectors.case_list(city["desk"], status="all")[offset : offset + 30]
    assert len(list(qs)) == 30
    assert_no_seq_scan(explain(qs))


@pytest.mark.django_db
def test_open_case_list_of_a_partner_uses_indexes(city):
    qs = case_selectors.case_list(city["partner"], status="open")[:30]
    assert_no_seq_scan(explain(qs))


@pytest.mark.django_db
def test_household_kana_search_uses_the_kana_index(city):
    qs = household_selectors.household_search(city["desk"], "やま")
    assert qs.exists()
    assert_no_seq_scan(explain(qs))
    # The prefix indexes themselves: both halves of the kana match are index range scans
    # (name_kana's Django "_like" index, given_name_kana's from households 0002).
    persons = Person.objects.filter(
        Q(name_kana__startswith="ヤマ") | Q(given_name_kana__startswith="ヤマ")
    ).values("pk")
    plan = explain(persons)
    assert_no_seq_scan(plan)
    assert re.search(r"Index Cond: .*name_kana\)::text ~>=~ 'ヤマ'", plan), plan
    assert re.search(r"Index Cond: .*given_name_kana\)::text ~>=~ 'ヤマ'", plan), plan


@pytest.mark.django_db
def test_person_phone_search_uses_the_phone_indexes(city):
    person = (
        Person.objects.filter(registered_by_agency__is_desk=True)
        .exclude(mobile_phone="")
        .order_by("pk")
        .first()
    )
    qs = household_selectors.household_search(city["desk"], person.mobile_phone)
    assert person.household_memberships.get().household in qs
    assert_no_seq_scan(explain(qs))
    digits = person.mobile_digits[:7]
    persons = Person.objects.filter(
        Q(phone_digits__startswith=digits) | Q(mobile_digits__startswith=digits)
    ).values("pk")
    plan = explain(persons)
    assert_no_seq_scan(plan)
    assert re.search(r"Index Cond: .*mobile_digits\)::text ~>=~", plan), plan


@pytest.mark.django_db
def test_case_timeline_records_use_the_case_index(city):
    case = Case.objects.order_by("pk").first()
    qs = SupportRecord.objects.filter(case=case).order_by("-occurred_at", "-pk")
    assert_no_seq_scan(explain(qs))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filters",
    [
        {"object_type": "cases.case", "object_id": "12"},
        {"person_id": 34},
        {"user_key": "desk", "at__gte": True},
    ],
    ids=["object", "person", "user-since"],
)
def test_access_log_filters_use_indexes(city, filters):
    filters = dict(filters)
    if filters.pop("user_key", None):
        filters["user"] = city["desk"]
    if filters.pop("at__gte", None):
        filters["at__gte"] = timezone.now() - dt.timedelta(days=7)
    qs = AccessLog.objects.filter(**filters).order_by("-at")[:50]
    assert_no_seq_scan(explain(qs))
