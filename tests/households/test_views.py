"""Household pages as the named cast uses them: search, registration, the household page,
and what other agencies may (not) see."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AccessLog, ActionLog
from common.wareki import age_on
from households import services
from households.access import grant_household
from households.choices import ConsentMethod, Relationship, Sex
from households.models import Consent, Household, HouseholdMembership, Person
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory

HISTORIED = (Household, Person, HouseholdMembership, Consent)


def db_state():
    """Row counts of every households table and both audits, to prove a refusal saved
    nothing."""
    counts = {model.__name__: model.objects.count() for model in HISTORIED}
    counts |= {f"history:{m.__name__}": m.history.count() for m in HISTORIED}
    counts["ActionLog"] = ActionLog.objects.count()
    return counts


def field_block(html: str, name: str) -> str:
    """The <div class="field"> rendered by _field.html for the named input."""
    for chunk in html.split('<div class="field')[1:]:
        if f'id="id_{name}"' in chunk:
            return chunk
    raise AssertionError(f"no field {name!r} in the page")


def assert_error_beside(response, name: str, message: str):
    assert response.status_code == 200
    block = field_block(response.content.decode(), name)
    assert block.startswith(" has-error"), block[:200]
    assert f'<p class="error" role="alert">{escape(message)}</p>' in block, block


def detail_link(household) -> str:
    return f'href="{reverse("households:detail", args=[household.pk])}"'


@pytest.fixture
def yamada(desk, desk_agency):
    """山田さん世帯: 山田 太郎 (ヤマダ タロウ, S25.4.1) and his wife 花子, registered by the desk."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="山田さん世帯",
        postal_code="869-1234",
        address="架空町本町1-2-3",
        phone="096-293-3122",
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        birth_date=dt.date(1950, 4, 1),
        mobile_phone="090-1111-2222",
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        birth_date=dt.date(1953, 8, 20),
        sex=Sex.FEMALE,
        relationship=Relationship.SPOUSE,
    )
    return household


