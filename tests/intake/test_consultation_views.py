import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from cases import services as case_services
from cases.choices import CasePersonRole
from households.models import Household, HouseholdMembership, Person
from intake import services as intake_services
from intake.choices import Outcome
from intake.models import Consultation, ConsultationCategoryLink
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_intake import ConnectSheetFactory, ConsultationFactory, category

NEW = reverse("intake:consultation_new")


def _counts():
    return {
        "consultations": Consultation.objects.count(),
        "links": ConsultationCategoryLink.objects.count(),
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "memberships": HouseholdMembership.objects.count(),
    }


def _new_household(**overrides):
    data = {
        "nh_name": "",
        "nh_address": "架空町大字本町5番地",
        "nh_phone": "096-293-5555",
        "p1_family_name": "佐藤",
        "p1_given_name": "トメ",
        "p1_family_name_kana": "さとう",
        "p1_given_name_kana": "とめ",
        "p1_birth_date": "S15.3.3",
        "p1_sex": "female",
        "p1_relationship": "head",
        "p1_concerned": "on",
        "p2_family_name": "佐藤",
        "p2_given_name": "健",
        "p2_family_name_kana": "ｻﾄｳ",
        "p2_given_name_kana": "ｹﾝ",
        "p2_birth_date": "1970-10-10",
        "p2_sex": "male",
        "p2_relationship": "child",
    }
    data.update(overrides)
    return data


