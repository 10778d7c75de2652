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
from django.db.models import Count
from django.utils import timezone

from accounts.models import AccessLog, User
from cases import selectors as case_selectors
from cases.choices import OPEN_STATUSES, CaseStatus
from cases.models import Case, SupportRecord
from common.paging import decode_cursor, keyset_filter, keyset_page
from households import access
from households import selectors as household_selectors
from households.models import Person
from meetings.models import AgendaItem, Meeting
from referrals.choices import ReferralStatus
from referrals.models import Referral

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
        with connection.cursor() as cursor:
            # AccessLog is append-only for the application (its QuerySet refuses update());
            # test data is back-dated in SQL.
            cursor.execute("UPDATE accounts_accesslog SET at = %s", [now - dt.timedelta(days=1)])
            cursor.execute("ANALYZE")
        yield {"desk": desk, "partner": partner}
        transaction.set_rollback(True)


def explain(queryset, *, no_sort=False) -> str:
    sql, params = queryset.query.sql_with_params()
    return explain_sql(sql, params, no_sort=no_sort)


def explain_sql(sql, params, *, only_bitmaps=False, no_sort=False) -> str:
    """The plan with sequential scans off (and with only_bitmaps plain index scans
    too: a filter then reads a table either through an index that answers it or
    sequentially, never by walking a whole primary key instead; with no_sort, sorts
    too: the order must then come from an index, as it does at a city's scale where
    this small city's planner would rather sort its few rows)."""
    switches = ["enable_seqscan"] + (["enable_indexscan"] if only_bitmaps else [])
    switches += ["enable_sort"] if no_sort else []
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = on")
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
    # The timeline bench's case is one the desk is still supporting.
    heavy = Case.objects.annotate(n=Count("records")).order_by("-n").first()
    assert heavy.n == 300 and heavy.lead_agency.is_desk
    assert (heavy.status, heavy.closed_on) == (CaseStatus.SUPPORTING, None)
    # Meetings discuss cases (the case page and the meeting list have items to show).
    assert AgendaItem.objects.filter(case__isnull=False).count() > Meeting.objects.count()
    # Nothing happened after the seeding, and what the daily task marks is marked.
    assert not SupportRecord.objects.filter(occurred_at__gt=timezone.now()).exists()
    unanswered = Referral.objects.filter(
        status=ReferralStatus.SENT, answer_due_on__lt=timezone.localdate()
    )
    assert unanswered.exists()
    assert not unanswered.filter(overdue_since__isnull=True).exists()
    assert (
        not Referral.objects.exclude(status=ReferralStatus.SENT)
        .filter(overdue_since__isnull=False)
        .exists()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("pages_in", [0, 5])
def test_case_list_pages_use_indexes(city, pages_in):
    """The case list is keyset-paged: page 6 is the 30 rows after page 5's last one,
    read from the opened_on index (bounded by the cursor), never an OFFSET."""
    cases = case_selectors.case_list(city["desk"], status="all")
    order, size = case_selectors.CASE_LIST_ORDER, case_selectors.CASE_LIST_PAGE
    page = keyset_page(cases, order, per_page=size)
    qs = cases.order_by(*order)
    for _ in range(pages_in):
        after = page.next_params["after"]
        page = keyset_page(cases, order, after=after, per_page=size)
        values = decode_cursor(after, 2)
        qs = cases.order_by(*order).filter(
            keyset_filter(order, [dt.date.fromisoformat(values[0]), int(values[1])], forward=True)
        )
    assert len(page) == 30
    assert [c.pk for c in qs[: size + 1]][:size] == [c.pk for c in page]
    plan = explain(qs[: size + 1])
    assert_no_seq_scan(plan)
    assert "OFFSET" not in str(qs[: size + 1].query).upper()
    if pages_in:
        assert re.search(r"Index Cond: \(opened_on <= ", plan), plan


@pytest.mark.django_db
def test_open_case_list_of_a_partner_uses_indexes(city):
    qs = case_selectors.case_list(city["partner"], status="open")[:30]
    assert_no_seq_scan(explain(qs))


@pytest.mark.django_db
@pytest.mark.parametrize("page", [1, 2])
def test_household_kana_search_walks_the_kana_indexes(city, page, monkeypatch):
    """Each kana branch reads persons through its prefix index in that index's own order
    (USING ~<~), so the LIMIT stops the walk: no scan or sort of every 「やま」."""
    # A city's desk sees more than FEW_HOUSEHOLDS; this small city's desk would not.
    monkeypatch.setattr(access, "FEW_HOUSEHOLDS", 100)
    assert not household_selectors.sees_few_households(city["desk"])
    after = ""
    if page == 2:
        after = household_selectors.household_search_page(city["desk"], "やま").next_params["after"]
    queries = household_selectors.search_walk_sql(city["desk"], "やま", after=after)
    assert len(queries) == 2  # name_kana, given_name_kana
    plans = [explain_sql(sql, params) for sql, params in queries]
    for plan in plans:
        assert_no_seq_scan(plan)
        assert plan.lstrip().startswith("Limit"), plan
    assert re.search(r"Index Cond: .*[( ]name_kana\)?(::text)? ~>=~ 'ヤマ'", plans[0]), plans[0]
    assert re.search(r"Index Cond: .*given_name_kana\)?(::text)? ~>=~ 'ヤマ'", plans[1]), plans[1]
    # The order of the broad branch (hundreds of ヤマ… family names) comes from the
    # index: at most an incremental sort of equal names, never a sort of every match.
    # (The given-name branch matches almost nothing: PostgreSQL may sort those few.)
    if page == 1:
        assert not re.search(r"^\s*(->\s*)?Sort\s+\(cost", plans[0], re.M), plans[0]
    else:  # the cursor bounds the index range: the walk starts where page 1 ended
        assert re.search(r"Index Cond: .*name_kana\)?(::text)? ~>=~ 'ヤマ.+'", plans[0]), plans[0]


@pytest.mark.django_db
def test_person_phone_search_uses_the_phone_indexes(city, monkeypatch):
    # The desk of a real city sees most of it (the walk); the test city is small.
    monkeypatch.setattr(access, "FEW_HOUSEHOLDS", 0)
    person = (
        Person.objects.filter(registered_by_agency__is_desk=True)
        .exclude(mobile_phone="")
        .order_by("pk")
        .first()
    )
    page = household_selectors.household_search_page(city["desk"], person.mobile_phone)
    assert person.household_memberships.get().household in page.object_list
    for prefix in (person.mobile_phone, person.mobile_digits[:4]):
        queries = household_selectors.search_walk_sql(city["desk"], prefix)
        assert len(queries) == 3  # members' home and mobile numbers, the household's
        plans = [explain_sql(sql, params) for sql, params in queries]
        for plan in plans:
            assert_no_seq_scan(plan)
        assert re.search(r"Index Cond: .*mobile_digits\)?(::text)? ~>=~", plans[1]), plans[1]
        assert re.search(r"Index Cond: .*phone_digits\)?(::text)? ~>=~", plans[2]), plans[2]


@pytest.mark.django_db
def test_newest_households_page_uses_the_primary_key(city):
    households = household_selectors.recent_households_page(city["desk"])
    assert len(households) == household_selectors.SEARCH_PAGE
    qs = household_selectors.with_members(
        household_selectors.households_visible_to(city["desk"])
    ).order_by("-pk")[:26]
    assert_no_seq_scan(explain(qs))


@pytest.mark.django_db
def test_case_timeline_records_use_the_case_index(city):
    case = Case.objects.order_by("pk").first()
    qs = SupportRecord.objects.filter(case=case).order_by("-occurred_at", "-pk")
    assert_no_seq_scan(explain(qs[:51]))
    # A later page of the timeline: the records before the cursor, from the same index.
    last = qs[10]
    cursor = (last.occurred_at, f"record:{last.pk:020d}")
    later = qs.filter(case_selectors._records_before(cursor))[:51]
    plan = explain(later)
    assert_no_seq_scan(plan)
    assert re.search(r"Index Cond: .*occurred_at <= ", plan), plan


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


# ---------------------------------------------------------------- text search (issue 20)
#
# Kanji names, addresses and case titles are found through the GIN indexes on their
# bigram columns (common.textsearch). In a city this small PostgreSQL may rather walk a
# whole primary key than use them; with sequential and plain index scans off, a missing
# or unusable GIN index shows as a Seq Scan of the searched table.

TEXT_TABLES = (
    "households_household",
    "households_person",
    "households_householdmembership",
    "cases_case",
)


def assert_text_search_indexed(plan: str, *indexes: str):
    scanned = set(SEQ_SCAN.findall(plan)) & set(TEXT_TABLES)
    assert not scanned, f"sequential scan of {sorted(scanned)} even with seqscan off:\n{plan}"
    for index in indexes:
        assert f"Bitmap Index Scan on {index}" in plan, plan


def text_search_queryset(user, q):
    kind, value = household_selectors.classify_query(q)
    assert kind == "text"
    return household_selectors.matching_households(user, kind, value)


# A constant in a plan: 885 when Django binds parameters on the client, '885'::smallint
# when the server binds them (prepared statements, DATABASE_PREPARE_THRESHOLD).
GROUP_ID = r"group_id = (\d+|'\d+'::smallint)"
GROUP_AND_PERMISSION = rf"Index Cond: \(\({GROUP_ID}\) AND \(permission_id = "
# A probe of the user's grants for one household (not a scan of all of them).
GRANT_PROBE = re.compile(
    rf"{GROUP_AND_PERMISSION}\$\d+\) AND \(content_object_id = households_household\.id\)\)"
)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["desk", "partner"])
@pytest.mark.parametrize("q", ["山田", "山田花子", "本町3丁目", "林"])
def test_household_text_search_reads_the_bigram_indexes(city, who, q, monkeypatch):
    """The desk (most of a city) ORs the household table's three GIN indexes (name,
    address, current members' names) and probes its grants for each match; a partner
    (few households) starts from its grants and tests each household. Neither reads
    the persons or memberships of the city (a term of three characters or more
    rechecks the members of the households that hold its pairs)."""
    if who == "desk":  # a city's desk sees more than FEW_HOUSEHOLDS; this small one not
        monkeypatch.setattr(access, "FEW_HOUSEHOLDS", 100)
    page = household_selectors.household_search_page(city[who], q)
    if who == "desk" and q != "本町3丁目":  # seed_city names households after families
        assert page.object_list, "the city has matches: the test must see some"
    for household in page.object_list:
        names = [m.person.family_name + m.person.given_name for m in household.current_members]
        assert q in household.name or q in household.address or any(q in n for n in names)
    sql, params = text_search_queryset(city[who], q)[:26].query.sql_with_params()
    plan = explain_sql(sql, params, only_bitmaps=who == "desk")
    if who == "desk":
        assert_text_search_indexed(
            plan,
            "households_household_name_bigrams",
            "households_household_address_bigrams",
            "households_household_member_name_bigrams",
        )
        assert "BitmapOr" in plan, plan
        assert GRANT_PROBE.search(plan), plan
        # The grants are never read whole (a hash or merge join over all of them).
        assert not re.search(r"Hash Cond: .*content_object_id", plan), plan
        assert not re.search(r"Merge Cond: .*content_object_id", plan), plan
    else:
        assert_no_seq_scan(plan)
        assert not set(SEQ_SCAN.findall(plan)) & set(TEXT_TABLES), plan
        assert re.search(GROUP_AND_PERMISSION, plan), plan
    if len(q) <= 2:  # a member's name holds the term: no person is read at all
        assert "households_person" not in plan, plan
        assert "households_householdmembership" not in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["desk", "partner"])