@pytest.fixture
def sato(desk, desk_agency):
    """A second household that no search for 山田 may find."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="佐藤さん世帯",
        address="架空町東町4-5",
        phone="096-200-0001",
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="佐藤",
        given_name="次郎",
        family_name_kana="サトウ",
        given_name_kana="ジロウ",
        birth_date=dt.date(1960, 1, 1),
    )
    return household


def search(client, q):
    response = client.get(reverse("households:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


# -- search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "やまだ",
        "ヤマダ",
        "ﾔﾏﾀﾞ",
        "やまだ たろう",
        "やまだ　たろう",
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        "たろう",  # given name alone
        "山田",
        "山田 太郎",
        "096-293-3122",  # household phone
        "０９６－２９３－３１２２",
        "0962933122",
        "090-1111-2222",  # a member's mobile
        "０９０１１１１２２２２",
        "S25.4.1",  # 太郎's birth date in 和暦
        "昭和25年4月1日",
        "1950-04-01",
        "本町1-2",  # address fragment
        "架空町本町",
    ],
)
def test_search_finds_the_household(client_for, desk, yamada, sato, q):
    html = search(client_for(desk), q)

    assert detail_link(yamada) in html
    assert detail_link(sato) not in html
    # The birth date and the address tell same-name families apart (issue 19).
    assert "山田 太郎（ヤマダ タロウ、昭和25年4月1日生）" in html
    assert "<td>架空町本町1-2-3</td>" in html


@pytest.mark.parametrize("q", ["すずき", "鈴木", "096-999-9999", "R6.1.1", "西町"])
def test_search_without_match_says_so(client_for, desk, yamada, q):
    html = search(client_for(desk), q)

    assert detail_link(yamada) not in html
    assert "該当する世帯はありません。" in html


def test_search_does_not_find_a_member_who_moved_out(client_for, desk, desk_agency, yamada):
    taro = Person.objects.get(given_name="太郎")
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="転居先の世帯")
    services.membership_create(
        actor=desk, household=other, person=taro, relationship=Relationship.HEAD
    )

    html = search(client_for(desk), "やまだ たろう")

    assert detail_link(other) in html
    assert detail_link(yamada) not in html


def test_empty_search_lists_visible_households_only(client_for, desk, outsider, yamada, sato):
    assert detail_link(yamada) in search(client_for(desk), "")

    html = search(client_for(outsider), "")
    assert detail_link(yamada) not in html
    assert "登録された世帯はまだありません。" in html


@pytest.mark.parametrize("q", ["", "やまだ", "山田", "096-293-3122", "S25.4.1", "本町"])
def test_search_does_not_list_another_agencys_household(client_for, outsider, yamada, q):
    html = search(client_for(outsider), q)

    assert detail_link(yamada) not in html
    assert "山田さん世帯" not in html
    assert "山田 太郎" not in html


def test_htmx_search_returns_only_the_results_fragment(client_for, desk, yamada):
    response = client_for(desk).get(
        reverse("households:search"),
        {"q": "やまだ"},
        headers={"HX-Request": "true", "HX-Target": "search-results"},
    )

    html = response.content.decode()
    assert detail_link(yamada) in html
    assert "<html" not in html


def test_lookup_fragment_finds_by_kana(client_for, desk, yamada, sato):
    response = client_for(desk).get(reverse("households:lookup"), {"q": "ﾔﾏﾀﾞ"})

    html = response.content.decode()
    assert f'value="{yamada.pk}"' in html
    assert f'value="{sato.pk}"' not in html
    assert "山田 太郎（昭和25年4月1日）" in html


def make_households(desk, desk_agency, n):
    for i in range(n):
        household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
        PersonFactory(household=household, actor=desk, given_name=f"太郎{i}")
        PersonFactory(
            household=household,
            actor=desk,
            given_name=f"花子{i}",
            given_name_kana="ハナコ",
            relationship=Relationship.SPOUSE,
        )


# 1 session, 2 user, 3 the 2FA device, 4 the user's memberships (the view's agency
# check, the top bar, works_on_cases: one query), then the search's own queries, then
# the page of households with their districts, the current members with their persons
# (one prefetch) and the read of the listed households (AccessLog, one INSERT). No
# COUNT, and no session save (the idle deadline slides once a minute, not per request).
SEARCH_BASE_QUERIES = 4 + 2 + 1


@pytest.mark.parametrize(
    "q, walks",
    [
        ("", 0),  # the newest households: one keyset query, no COUNT
        ("やまだ", 2),  # one index walk per kana column (name_kana, given_name_kana)
        ("096-293", 3),  # phones: the household's, each member's home and mobile
        ("山田", 0),  # text: the page (LIMIT+1) is the households query itself
    ],
)
def test_search_list_query_count_does_not_grow(client_for, desk, desk_agency, q, walks):
    client = client_for(desk)
    url = reverse("households:search")

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"q": q})
        assert response.status_code == 200
        return len(ctx), response

    make_households(desk, desk_agency, 2)
    small, response = count_queries()
    assert len(response.context["page"].object_list) == 2
    make_households(desk, desk_agency, 18)
    large, response = count_queries()
    assert len(response.context["page"].object_list) == 20

    # A text search, and on PostgreSQL a kana or phone walk, first counts the viewer's
    # grants (bounded) to pick the side it starts from (access.sees_few_households).
    side = 1 if (walks and connection.vendor == "postgresql") or q == "山田" else 0
    # A desk seeing this few households is searched from them on PostgreSQL: one
    # statement for every column (households.selectors._visible_walk_query).
    if walks and connection.vendor == "postgresql":
        walks = 1
    assert small == large == SEARCH_BASE_QUERIES + walks + side


def test_search_pages_walk_forward_and_back_without_repeats(client_for, desk, desk_agency):
    """A broad kana search is paged by keyset: 次へ / 前へ, each household once, in
    ふりがな order, and no page says how many there are."""
    make_households(desk, desk_agency, 30)  # 30 households of ヤマダ タロウn / ハナコ
    client = client_for(desk)
    url = reverse("households:search")

    first = client.get(url, {"q": "やまだ"})
    page = first.context["page"]
    assert len(page) == 25 and page.has_next and not page.has_previous
    html = first.content.decode()
    assert "次へ" in html and "前へ" not in html
    assert "/ " not in html.split('class="pagination"')[1][:200]  # no "1 / N" total

    second = client.get(url + page.next_query)
    page2 = second.context["page"]
    assert len(page2) == 5 and not page2.has_next and page2.has_previous
    ids = [h.pk for h in page] + [h.pk for h in page2]
    assert len(set(ids)) == 30
    assert set(ids) == set(
        Household.objects.filter(memberships__person__family_name_kana="ヤマダ").values_list(
            "pk", flat=True
        )
    )

    back = client.get(url + page2.prev_query).context["page"]
    assert [h.pk for h in back] == [h.pk for h in page]


def test_a_household_is_listed_once_at_its_first_matching_member(
    client_for, desk, desk_agency, yamada
):
    """やま matches 太郎 and 花子 (ヤマダ…) and here also a child's given name (ヤマト):
    the household comes once, at its first match in ふりがな order."""
    PersonFactory(
        household=yamada,
        actor=desk,
        family_name="山田",
        given_name="大和",
        family_name_kana="ヤマダ",
        given_name_kana="ヤマト",
        relationship=Relationship.CHILD,
    )
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="山口さん世帯")
    PersonFactory(household=other, actor=desk, family_name="山口", family_name_kana="ヤマグチ")

    page = client_for(desk).get(reverse("households:search"), {"q": "やま"}).context["page"]

    # ヤマグチ… < ヤマダ… < ヤマト (byte order of the katakana)
    assert [h.pk for h in page] == [other.pk, yamada.pk]


def test_phone_search_lists_a_household_once_and_hides_confidential_numbers(
    client_for, desk, partner, partner_agency, desk_agency
):
    """The household's number and a member's mobile both match 0963: one row. A hidden
    (住所秘匿) household is found by its number only by those granted its details."""
    shared = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, name="共有世帯", phone="0963-11-1111"
    )
    PersonFactory(household=shared, actor=desk, mobile_phone="0963-11-2222")
    hidden = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="秘匿世帯",
        phone="0963-11-3333",
        is_address_confidential=True,
    )
    PersonFactory(household=hidden, actor=desk, mobile_phone="0963-11-4444")
    for household in (shared, hidden):
        grant_household(agency=partner_agency, household=household)

    desk_page = client_for(desk).get(reverse("households:search"), {"q": "0963"}).context["page"]
    assert sorted(h.pk for h in desk_page) == sorted([shared.pk, hidden.pk])

    partner_page = (
        client_for(partner).get(reverse("households:search"), {"q": "0963-11"}).context["page"]
    )
    assert [h.pk for h in partner_page] == [shared.pk]


@pytest.mark.parametrize(
    "q, message",
    [
        ("や", "ふりがなは2文字以上で入力してください。"),
        ("ﾔ", "ふりがなは2文字以上で入力してください。"),
        ("096", "電話番号は4桁以上で入力してください。"),
        ("12", "電話番号は4桁以上で入力してください。"),
    ],
)
def test_too_short_searches_say_so_beside_the_field(client_for, desk, yamada, q, message):
    client = client_for(desk)

    response = client.get(reverse("households:search"), {"q": q})
    assert response.status_code == 200
    block = field_block(response.content.decode(), "q")
    assert block.startswith(" has-error")
    assert escape(message) in block
    assert detail_link(yamada) not in response.content.decode()
    assert "登録された世帯はまだありません。" not in response.content.decode()

    lookup = client.get(reverse("households:lookup"), {"q": q}).content.decode()
    assert escape(message) in lookup
    assert f'value="{yamada.pk}"' not in lookup


@pytest.mark.parametrize("cursor", ["after=%%%", "before=bm90IGpzb24", "after=WyJhIl0", "page=x"])
def test_a_broken_page_cursor_shows_the_first_page(client_for, desk, desk_agency, cursor):
    make_households(desk, desk_agency, 3)
    client = client_for(desk)
    for q in ("", "やまだ", "山田"):
        response = client.get(reverse("households:search") + f"?q={q}&{cursor}")
        assert response.status_code == 200
        assert len(response.context["page"]) == 3


def test_lookup_shows_the_first_ten_and_asks_to_narrow(client_for, desk, desk_agency):
    make_households(desk, desk_agency, 12)

    html = client_for(desk).get(reverse("households:lookup"), {"q": "やまだ"}).content.decode()

    assert html.count('name="household"') == 10
    assert "ほかにも該当があります。最初の10件を表示しています。" in html


# -- access -----------------------------------------------------------------------------


def household_urls(household):
    membership = household.memberships.first()
    return [
        reverse("households:detail", args=[household.pk]),
        reverse("households:edit", args=[household.pk]),
        reverse("households:member_add", args=[household.pk]),
        reverse("households:person_edit", args=[household.pk, membership.pk]),
        reverse("households:consent_add", args=[household.pk]),
    ]


@pytest.fixture
def yamada_consent(desk, yamada, partner_agency):
    return ConsentFactory(
        person=yamada.memberships.first().person, recorded_by=desk, agencies=[partner_agency]
    )


@pytest.mark.parametrize("persona", ["desk", "coordinator", "manager"])
def test_desk_staff_open_every_household_page(request, client_for, yamada, persona):
    client = client_for(request.getfixturevalue(persona))
    for url in household_urls(yamada):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["outsider", "partner", "municipal", "admin_user"])
def test_others_get_404_for_every_household_page(
    request, client_for, yamada, yamada_consent, persona
):
    client = client_for(request.getfixturevalue(persona))
    before = db_state()
    for url in household_urls(yamada):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "乗っ取り", "family_name": "乗っ取り"}).status_code == (
            404
        ), url
    withdraw = reverse("households:consent_withdraw", args=[yamada.pk, yamada_consent.pk])
    assert client.post(withdraw, {"withdrawn_on": "2024-04-01"}).status_code == 404

    assert db_state() == before
    yamada_consent.refresh_from_db()
    assert yamada_consent.withdrawn_on is None
    assert AccessLog.objects.filter(object_type="households.person").count() == 0


@pytest.mark.parametrize("persona", ["municipal", "admin_user"])
def test_staff_without_case_work_cannot_search_or_register(request, db, client_for, persona):
    # `db` is named so pytest-django orders this test with the other database tests; the
    # persona fixture alone is only resolved at run time.
    client = client_for(request.getfixturevalue(persona))
    for name in ("households:search", "households:lookup", "households:create"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("households:create"), {"name": "新世帯"}).status_code == 404
    assert Household.objects.count() == 0


def test_view_only_grant_opens_the_page_but_no_edit(client_for, partner, partner_agency, yamada):
    grant_household(agency=partner_agency, household=yamada)
    client = client_for(partner)

    response = client.get(reverse("households:detail", args=[yamada.pk]))
    assert response.status_code == 200
    assert "山田 太郎" in response.content.decode()
    assert reverse("households:edit", args=[yamada.pk]) not in response.content.decode()
    for url in household_urls(yamada)[1:]:
        assert client.get(url).status_code == 404, url
    assert detail_link(yamada) in search(client, "やまだ")


def test_consent_withdraw_needs_post(client_for, desk, yamada, yamada_consent):
    url = reverse("households:consent_withdraw", args=[yamada.pk, yamada_consent.pk])
    assert client_for(desk).get(url).status_code == 405
    yamada_consent.refresh_from_db()
    assert yamada_consent.withdrawn_on is None


# -- 住所秘匿 -------------------------------------------------------------------------------


@pytest.fixture
def hidden(desk, desk_agency, partner_agency):
    """A DV household under 住所秘匿; 包括 was granted view but not view_confidential."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="秘匿さん世帯",
        postal_code="869-9999",
        address="架空町避難先9-9-9",
        phone="096-777-8888",
        is_address_confidential=True,
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="秘匿",
        given_name="さくら",
        family_name_kana="ヒトク",
        given_name_kana="サクラ",
        birth_date=dt.date(1990, 7, 7),
        sex=Sex.FEMALE,
        phone="096-777-1111",
        mobile_phone="080-7777-2222",
    )
    grant_household(agency=partner_agency, household=household)
    return household