class TestForm:
    def test_renders_lookup_categories_and_defaults(self, client_for, desk):
        response = client_for(desk).get(NEW)
        html = response.content.decode()
        assert response.status_code == 200
        assert reverse("households:lookup") in html
        assert reverse("intake:household_members") in html
        assert 'name="primary_category"' in html and "ひきこもり・不登校" in html
        assert "新しい世帯" in html
        main = html[html.index("<main") :]
        assert "<script" not in main and "style=" not in main  # a strict CSP holds

    def test_household_members_fragment(self, client_for, desk, household, members):
        response = client_for(desk).get(
            reverse("intake:household_members"), {"household": household.pk}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('name="persons"') == 2
        assert "山田 ハナ" in html and "山田 一郎" in html

    def test_household_members_of_an_unseen_household_is_404(self, client_for, outsider, household):
        response = client_for(outsider).get(
            reverse("intake:household_members"), {"household": household.pk}
        )
        assert response.status_code == 404


class TestCreate:
    def test_existing_household(
        self, client_for, desk, desk_agency, household, members, consultation_data
    ):
        response = client_for(desk).post(
            NEW, consultation_data(household=household.pk, persons=[members[1].pk])
        )

        c = Consultation.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("intake:consultation_detail", args=[c.pk])
        assert c.household == household
        assert list(c.persons.all()) == [members[1]]
        assert c.agency == desk_agency and c.received_by == desk
        assert c.caller_name == "山田 花子" and c.channel == "phone"
        links = {link.category.name: link.is_primary for link in c.category_links.all()}
        assert links == {"介護": True, "収入・生活費": False}
        local = c.received_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
        assert (local.hour, local.minute) == (10, 15)

    def test_new_household_with_two_persons(self, client_for, desk, desk_agency, consultation_data):
        before = _counts()

        # Both are ticked as persons the consultation is about.
        data = consultation_data(**_new_household(p2_concerned="on"))
        response = client_for(desk).post(NEW, data)

        assert response.status_code == 302, response.context["form"].errors
        after = _counts()
        assert after["households"] == before["households"] + 1
        assert after["persons"] == before["persons"] + 2
        assert after["memberships"] == before["memberships"] + 2
        c = Consultation.objects.get()
        household = c.household
        assert household.name == "佐藤さん世帯"
        assert household.address == "架空町大字本町5番地"
        assert household.registered_by_agency == desk_agency
        memberships = {
            m.person.given_name: m.relationship
            for m in household.memberships.filter(until__isnull=True).select_related("person")
        }
        assert memberships == {"トメ": "head", "健": "child"}
        # Kana typed in hiragana and half-width katakana are stored normalised.
        assert sorted(p.name_kana for p in c.persons.all()) == ["サトウケン", "サトウトメ"]
        assert Person.objects.get(given_name="トメ").birth_date == dt.date(1940, 3, 3)
        links = {link.category.name: link.is_primary for link in c.category_links.all()}
        assert links == {"介護": True, "収入・生活費": False}

    def test_blank_second_person_row_is_ignored(self, client_for, desk, consultation_data):
        blank_row = {
            f"p2_{f}": ""
            for f in (
                "family_name",
                "given_name",
                "family_name_kana",
                "given_name_kana",
                "birth_date",
                "relationship",
            )
        }
        response = client_for(desk).post(NEW, consultation_data(**_new_household(**blank_row)))
        assert response.status_code == 302
        assert Consultation.objects.get().persons.count() == 1

    def test_ongoing_redirects_to_case_open(
        self, client_for, desk, household, members, consultation_data
    ):
        response = client_for(desk).post(
            NEW,
            consultation_data(household=household.pk, persons=[members[0].pk], outcome="ongoing"),
        )
        c = Consultation.objects.get()
        assert response.status_code == 302
        assert response.url == f"{reverse('cases:case_open')}?consultation={c.pk}"

    def test_ongoing_new_household_redirects_to_case_open(
        self, client_for, desk, consultation_data
    ):
        response = client_for(desk).post(
            NEW, consultation_data(outcome="ongoing", **_new_household())
        )
        c = Consultation.objects.get()
        assert response.url == f"{reverse('cases:case_open')}?consultation={c.pk}"


class TestInvalidInput:
    @pytest.mark.parametrize(
        "overrides, field, message",
        [
            (
                {"categories": [], "primary_category": ""},
                "categories",
                "相談内容を1つ以上選んでください。",
            ),
            ({"primary_category": ""}, "primary_category", "主な相談内容を1つ選んでください。"),
            (
                {"primary_category": "__debt__"},
                "primary_category",
                "主な相談内容は、チェックを付けた相談内容の中から選んでください。",
            ),
            ({"received_on": "R6.2.30"}, "received_on", "2月30日という日付はありません。"),
            ({"received_on": "H32.1.1"}, "received_on", "平成は31年までです。"),
            ({"summary": ""}, "summary", "主訴を入力してください。"),
            (
                {"p1_family_name_kana": "佐藤"},
                "p1_family_name_kana",
                "ふりがなは、ひらがなかカタカナで入力してください。",
            ),
            ({"nh_phone": "03-12"}, "nh_phone", "電話番号の形式が正しくありません"),
            ({"p2_birth_date": "2999-01-01"}, "p2_birth_date", "未来の日付は入力できません。"),
            ({"p2_relationship": ""}, "p2_relationship", "続柄を選んでください。"),
        ],
    )
    def test_rerenders_with_message_and_creates_nothing(
        self, client_for, desk, consultation_data, overrides, field, message
    ):
        if overrides.get("primary_category") == "__debt__":
            overrides["primary_category"] = category("債務").pk
        before = _counts()

        response = client_for(desk).post(NEW, consultation_data(**_new_household(**overrides)))

        assert response.status_code == 200
        form = response.context["form"]
        assert any(message in e for e in form.errors[field]), form.errors
        assert message in response.content.decode()
        assert _counts() == before

    def test_new_household_without_persons(self, client_for, desk, consultation_data):
        before = _counts()
        data = consultation_data(nh_name="名前だけの世帯", nh_address="架空町1")

        response = client_for(desk).post(NEW, data)

        assert response.status_code == 200
        assert "新しい世帯には世帯員を1人以上入力してください。" in response.content.decode()
        assert _counts() == before

    def test_ongoing_needs_a_household(self, client_for, desk, consultation_data):
        before = _counts()
        response = client_for(desk).post(NEW, consultation_data(outcome="ongoing"))
        assert response.status_code == 200
        assert "継続支援にするには" in response.content.decode()
        assert _counts() == before

    def test_existing_household_and_new_household_together(
        self, client_for, desk, household, members, consultation_data
    ):
        before = _counts()
        data = consultation_data(
            household=household.pk, persons=[members[0].pk], **_new_household()
        )
        response = client_for(desk).post(NEW, data)
        assert response.status_code == 200
        assert "「新しい世帯」の欄を空に" in response.content.decode()
        assert _counts() == before

    def test_person_of_another_household(
        self, client_for, desk, desk_agency, household, consultation_data
    ):
        stranger = PersonFactory(
            household=HouseholdFactory(registered_by_agency=desk_agency, actor=desk), actor=desk
        )
        before = _counts()
        response = client_for(desk).post(
            NEW, consultation_data(household=household.pk, persons=[stranger.pk])
        )
        assert response.status_code == 200
        assert "世帯員から選んでください" in response.content.decode()
        assert _counts() == before

    def test_household_the_user_cannot_see(
        self, client_for, outsider, household, consultation_data
    ):
        before = _counts()
        response = client_for(outsider).post(NEW, consultation_data(household=household.pk))
        assert response.status_code == 200
        assert "選んだ世帯が見つかりません" in response.content.decode()
        assert _counts() == before

    def test_rerender_keeps_the_chosen_household_and_persons(
        self, client_for, desk, household, members, consultation_data
    ):
        data = consultation_data(household=household.pk, persons=[members[1].pk], summary="")
        html = client_for(desk).post(NEW, data).content.decode()
        assert f'name="household" value="{household.pk}" checked' in html
        assert f'name="persons" value="{members[1].pk}" checked' in html
        assert f'name="persons" value="{members[0].pk}">' in html


class TestDuplicateWarning:
    def test_warns_and_saves_nothing_until_confirmed(
        self, client_for, desk, household, members, consultation_data
    ):
        # 山田 一郎 (ヤマダ イチロウ, 1974-08-01) is already in 山田さん世帯.
        dup = _new_household(
            p1_family_name="山田",
            p1_given_name="一郎",
            p1_family_name_kana="やまだ",
            p1_given_name_kana="いちろう",
            p1_birth_date="1974-08-01",
            p2_family_name="",
            p2_given_name="",
            p2_family_name_kana="",
            p2_given_name_kana="",
            p2_birth_date="",
        )
        before = _counts()
        client = client_for(desk)

        response = client.post(NEW, consultation_data(**dup))

        html = response.content.decode()
        assert response.status_code == 200
        assert "重複の可能性" in html
        assert reverse("households:detail", args=[household.pk]) in html
        assert _counts() == before

        response = client.post(NEW, consultation_data(confirm_not_duplicate="on", **dup))
        assert response.status_code == 302
        assert _counts()["persons"] == before["persons"] + 1

    def test_duplicate_in_an_unseen_household_is_only_counted(
        self, client_for, desk, outsider, outsider_agency, consultation_data
    ):
        hidden = HouseholdFactory(registered_by_agency=outsider_agency, actor=outsider)
        PersonFactory(
            household=hidden,
            family_name="佐藤",
            given_name="トメ",
            family_name_kana="サトウ",
            given_name_kana="トメ",
            birth_date=dt.date(1940, 3, 3),
            actor=outsider,
        )
        response = client_for(desk).post(NEW, consultation_data(**_new_household()))
        html = response.content.decode()
        assert "他の機関が登録した1件（閲覧権限なし）" in html
        assert reverse("households:detail", args=[hidden.pk]) not in html


class TestDetail:
    def test_shows_everything_and_logs_each_person(
        self, client_for, desk, desk_agency, household, members
    ):
        c = ConsultationFactory(
            agency=desk_agency,
            received_by=desk,
            household=household,
            persons=members,
            categories=[category("介護"), category("債務")],
            primary_category=category("債務"),
            summary="兄の借金の相談",
            outcome=Outcome.ONGOING,
        )

        response = client_for(desk).get(reverse("intake:consultation_detail", args=[c.pk]))

        html = response.content.decode()
        assert response.status_code == 200
        assert "兄の借金の相談" in html and "山田さん世帯" in html
        assert "主：債務" in html
        assert "ケースを開始" in html
        assert f"{reverse('cases:case_open')}?consultation={c.pk}" in html
        assert reverse("cases:consultation_link", args=[c.pk]) in html
        logged = set(
            AccessLog.objects.filter(user=desk, person_id__isnull=False).values_list(
                "person_id", flat=True
            )
        )
        assert logged == {m.pk for m in members}

    def test_linked_case_is_shown_instead_of_the_buttons(
        self, client_for, desk, desk_agency, household, members
    ):
        c = ConsultationFactory(
            agency=desk_agency, received_by=desk, household=household, persons=members
        )
        case = case_services.case_open(
            actor=desk,
            household=household,
            lead_agency=desk_agency,
            lead_staff=desk,
            title="山田さん世帯の支援",
            persons=[(members[0], CasePersonRole.PRINCIPAL)],
            consultation=c,
        )
        html = client_for(desk).get(reverse("intake:consultation_detail", args=[c.pk])).content
        html = html.decode()
        assert reverse("cases:case_detail", args=[case.pk]) in html
        assert "ケースを開始" not in html

    @pytest.mark.parametrize("persona", ["outsider", "partner", "municipal", "admin_user"])
    def test_others_get_404(self, request, client_for, desk, desk_agency, household, persona):
        c = ConsultationFactory(agency=desk_agency, received_by=desk, household=household)
        user = request.getfixturevalue(persona)
        response = client_for(user).get(reverse("intake:consultation_detail", args=[c.pk]))
        assert response.status_code == 404
        assert not AccessLog.objects.filter(user=user, outcome=AccessLog.Outcome.READ)


class TestList:
    def test_awaiting_filter(self, client_for, desk, desk_agency, household, members):
        waiting = ConsultationFactory(
            agency=desk_agency,
            received_by=desk,
            household=household,
            persons=members,
            outcome=Outcome.ONGOING,
            summary="ケース待ちの相談",
        )
        done = ConsultationFactory(
            agency=desk_agency, received_by=desk, summary="情報提供で終わった相談"
        )
        client = client_for(desk)

        everything = client.get(reverse("intake:consultation_list")).content.decode()
        awaiting = client.get(reverse("intake:consultation_list"), {"show": "awaiting"})

        assert reverse("intake:consultation_detail", args=[waiting.pk]) in everything
        assert reverse("intake:consultation_detail", args=[done.pk]) in everything
        assert list(awaiting.context["page"]) == [waiting]
        assert awaiting.context["awaiting_count"] == 1

    def test_period_filter_and_newest_first(self, client_for, desk, desk_agency):
        now = timezone.now()
        old = ConsultationFactory(
            agency=desk_agency, received_by=desk, received_at=now - dt.timedelta(days=40)
        )
        new = ConsultationFactory(
            agency=desk_agency, received_by=desk, received_at=now - dt.timedelta(days=1)
        )
        client = client_for(desk)
        page = client.get(reverse("intake:consultation_list")).context["page"]
        assert list(page) == [new, old]
        start = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
        page = client.get(reverse("intake:consultation_list"), {"start": start}).context["page"]
        assert list(page) == [new]

    def test_other_agencies_consultations_are_not_listed(
        self, client_for, desk, desk_agency, outsider
    ):
        ConsultationFactory(agency=desk_agency, received_by=desk)
        page = client_for(outsider).get(reverse("intake:consultation_list")).context["page"]
        assert list(page) == []

    def test_municipal_staff_land_on_their_sheets(self, client_for, municipal):
        response = client_for(municipal).get(reverse("intake:consultation_list"))
        assert response.status_code == 302
        assert response.url == reverse("intake:sheet_list")

    def test_administrator_gets_404(self, client_for, admin_user):
        assert client_for(admin_user).get(reverse("intake:consultation_list")).status_code == 404


class TestEdit:
    def test_registers_the_household_of_a_taken_up_sheet(
        self, client_for, desk, desk_agency, municipal, municipal_agency, consultation_data
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        c = intake_services.sheet_take_up(actor=desk, sheet=sheet, agency=desk_agency)
        assert c.household is None
        url = reverse("intake:consultation_edit", args=[c.pk])
        client = client_for(desk)

        form_html = client.get(url).content.decode()
        assert 'value="架空"' in form_html  # 対象者's family name pre-filled from the sheet

        data = consultation_data(
            version=c.version,
            outcome="ongoing",
            p1_family_name="架空",
            p1_given_name="太郎",
            p1_family_name_kana="カクウ",
            p1_given_name_kana="タロウ",
            p1_birth_date="1975-06-01",
            p1_sex="male",
            p1_relationship="head",
        )
        response = client.post(url, data)

        assert response.status_code == 302, response.context["form"].errors
        c.refresh_from_db()
        assert c.household.name == "架空さん世帯"
        assert [p.full_name for p in c.persons.all()] == ["架空 太郎"]
        assert response.url == f"{reverse('cases:case_open')}?consultation={c.pk}"

    def test_stale_edit_is_refused(self, client_for, desk, desk_agency, consultation_data):
        c = ConsultationFactory(agency=desk_agency, received_by=desk, summary="最初")
        stale_version = c.version
        intake_services.consultation_update(actor=desk, consultation=c, summary="他の人の保存")
        response = client_for(desk).post(
            reverse("intake:consultation_edit", args=[c.pk]),
            consultation_data(version=stale_version, summary="あとからの保存"),
        )
        assert response.status_code == 200
        assert "このページを開いた後に" in response.content.decode()
        assert Consultation.objects.get(pk=c.pk).summary == "他の人の保存"

    def test_only_the_receiving_agency_edits(self, client_for, desk, desk_agency, outsider):
        c = ConsultationFactory(agency=desk_agency, received_by=desk)
        url = reverse("intake:consultation_edit", args=[c.pk])
        client = client_for(outsider)
        assert client.get(url).status_code == 404
        summary = c.summary
        assert client.post(url, {"summary": "書き換え"}).status_code == 404
        c.refresh_from_db()
        assert c.summary == summary