def test_case_list_search_reads_the_bigram_indexes(city, who):
    cases = case_selectors.case_list(city[who], q="山田", status="all")
    sql, params = cases[: case_selectors.CASE_LIST_PAGE + 1].query.sql_with_params()
    plan = explain_sql(sql, params, only_bitmaps=True)
    assert_text_search_indexed(
        plan, "cases_case_title_bigrams", "cases_case_household_name_bigrams"
    )
    # With the planner's own costs: one bitmap OR over the case table's own indexes
    # (title, household's name); no household is read to find the cases, and each
    # match is probed for the user's grants rather than every grant hashed.
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        own = "\n".join(row[0] for row in cursor.fetchall())
    assert "BitmapOr" in own, own
    assert "Bitmap Index Scan on cases_case_household_name_bigrams" in own, own
    assert "households_household_name_bigrams" not in own, own
    assert "hashed SubPlan" not in own, own
    if who == "desk":
        assert cases.exists()
    for case in cases[:30]:
        assert "山田" in case.title or "山田" in case.household.name


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["やま", "0901"])
def test_partner_kana_and_phone_search_start_from_its_households(city, q):
    """A partner sees a few households: its search is not a walk of the whole city's
    「ヤマ…」 in index order for the LIMIT (the desk's plan) but one statement that reads
    the partner's households once (the DISTINCT ids of its group's grants), their
    members once, and sorts what matched."""
    partner = city["partner"]
    assert household_selectors.sees_few_households(partner)
    (sql, params), *more = household_selectors.search_walk_sql(partner, q)
    assert not more
    plan = explain_sql(sql, params)
    assert_no_seq_scan(plan)
    assert re.match(r"Limit .*\n(.*\n)*?\s*->  Sort ", plan), plan  # sorted after the join
    assert re.search(r"CTE v\n\s*->  (Unique|HashAggregate)", plan), plan
    households = plan.split("CTE m", 1)[0]
    assert re.search(GROUP_AND_PERMISSION, households)
    assert "name_kana_walk on households_person" not in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["やま", "0901"])
