"""City-scale paging of the case list (keyset, no COUNT) and of the case page's timeline
(the newest TIMELINE_PAGE entries, then 「さらに表示」 by htmx)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from cases import selectors
from cases.choices import CasePersonRole, RecordKind
from cases.models import Case, SupportRecord
from common.paging import decode_cursor, encode_cursor
from tests.cases.conftest import make_case
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _bulk_cases(n, *, desk, desk_agency, start=dt.date(2024, 4, 1)):
    """n cases of the desk opened on consecutive days (some sharing a day), through the
    service so that the desk's grants exist."""
    from cases import services

    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    person = PersonFactory(household=household, actor=desk)
    for i in range(n):
        services.case_open(
            actor=desk,
            household=household,
            lead_agency=desk_agency,
            lead_staff=desk,
            title=f"ケース{i:03d}",
            opened_on=start + dt.timedelta(days=i // 2),  # two cases a day: ties on the date
            persons=[(person, CasePersonRole.PRINCIPAL)],
        )


def _titles(response):
    return [c.title for c in response.context["page"]]


# ---------------------------------------------------------------- case list


def test_case_list_walks_forward_and_back_by_keyset(client_for, desk, desk_agency):
    _bulk_cases(65, desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    url = reverse("cases:case_list")

    first = client.get(url, {"status": "all"})
    page = first.context["page"]
    expected = list(
        Case.objects.order_by("-opened_on", "-pk").values_list("title", flat=True)
    )  # newest opened first, ties by id
    assert _titles(first) == expected[:30]
    assert page.has_next and not page.has_previous
    html = first.content.decode()
    assert "次へ" in html and "前へ" not in html
    # The filters travel with the cursor.
    assert "status=all" in page.next_query and "after=" in page.next_query

    second = client.get(url + page.next_query)
    third = client.get(url + second.context["page"].next_query)
    assert _titles(second) == expected[30:60]
    assert _titles(third) == expected[60:]
    assert not third.context["page"].has_next
    assert "前へ" in third.content.decode()

    back = client.get(url + third.context["page"].prev_query)
    assert _titles(back) == expected[30:60]
    assert back.context["page"].has_previous
    home = client.get(url + back.context["page"].prev_query)
    assert _titles(home) == expected[:30]
    assert not home.context["page"].has_previous


def test_case_list_never_counts(client_for, desk, desk_agency):
    _bulk_cases(35, desk=desk, desk_agency=desk_agency)
    client = client_for(desk)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:case_list"), {"status": "all"})
    assert response.status_code == 200
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize(
    "params",
    [
        {"after": "garbage"},
        {"before": "%%%"},
        {"after": encode_cursor(["not a date", "1"])},
        {"after": encode_cursor(["2024-04-01"])},  # wrong length
        {"page": "50"},  # the old numbered pages: the first page
    ],
)
def test_a_broken_case_list_cursor_shows_the_first_page(client_for, desk, desk_agency, params):
    _bulk_cases(35, desk=desk, desk_agency=desk_agency)
    response = client_for(desk).get(reverse("cases:case_list"), {"status": "all", **params})
    assert response.status_code == 200
    assert len(response.context["page"]) == 30
    assert not response.context["page"].has_previous


def test_case_list_cursor_cannot_reveal_other_agencies_cases(
    client_for, desk, desk_agency, outsider
):
    _bulk_cases(5, desk=desk, desk_agency=desk_agency)
    newest = Case.objects.order_by("-opened_on", "-pk").first()
    cursor = encode_cursor([newest.opened_on + dt.timedelta(days=1), newest.pk + 1])
    response = client_for(outsider).get(
        reverse("cases:case_list"), {"status": "all", "after": cursor}
    )
    assert response.status_code == 200
    assert len(response.context["page"]) == 0


# ---------------------------------------------------------------- timeline


def _records(case, n, *, desk, desk_agency, start=None):
    """n support records an hour apart (bulk: the timeline reads them, nothing else)."""
    start = start or timezone.now() - dt.timedelta(days=30)
    SupportRecord.objects.bulk_create(
        SupportRecord(
            case=case,
            occurred_at=start + dt.timedelta(hours=k),
            kind=RecordKind.PHONE,
            agency=desk_agency,
            staff=desk,
            minutes=10,
            narrative=f"経過{k:03d}",
        )
        for k in range(n)
    )


def test_case_page_shows_the_newest_entries_and_a_more_button(client_for, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="長期ケース")
    _records(case, 120, desk=desk, desk_agency=desk_agency)
    client = client_for(desk)

    response = client.get(reverse("cases:case_detail", args=[case.pk]))

    html = response.content.decode()
    timeline = response.context["timeline"]
    assert len(timeline.entries) == selectors.TIMELINE_PAGE
    assert timeline.next_cursor
    assert "さらに表示" in html
    assert reverse("cases:case_timeline", args=[case.pk]) in html
    assert "経過119" in html and "経過060" not in html  # newest first


def test_more_pages_cover_the_whole_timeline_once_in_order(client_for, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="長期ケース")
    _records(case, 120, desk=desk, desk_agency=desk_agency)
    # Two records at the same moment as a page boundary could fall: ids break the tie.
    same = timezone.now() - dt.timedelta(days=40)
    _records(case, 2, desk=desk, desk_agency=desk_agency, start=same)
    SupportRecord.objects.filter(
        occurred_at__gte=same, occurred_at__lt=same + dt.timedelta(hours=2)
    ).update(occurred_at=same)
    client = client_for(desk)

    first = client.get(reverse("cases:case_detail", args=[case.pk])).context["timeline"]
    entries = list(first.entries)
    cursor = first.next_cursor
    more_url = reverse("cases:case_timeline", args=[case.pk])
    fragments = 0
    while cursor:
        response = client.get(more_url, {"before": cursor}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html
        page = response.context["timeline"]
        entries += page.entries
        cursor = page.next_cursor
        assert ("さらに表示" in html) == bool(cursor)
        fragments += 1

    everything = selectors.case_timeline_page(case, desk, per_page=10_000).entries
    assert fragments == 2
    assert [e.sort_key for e in entries] == [e.sort_key for e in everything]
    assert len({e.sort_key for e in entries}) == len(entries) == len(everything)
    records = [e for e in entries if e.kind == "record"]
    assert len(records) == 122 + 1  # and make_case's first record
    assert {"status", "plan"} <= {e.kind for e in entries}


def test_more_timeline_is_logged_and_refused_to_outsiders(client_for, desk, desk_agency, outsider):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="長期ケース")
    _records(case, 60, desk=desk, desk_agency=desk_agency)
    cursor = selectors.case_timeline_page(case, desk).next_cursor
    url = reverse("cases:case_timeline", args=[case.pk])
    before = AccessLog.objects.filter(object_type="cases.case", object_id=str(case.pk)).count()

    response = client_for(desk).get(url, {"before": cursor}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    reads = AccessLog.objects.filter(
        object_type="cases.case", object_id=str(case.pk), detail="timeline"
    )
    assert reads.count() == 1
    assert AccessLog.objects.filter(person_id=person.pk, detail=f"case:{case.pk}").exists()
    assert (
        AccessLog.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() > before
    )

    response = client_for(outsider).get(url, {"before": cursor}, headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "経過" not in response.content.decode()


def test_more_timeline_without_htmx_goes_to_the_case_page_at_that_point(
    client_for, desk, desk_agency
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="長期ケース")
    _records(case, 60, desk=desk, desk_agency=desk_agency)
    cursor = selectors.case_timeline_page(case, desk).next_cursor
    client = client_for(desk)

    response = client.get(reverse("cases:case_timeline", args=[case.pk]), {"before": cursor})
    assert response.status_code == 302
    page = client.get(response.url)
    html = page.content.decode()
    assert "経過009" in html and "経過059" not in html
    assert "最新の経過から表示" in html


@pytest.mark.parametrize(
    "before", ["garbage", encode_cursor(["yesterday", "record:1"]), encode_cursor(["x"])]
)
def test_a_broken_timeline_cursor_starts_from_the_newest(client_for, desk, desk_agency, before):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="長期ケース")
    _records(case, 60, desk=desk, desk_agency=desk_agency)
    response = client_for(desk).get(
        reverse("cases:case_detail", args=[case.pk]), {"before": before}
    )
    assert response.status_code == 200
    assert "経過059" in response.content.decode()


def test_timeline_cursor_round_trips():
    at = timezone.now()
    cursor = encode_cursor([at.isoformat(), "record:00000000000000000042"])
    assert decode_cursor(cursor, 2) == [at.isoformat(), "record:00000000000000000042"]
    assert decode_cursor(cursor, 3) is None
    assert decode_cursor("@@@", 2) is None


def test_more_timeline_query_count_does_not_grow(client_for, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="長期ケース")
    client = client_for(desk)
    url = reverse("cases:case_timeline", args=[case.pk])

    def count(n_records):
        SupportRecord.objects.filter(case=case).delete()
        _records(case, n_records, desk=desk, desk_agency=desk_agency)
        cursor = selectors.case_timeline_page(case, desk).next_cursor
        client.get(url, {"before": cursor}, headers={"HX-Request": "true"})  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"before": cursor}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    assert count(80) == count(400)


def test_record_entries_name_their_persons_author_agency_and_project(
    desk, desk_agency, coordinator
):
    """Record entries carry what the page shows: the persons in the order they were
    added, the author's display name (or the full name, or the username, when it has
    none), the agency with the minutes, the 事業 label."""
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="対象者あり")
    second = PersonFactory(
        household=case.household, actor=desk, family_name="佐藤", given_name="次郎"
    )
    coordinator.display_name, coordinator.first_name, coordinator.last_name = "", "一郎", "推進"
    coordinator.save()
    at = timezone.now() - dt.timedelta(days=1)
    both = SupportRecord.objects.create(
        case=case, occurred_at=at, kind=RecordKind.VISIT, agency=desk_agency,
        staff=coordinator, minutes=45, narrative="二人に会った",
    )  # fmt: skip
    both.persons.add(second)
    both.persons.add(person)
    SupportRecord.objects.create(
        case=case, occurred_at=at - dt.timedelta(hours=1), kind=RecordKind.PHONE,
        agency=desk_agency, staff=desk, narrative="誰とも話せなかった",
    )  # fmt: skip

    entries = [e for e in selectors.case_timeline_page(case, desk).entries if e.kind == "record"]
    seen = {e.body: e for e in entries}
    visit, call = seen["二人に会った"], seen["誰とも話せなかった"]
    assert visit.extra["persons"] == ["佐藤 次郎", person.full_name]
    assert visit.by == "一郎 推進"
    assert visit.title == f"{desk_agency.name}（45分）"
    assert visit.label == str(RecordKind.VISIT.label)
    assert visit.extra["project"] == str(both.get_project_display())
    assert visit.key == f"record:{both.pk:020d}"
    assert visit.url == reverse("cases:record_detail", args=[case.pk, both.pk])
    assert call.extra["persons"] == [] and call.by == "窓口 花子"
    assert call.title == desk_agency.name
