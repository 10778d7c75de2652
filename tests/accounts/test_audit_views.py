"""閲覧記録 (access-log review): who may review whose reads, the filters, paging, the
menu entry and the query count.

The cast: `manager` is 管理者 at the desk (reviews every row); `partner_manager` is 管理者
at the partner agency (reviews only the reads of that agency's staff); everyone else
gets 404.
"""

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.audit import log_access
from accounts.choices import Role
from accounts.models import AccessLog
from households import selectors_audit
from tests.factories import HouseholdFactory, PersonFactory, staff

pytestmark = pytest.mark.django_db

URL = reverse("households:access_log")


def at(y, m, d, hh=10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hh, 0))


@contextmanager
def moment(when: dt.datetime):
    """AccessLog.at is auto_now_add: rows written inside carry this time."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


@pytest.fixture
def partner_manager(partner_agency):
    return staff(partner_agency, Role.MANAGER, username="partner_manager", display_name="包括 所長")


@pytest.fixture
def people(desk, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="山田さん世帯")
    yamada = PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
    )
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="佐藤さん世帯")
    sato = PersonFactory(
        household=other,
        actor=desk,
        family_name="佐藤",
        given_name="花子",
        family_name_kana="サトウ",
        given_name_kana="ハナコ",
    )
    return {"yamada": yamada, "sato": sato}


@pytest.fixture
def logs(desk, partner, outsider, people):
    """Four rows on three days (令和6年):
    - desk read 山田 太郎 on 5月1日
    - partner read 山田 太郎 on 5月2日
    - outsider was refused case 99 on 5月2日
    - desk exported 佐藤 花子 on 5月3日
    """
    yamada, sato = people["yamada"], people["sato"]
    with moment(at(2024, 5, 1)):
        desk_read = log_access(user=desk, obj=yamada, person_id=yamada.pk, detail="household:1")
    with moment(at(2024, 5, 2)):
        partner_read = log_access(user=partner, obj=yamada, person_id=yamada.pk)
    with moment(at(2024, 5, 2, 11)):
        denied = log_access(
            user=outsider,
            object_type="cases.case",
            object_id="99",
            outcome=AccessLog.Outcome.DENIED,
        )
    with moment(at(2024, 5, 3)):
        export = log_access(
            user=desk, obj=sato, person_id=sato.pk, outcome=AccessLog.Outcome.EXPORT
        )
    return {
        "desk_read": desk_read,
        "partner_read": partner_read,
        "denied": denied,
        "export": export,
    }


def shown(response) -> list[int]:
    return [row.pk for row in response.context["page"].rows]


# ---------------------------------------------------------------- who sees what


def test_the_desk_manager_reviews_every_read_newest_first(client_for, manager, logs):
    response = client_for(manager).get(URL)

    assert response.status_code == 200
    assert shown(response) == [
        logs["export"].pk,
        logs["denied"].pk,
        logs["partner_read"].pk,
        logs["desk_read"].pk,
    ]
    html = response.content.decode()
    # The person's name comes from households.Person (person_id is no foreign key).
    assert "山田 太郎" in html and "ヤマダ タロウ" in html
    assert "佐藤 花子" in html
    assert "社協 四郎" in html  # the refused outsider
    assert "拒否" in html and "出力" in html and "閲覧" in html
    assert "令和6年5月3日" in html
    assert "ケース" in html  # cases.case shown by the model's name


def test_a_partner_manager_reviews_only_their_agencys_staff(client_for, partner_manager, logs):
    response = client_for(partner_manager).get(URL)

    assert response.status_code == 200
    assert shown(response) == [logs["partner_read"].pk]
    html = response.content.decode()
    assert "包括 三郎" in html
    assert "窓口 花子" not in html and "社協 四郎" not in html
    assert "佐藤 花子" not in html  # read by the desk, not theirs to see
    # The user filter offers only their own staff.
    users = list(response.context["form"].fields["user"].queryset)
    assert users == sorted(users, key=lambda u: u.username)
    assert {u.username for u in users} == {"partner", "partner_manager"}


def test_a_partner_manager_cannot_pick_a_desk_user(client_for, partner_manager, desk, logs):
    response = client_for(partner_manager).get(URL, {"user": desk.pk})

    assert response.status_code == 200
    assert response.context["page"] is None
    assert "一覧にある利用者を選んでください。" in response.content.decode()


def test_staff_who_left_stay_reviewable(client_for, partner_manager, partner, partner_agency, logs):
    from accounts.models import Membership

    Membership.objects.filter(user=partner, agency=partner_agency).update(is_active=False)

    response = client_for(partner_manager).get(URL)

    assert shown(response) == [logs["partner_read"].pk]


@pytest.mark.parametrize(
    "persona", ["desk", "coordinator", "partner", "outsider", "municipal", "admin_user"]
)
def test_everyone_else_gets_404(request, client_for, persona, logs):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    assert client.get(URL).status_code == 404
    assert client.get(reverse("households:access_log_csv")).status_code == 404


def test_a_manager_of_an_inactive_agency_gets_404(client_for, partner_manager, partner_agency):
    from accounts.models import Agency

    Agency.objects.filter(pk=partner_agency.pk).update(is_active=False)

    assert client_for(partner_manager).get(URL).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------- filters


def _filtered(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return shown(response)


def test_filter_by_user(client_for, manager, desk, logs):
    rows = _filtered(client_for(manager), user=desk.pk)

    assert rows == [logs["export"].pk, logs["desk_read"].pk]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("山田", ["partner_read", "desk_read"]),
        ("山田 太郎", ["partner_read", "desk_read"]),
        ("山田太郎", ["partner_read", "desk_read"]),
        ("花子", ["export"]),
        ("やまだ", ["partner_read", "desk_read"]),  # hiragana
        ("ﾔﾏﾀﾞ ﾀﾛｳ", ["partner_read", "desk_read"]),  # half-width kana
        ("ハナコ", ["export"]),
        ("鈴木", []),
    ],
)
def test_filter_by_person_name_or_kana(client_for, manager, logs, query, expected):
    rows = _filtered(client_for(manager), person=query)

    assert rows == [logs[key].pk for key in expected]


def test_filter_by_person_id(client_for, manager, logs, people):
    sato = people["sato"]

    assert _filtered(client_for(manager), person=str(sato.pk)) == [logs["export"].pk]
    # Full-width digits too.
    full_width = str(sato.pk).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert _filtered(client_for(manager), person=full_width) == [logs["export"].pk]


@pytest.mark.parametrize(
    "date_from, date_to, expected",
    [
        ("R6.5.2", "R6.5.2", ["denied", "partner_read"]),
        ("令和6年5月2日", "", ["export", "denied", "partner_read"]),
        ("", "2024-05-01", ["desk_read"]),
        ("R6.5.4", "", []),
    ],
)
def test_filter_by_period_in_wareki_or_iso(client_for, manager, logs, date_from, date_to, expected):
    rows = _filtered(client_for(manager), date_from=date_from, date_to=date_to)

    assert rows == [logs[key].pk for key in expected]


def test_the_period_is_in_japan_time(client_for, manager, desk, people):
    """23:59 and 00:00 in Japan fall on their own days (UTC is 9 hours behind)."""
    yamada = people["yamada"]
    late = timezone.make_aware(dt.datetime(2024, 5, 1, 23, 59))
    early = timezone.make_aware(dt.datetime(2024, 5, 2, 0, 0))
    with moment(late):
        first = log_access(user=desk, obj=yamada, person_id=yamada.pk)
    with moment(early):
        second = log_access(user=desk, obj=yamada, person_id=yamada.pk)

    client = client_for(manager)
    assert _filtered(client, date_from="R6.5.1", date_to="R6.5.1") == [first.pk]
    assert _filtered(client, date_from="R6.5.2", date_to="R6.5.2") == [second.pk]


@pytest.mark.parametrize(
    "outcome, expected",
    [("read", ["partner_read", "desk_read"]), ("denied", ["denied"]), ("export", ["export"])],
)
def test_filter_by_outcome(client_for, manager, logs, outcome, expected):
    assert _filtered(client_for(manager), outcome=outcome) == [logs[key].pk for key in expected]


def test_filters_combine(client_for, manager, desk, logs):
    rows = _filtered(
        client_for(manager), user=desk.pk, person="やまだ", date_from="R6.5.1", outcome="read"
    )

    assert rows == [logs["desk_read"].pk]


@pytest.mark.parametrize(
    "params, field, message",
    [
        (
            {"date_from": "R6.5.3", "date_to": "R6.5.1"},
            "date_to",
            "「まで」は「から」と同じ日かそれより後にしてください。",
        ),
        ({"date_from": "きのう"}, "date_from", None),
        ({"date_to": "R6.13.40"}, "date_to", None),
        ({"outcome": "deleted"}, "outcome", "一覧にある結果を選んでください。"),
        ({"user": "abc"}, "user", "一覧にある利用者を選んでください。"),
    ],
)
def test_bad_filters_answer_in_japanese_beside_the_field(
    client_for, manager, logs, params, field, message
):
    response = client_for(manager).get(URL, params)

    assert response.status_code == 200
    assert response.context["page"] is None  # no rows for a filter that makes no sense
    errors = response.context["form"].errors[field]
    assert errors
    if message:
        assert errors == [message]
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in e) for e in errors)  # Japanese
    assert 'class="error"' in response.content.decode()


# ---------------------------------------------------------------- paging


def test_keyset_pages_walk_the_whole_log_once(client_for, manager, desk, people):
    yamada = people["yamada"]
    start = at(2024, 4, 1)
    # Two rows share each moment: the pk breaks the tie.
    for k in range(7):
        with moment(start + dt.timedelta(hours=k // 2)):
            log_access(user=desk, obj=yamada, person_id=yamada.pk, detail=f"n{k}")
    expected = list(AccessLog.objects.order_by("-at", "-pk").values_list("pk", flat=True))

    client = client_for(manager)
    seen, cursor, pages = [], "", 0
    with mock.patch.object(selectors_audit, "PAGE_SIZE", 3):
        while True:
            params = {"person": "ヤマダ"}
            if cursor:
                params["cursor"] = cursor
            response = client.get(URL, params)
            page = response.context["page"]
            assert page.is_first == (pages == 0)
            seen += [row.pk for row in page.rows]
            pages += 1
            cursor = page.next_cursor
            if not cursor:
                break
            # The next link keeps the filter.
            assert "person=%E3%83%A4%E3%83%9E%E3%83%80" in response.content.decode()
    assert seen == expected
    assert pages == 3


def test_a_broken_cursor_shows_the_first_page(client_for, manager, logs):
    for cursor in ["nonsense", "2024-05-01_x", "2024-13-01T00:00:00_5", "2024-05-01T10:00:00_5"]:
        response = client_for(manager).get(URL, {"cursor": cursor})
        assert response.status_code == 200
        assert response.context["page"].is_first
        assert len(response.context["page"].rows) == 4


def test_the_log_is_read_in_at_order_through_its_index():
    sql = str(selectors_audit.access_log_search(selectors_audit.AuditScope(True, ())).query)
    assert 'ORDER BY "accounts_accesslog"."at" DESC' in sql


# ---------------------------------------------------------------- queries


def _rows(n, users, people):
    persons = list(people.values())
    for k in range(n):
        person = persons[k % len(persons)]
        log_access(user=users[k % len(users)], obj=person, person_id=person.pk)


def _count_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["page"].rows)


@pytest.mark.parametrize("persona", ["manager", "partner_manager"])
def test_query_count_does_not_grow_with_the_rows(
    request, client_for, desk, partner, people, persona
):
    """The page costs the same at 2 and at 20 rows: the session and user, the user's
    roles (menu), the scope (manager memberships), the page of rows with the user joined
    and the person's name as subqueries, and the filter's user list; never one query
    per row."""
    viewer = request.getfixturevalue(persona)
    client = client_for(viewer)
    _rows(2, [desk, partner], people)
    small, shown_small = _count_queries(client)
    _rows(18, [desk, partner], people)
    large, shown_large = _count_queries(client)

    assert shown_large > shown_small
    assert small == large
    filtered_small, _n = _count_queries(client, {"person": "ヤマダ", "date_from": "R6.1.1"})
    assert filtered_small <= large + 1  # the user filter's lookup at most


# ---------------------------------------------------------------- menu


def _menu_labels(response) -> list[str]:
    return [str(item["label"]) for item in response.context["nav_sub"]]


@pytest.mark.parametrize("persona", ["manager", "partner_manager"])
def test_managers_find_the_page_under_statistics(request, client_for, persona):
    manager = request.getfixturevalue(persona)
    response = client_for(manager).get(URL)

    pillars = {item["key"]: item["active"] for item in response.context["nav_pillars"]}
    assert pillars["reports"] is True
    assert pillars["intake"] is False  # households:search lives there, not this page
    menu = ["月次統計", "統計を画面で見る", "ダッシュボード", "閲覧記録"]
    assert _menu_labels(response) == menu
    assert [c["active"] for c in response.context["nav_sub"]] == [False, False, False, True]

    statistics = client_for(manager).get(reverse("reports:report_list"))
    assert _menu_labels(statistics) == menu


def test_household_pages_still_light_the_intake_pillar(client_for, manager):
    response = client_for(manager).get(reverse("households:search"))

    pillars = {item["key"]: item["active"] for item in response.context["nav_pillars"]}
    assert pillars["intake"] is True
    assert pillars["reports"] is False


def test_coordinators_see_statistics_without_the_review(client_for, coordinator):
    response = client_for(coordinator).get(reverse("reports:report_list"))

    labels = [str(c["label"]) for p in [response.context["nav_sub"]] for c in p]
    assert "閲覧記録" not in labels
    assert "閲覧記録" not in response.content.decode()