def test_partner_search_reads_members_of_its_households_by_index(city, q):
    """With the planner's own costs (sequential scans allowed), the partner's search
    fetches the members of its households through the membership index, one probe per
    household and once for every column searched, rather than reading every membership
    of the city for a hash join (what PostgreSQL chose at 100,000 households: 45 ms of
    a 55 ms page)."""
    partner = city["partner"]
    (sql, params), *more = household_selectors.search_walk_sql(partner, q)
    assert not more
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on households_householdmembership" not in plan, plan
    assert len(re.findall(r"Index Cond: \(household_id = v(_\d+)?\.id\)", plan)) == 1, plan
    # the page's households: each at its smallest match (DISTINCT ON)
    assert re.search(r"->  Unique ", plan.split("CTE m", 1)[1]), plan


@pytest.mark.django_db
def test_home_my_cases_walk_the_lead_staff_index(city):
    """「担当中のケース」 reads a counsellor's newest open cases from the
    (lead_staff, -opened_on, -id) index and stops after the page: no sort of them all."""
    desk = city["desk"]
    qs = case_selectors.lead_open_cases(desk)[:21]
    assert list(qs) == list(
        Case.objects.filter(lead_staff=desk, status__in=OPEN_STATUSES).order_by(
            "-opened_on", "-pk"
        )[:21]
    )
    plan = explain(qs, no_sort=True)
    assert re.search(r"Index Scan using case_lead_staff_opened on cases_case", plan), plan
    assert "Sort Key" not in plan, plan