SECRETS = ["869-9999", "避難先", "096-777-8888", "0967778888", "096-777-1111", "080-7777-2222"]


def test_confidential_address_and_phone_never_reach_a_view_only_agency(client_for, partner, hidden):
    client = client_for(partner)

    html = client.get(reverse("households:detail", args=[hidden.pk])).content.decode()

    assert "秘匿 さくら" in html  # the page itself is visible
    assert "（秘匿）" in html
    for secret in SECRETS:
        assert secret not in html
    # Searches that do find it (the phone and address searches are the next test's).
    for q in ["ひとく", "秘匿 さくら", "H2.7.7"]:
        html = search(client, q)
        lookup = client.get(reverse("households:lookup"), {"q": q}).content.decode()
        assert detail_link(hidden) in html
        assert f'value="{hidden.pk}"' in lookup
        for secret in SECRETS:
            assert secret not in html
            assert secret not in lookup


def test_confidential_household_is_not_found_by_its_address_or_phone(
    client_for, partner, desk, hidden
):
    partner_client = client_for(partner)
    assert detail_link(hidden) in search(partner_client, "ひとく さくら")
    for q in ["096-777-8888", "080-7777-2222", "096-777-1111", "避難先"]:
        assert detail_link(hidden) not in search(partner_client, q), q

    desk_client = client_for(desk)
    for q in ["096-777-8888", "080-7777-2222", "避難先"]:
        assert detail_link(hidden) in search(desk_client, q), q


def test_registering_agency_sees_the_confidential_details(client_for, desk, hidden):
    html = client_for(desk).get(reverse("households:detail", args=[hidden.pk])).content.decode()

    for secret in ["869-9999", "架空町避難先9-9-9", "096-777-8888", "080-7777-2222"]:
        assert secret in html


# -- the household page ---------------------------------------------------------------


def test_household_page_shows_members_consents_and_history(
    client_for, desk, coordinator, desk_agency, partner_agency, yamada
):
    taro = Person.objects.get(given_name="太郎")
    hanako = Person.objects.get(given_name="花子")
    today = timezone.localdate()
    valid = ConsentFactory(person=taro, recorded_by=desk, agencies=[partner_agency])
    ConsentFactory(
        person=taro,
        recorded_by=desk,
        agencies=[desk_agency],
        purpose="期限切れの同意",
        obtained_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=35),
    )
    withdrawn = ConsentFactory(
        person=hanako, recorded_by=desk, agencies=[partner_agency], purpose="撤回された同意"
    )
    services.consent_withdraw(actor=desk, consent=withdrawn)
    services.household_update(actor=coordinator, household=yamada, notes="長男が近隣に居住")
    moved_out = services.person_add_to_household(
        actor=desk,
        agency=desk_agency,
        household=yamada,
        relationship=Relationship.CHILD,
        since=dt.date(1980, 6, 1),
        family_name="山田",
        given_name="一郎",
        family_name_kana="ヤマダ",
        given_name_kana="イチロウ",
        birth_date=dt.date(1980, 6, 1),
    )
    services.membership_update(
        actor=desk,
        membership=moved_out.household_memberships.get(),
        until=dt.date(2005, 3, 31),
    )

    response = client_for(desk).get(reverse("households:detail", args=[yamada.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "〒869-1234 架空町本町1-2-3" in html
    assert "長男が近隣に居住" in html
    # Members: 続柄, birth date in 和暦, age.
    for name, relationship, born in [
        ("山田 太郎", "世帯主", "昭和25年4月1日"),
        ("山田 花子", "配偶者", "昭和28年8月20日"),
    ]:
        row = html.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0]
        assert f"<td>{relationship}</td>" in row
        assert f"<td>{born}</td>" in row
    assert f"<td>{age_on(dt.date(1950, 4, 1), today)}歳</td>" in html
    assert f"<td>{age_on(dt.date(1953, 8, 20), today)}歳</td>" in html
    # The son who left is still listed, with the day he left.
    assert "子（平成17年3月31日まで）" in html
    # Consents in their three states.
    assert '<span class="tag valid">有効</span>' in html
    assert '<span class="tag expired">期限切れ</span>' in html
    assert '<span class="tag withdrawn">撤回</span>' in html
    withdraw_url = reverse("households:consent_withdraw", args=[yamada.pk, valid.pk])
    assert withdraw_url in html
    # History, in Japanese, naming who did it.
    history = html.split("変更履歴", 1)[1]
    assert "<td>登録</td><td>窓口 花子</td>" in history
    assert "<td>変更</td><td>推進 一郎</td>" in history
    # Reading the page is logged once per current member.
    logged = set(
        AccessLog.objects.filter(user=desk, object_type="households.person").values_list(
            "person_id", flat=True
        )
    )
    assert logged == {taro.pk, hanako.pk}


# -- registering ----------------------------------------------------------------------


def test_register_a_household_and_a_member(client_for, desk, desk_agency):
    client = client_for(desk)

    response = client.post(
        reverse("households:create"),
        {"name": "田中さん世帯", "address": "架空町西町2-1", "phone": "０９６－２９３－１１１１"},
    )

    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("households:member_add", args=[household.pk])
    assert household.phone_digits == "0962931111"
    assert household.registered_by_agency == desk_agency

    response = client.post(
        reverse("households:member_add", args=[household.pk]),
        {
            "relationship": Relationship.HEAD,
            "family_name": "田中",
            "given_name": "一郎",
            "family_name_kana": "たなか",
            "given_name_kana": "ｲﾁﾛｳ",
            "birth_date": "S40.5.5",
            "sex": Sex.MALE,
            "save": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("households:detail", args=[household.pk])
    person = Person.objects.get()
    assert (person.family_name_kana, person.given_name_kana) == ("タナカ", "イチロウ")
    assert person.birth_date == dt.date(1965, 5, 5)
    assert person.history.get().history_user == desk
    assert household.memberships.get().relationship == Relationship.HEAD


def test_edit_a_household_with_a_stale_form_is_refused(client_for, desk, coordinator, yamada):
    loaded_version = yamada.version
    services.household_update(actor=coordinator, household=yamada, notes="推進員が先に保存")
    before = db_state()

    response = client_for(desk).post(
        reverse("households:edit", args=[yamada.pk]),
        {"name": "山田さん世帯", "address": "架空町本町1-2-3", "version": loaded_version},
    )

    assert response.status_code == 200
    assert "推進 一郎さんが保存しました" in response.content.decode()
    assert db_state() == before
    yamada.refresh_from_db()
    assert yamada.notes == "推進員が先に保存"


def member_data(**overrides):
    data = {
        "relationship": Relationship.CHILD,
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "やまだ",
        "given_name_kana": "たろう",
        "birth_date": "S25.4.1",
        "sex": Sex.MALE,
    }
    return data | overrides


def test_duplicate_warning_then_confirmed_save(client_for, desk, desk_agency, yamada):
    client = client_for(desk)
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="別の世帯")
    url = reverse("households:member_add", args=[other.pk])
    before = db_state()

    response = client.post(url, member_data(family_name_kana="ﾔﾏﾀﾞ", birth_date="1950-04-01"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "同じふりがなと生年月日の人がすでに登録されています（重複の可能性）。" in html
    assert "山田 太郎（ヤマダ タロウ、昭和25年4月1日）" in html
    assert detail_link(yamada) in html
    assert db_state() == before

    response = client.post(url, member_data(confirm_not_duplicate="on"))

    assert response.status_code == 302
    assert (
        Person.objects.filter(name_kana="ヤマダタロウ", birth_date=dt.date(1950, 4, 1)).count() == 2
    )
    assert other.memberships.get().person.given_name == "太郎"


def test_duplicate_in_another_agency_is_counted_but_not_shown(
    client_for, partner, partner_agency, yamada
):
    household = HouseholdFactory(registered_by_agency=partner_agency, actor=partner)
    before = db_state()

    response = client_for(partner).post(
        reverse("households:member_add", args=[household.pk]), member_data()
    )

    html = response.content.decode()
    assert "他の機関が登録した1件（閲覧権限なし）" in html
    assert "山田 太郎" not in html
    assert detail_link(yamada) not in html
    assert db_state() == before


FUTURE = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
NOT_A_DATE = "2024年2月30日という日付はありません。"
OUT_OF_ERA = "平成は31年までです。"
FUTURE_MSG = "未来の日付は入力できません。"
PHONE_MSG = "電話番号の形式が正しくありません（例: 096-293-3122）。"
KANA_MSG = "ふりがなは、ひらがなかカタカナで入力してください。"
HOUSEHOLD = {"name": "山田さん世帯", "address": "架空町本町1-2-3"}
CONSENT = {
    "purpose": "支援のための情報共有",
    "method": ConsentMethod.SIGNED,
    "obtained_on": "R6.4.1",
}

# (page, valid data, bad field, bad value, the error shown beside it)
BAD_INPUT = [
    ("create", HOUSEHOLD, "name", "", "世帯の呼び名を入力してください。"),
    ("create", HOUSEHOLD, "name", "　", "世帯の呼び名を入力してください。"),
    ("create", HOUSEHOLD, "phone", "096-29", PHONE_MSG),
    ("create", HOUSEHOLD, "phone", "でんわ", PHONE_MSG),
    ("edit", HOUSEHOLD, "name", "", "世帯の呼び名を入力してください。"),
    ("edit", HOUSEHOLD, "phone", "12-34-56", PHONE_MSG),
    ("member_add", member_data(), "birth_date", "2024-02-30", NOT_A_DATE),
    ("member_add", member_data(), "birth_date", FUTURE, FUTURE_MSG),
    ("member_add", member_data(), "birth_date", "H32.1.1", OUT_OF_ERA),
    (
        "member_add",
        member_data(),
        "birth_date",
        "S64.1.8",
        "平成元年1月8日は昭和の期間外です（昭和は1989年1月7日までです）。",
    ),
    ("member_add", member_data(), "birth_date", "きのう", "日付の形式が正しくありません。例: 2024-03-14、R6.3.14、令和6年3月14日"),
    ("member_add", member_data(), "family_name", "", "姓を入力してください。"),
    ("member_add", member_data(), "family_name_kana", "山田", KANA_MSG),
    ("member_add", member_data(), "given_name_kana", "太郎", KANA_MSG),
    ("member_add", member_data(), "mobile_phone", "090-1234", PHONE_MSG),
    ("member_add", member_data(), "since", "R1.4.30", "平成31年4月30日は令和の期間外です（令和は2019年5月1日からです）。"),
    ("person_edit", member_data(), "birth_date", "2024-02-30", NOT_A_DATE),
    ("person_edit", member_data(), "birth_date", FUTURE, FUTURE_MSG),
    ("person_edit", member_data(), "family_name", "", "姓を入力してください。"),
    ("person_edit", member_data(), "family_name_kana", "ヤマ田", KANA_MSG),
    ("person_edit", member_data(), "phone", "096-293-3122-9999", PHONE_MSG),
    ("person_edit", member_data(), "m-since", "H32.1.1", OUT_OF_ERA),
    ("person_edit", member_data(**{"m-since": "R2.4.1"}), "m-until", "R2.3.31", "転出・離脱日は加入日より後にしてください。"),
    ("consent_add", CONSENT, "obtained_on", "2024-02-30", NOT_A_DATE),
    ("consent_add", CONSENT, "obtained_on", FUTURE, FUTURE_MSG),
    ("consent_add", CONSENT, "obtained_on", "H32.1.1", OUT_OF_ERA),
    ("consent_add", CONSENT, "expires_on", "R6.3.31", "有効期限は同意日より後にしてください。"),
    ("consent_add", CONSENT, "purpose", "", "同意の目的を入力してください。"),
]  # fmt: skip


@pytest.mark.parametrize(("page", "data", "field", "value", "message"), BAD_INPUT)
def test_bad_input_shows_the_error_beside_the_field_and_saves_nothing(
    client_for, desk, yamada, partner_agency, page, data, field, value, message
):
    membership = yamada.memberships.order_by("pk").first()
    person = membership.person
    args = {
        "create": [],
        "edit": [yamada.pk],
        "member_add": [yamada.pk],
        "person_edit": [yamada.pk, membership.pk],
        "consent_add": [yamada.pk],
    }[page]
    payload = dict(data) | {field: value}
    if page == "person_edit":
        payload.setdefault("m-relationship", Relationship.HEAD)
    if page == "consent_add":
        payload |= {"person": person.pk, "agencies": [partner_agency.pk]}
    before = db_state()
    household_before = Household.objects.values().get(pk=yamada.pk)
    person_before = Person.objects.values().get(pk=person.pk)

    response = client_for(desk).post(reverse(f"households:{page}", args=args), payload)

    assert_error_beside(response, field, message)
    assert db_state() == before
    assert Household.objects.values().get(pk=yamada.pk) == household_before
    assert Person.objects.values().get(pk=person.pk) == person_before


def test_consent_without_agencies_is_refused(client_for, desk, yamada):
    person = yamada.memberships.first().person
    before = db_state()

    response = client_for(desk).post(
        reverse("households:consent_add", args=[yamada.pk]), CONSENT | {"person": person.pk}
    )

    assert_error_beside(response, "agencies", "共有先の機関を1つ以上選んでください。")
    assert db_state() == before


def test_consent_for_a_person_outside_the_household_is_refused(
    client_for, desk, yamada, sato, partner_agency
):
    stranger = sato.memberships.first().person
    before = db_state()

    response = client_for(desk).post(
        reverse("households:consent_add", args=[yamada.pk]),
        CONSENT | {"person": stranger.pk, "agencies": [partner_agency.pk]},
    )

    assert response.status_code == 200
    assert "正しく選択してください" in field_block(response.content.decode(), "person")
    assert db_state() == before


def test_record_and_withdraw_a_consent(client_for, desk, yamada, partner_agency):
    client = client_for(desk)
    person = yamada.memberships.first().person

    response = client.post(
        reverse("households:consent_add", args=[yamada.pk]),
        CONSENT | {"person": person.pk, "agencies": [partner_agency.pk], "expires_on": "R9.3.31"},
    )

    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.obtained_on, consent.expires_on) == (dt.date(2024, 4, 1), dt.date(2027, 3, 31))
    assert consent.history.get(history_type="+").history_user == desk

    response = client.post(
        reverse("households:consent_withdraw", args=[yamada.pk, consent.pk]),
        {"withdrawn_on": "R6.5.1"},
        follow=True,
    )

    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2024, 5, 1)
    assert "本人同意の撤回を記録しました。" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", NOT_A_DATE),
        ("H32.1.1", OUT_OF_ERA),
        ("R6.3.1", "撤回日は同意日より後にしてください。"),
        (FUTURE, FUTURE_MSG),
    ],
)
def test_bad_withdrawal_date_is_refused(client_for, desk, yamada, value, message):
    consent = ConsentFactory(
        person=yamada.memberships.first().person, recorded_by=desk, obtained_on=dt.date(2024, 4, 1)
    )
    before = db_state()

    response = client_for(desk).post(
        reverse("households:consent_withdraw", args=[yamada.pk, consent.pk]),
        {"withdrawn_on": value},
        follow=True,
    )

    # The date box sits in the consents table; the error comes back as a message above it.
    assert f'<li class="msg-error">{escape(message)}</li>' in response.content.decode()
    assert db_state() == before
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
