import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ActionLog
from cases import services as case_services
from cases.choices import CasePersonRole
from common.services import StaleEdit
from households.choices import Relationship, Sex
from households.models import Household, HouseholdMembership, Person
from intake import services
from intake.choices import CameFrom, Channel, ConsentAtIntake, Outcome, SheetStatus, SheetTopic
from intake.models import ConnectSheet, Consultation, ConsultationCategoryLink
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_intake import ConnectSheetFactory, ConsultationFactory, category


def _counts():
    return (
        Consultation.objects.count(),
        ConsultationCategoryLink.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
        HouseholdMembership.objects.count(),
    )


def _base(**overrides):
    fields = {
        "received_at": timezone.now() - dt.timedelta(minutes=30),
        "channel": Channel.PHONE,
        "came_from": CameFrom.SELF,
        "summary": "生活費が足りない",
        "outcome": Outcome.INFORMATION,
    }
    fields.update(overrides)
    return fields


class TestConsultationCreate:
    def test_existing_household_with_categories_and_primary(
        self, desk, desk_agency, household, members
    ):
        care, money = category("介護"), category("収入・生活費")

        c = services.consultation_create(
            actor=desk,
            agency=desk_agency,
            household=household,
            persons=members[:1],
            categories=[care, money],
            primary_category=money,
            **_base(),
        )

        assert c.received_by == desk and c.agency == desk_agency
        assert list(c.persons.all()) == members[:1]
        links = {link.category.name: link.is_primary for link in c.category_links.all()}
        assert links == {"介護": False, "収入・生活費": True}
        assert c.primary_category == money
        assert c.history.first().history_user == desk
        assert ActionLog.objects.filter(action="intake.consultation.created", object_id=c.pk)

    def test_new_household_with_two_persons(self, desk, desk_agency):
        persons = [
            {
                "family_name": "鈴木",
                "given_name": "一子",
                "family_name_kana": "スズキ",
                "given_name_kana": "カズコ",
                "birth_date": dt.date(1950, 1, 2),
                "sex": Sex.FEMALE,
                "relationship": Relationship.HEAD,
            },
            {
                "family_name": "鈴木",
                "given_name": "二郎",
                "family_name_kana": "スズキ",
                "given_name_kana": "ジロウ",
                "birth_date": None,
                "sex": Sex.MALE,
                "relationship": Relationship.CHILD,
            },
        ]
        c = services.consultation_create(
            actor=desk,
            agency=desk_agency,
            categories=[category("介護")],
            primary_category=category("介護"),
            new_household={"name": "鈴木さん世帯", "address": "架空町2", "phone": ""},
            new_persons=persons,
            **_base(),
        )

        household = c.household
        assert household.name == "鈴木さん世帯"
        assert household.registered_by_agency == desk_agency
        names = sorted(p.given_name for p in c.persons.all())
        assert names == ["一子", "二郎"]
        rels = dict(
            household.memberships.filter(until__isnull=True).values_list(
                "person__given_name", "relationship"
            )
        )
        assert rels == {"一子": Relationship.HEAD, "二郎": Relationship.CHILD}

    @pytest.mark.parametrize(
        "categories, primary, message",
        [
            ([], None, "相談内容を1つ以上"),
            (["介護"], None, "主な相談内容"),
            (["介護"], "債務", "主な相談内容"),
        ],
    )
    def test_refused_categories_leave_nothing(
        self, desk, desk_agency, categories, primary, message
    ):
        before = _counts()
        with pytest.raises(services.IntakeRuleError, match=message):
            services.consultation_create(
                actor=desk,
                agency=desk_agency,
                categories=[category(n) for n in categories],
                primary_category=category(primary) if primary else None,
                **_base(),
            )
        assert _counts() == before

    def test_new_household_without_persons_is_refused_and_nothing_saved(self, desk, desk_agency):
        before = _counts()
        with pytest.raises(services.IntakeRuleError, match="世帯員を1人以上"):
            services.consultation_create(
                actor=desk,
                agency=desk_agency,
                categories=[category("介護")],
                primary_category=category("介護"),
                new_household={"name": "空の世帯"},
                new_persons=[],
                **_base(),
            )
        assert _counts() == before

    def test_persons_must_be_members_of_the_household(self, desk, desk_agency, household):
        stranger = PersonFactory(actor=desk)
        before = _counts()
        with pytest.raises(services.IntakeRuleError, match="世帯員"):
            services.consultation_create(
                actor=desk,
                agency=desk_agency,
                household=household,
                persons=[stranger],
                categories=[category("介護")],
                primary_category=category("介護"),
                **_base(),
            )
        assert _counts() == before

    def test_actor_records_only_for_their_own_agency(self, outsider, desk_agency):
        before = _counts()
        with pytest.raises(services.IntakeRuleError):
            services.consultation_create(
                actor=outsider,
                agency=desk_agency,
                categories=[category("介護")],
                primary_category=category("介護"),
                **_base(),
            )
        assert _counts() == before


class TestConsultationUpdate:
    def test_stale_version_is_refused(self, desk, desk_agency):
        c = ConsultationFactory(agency=desk_agency, received_by=desk)
        loaded_version = c.version
        services.consultation_update(
            actor=desk, consultation=c, expected_version=loaded_version, summary="一回目"
        )
        stale = Consultation.objects.get(pk=c.pk)
        with pytest.raises(StaleEdit):
            services.consultation_update(
                actor=desk, consultation=stale, expected_version=loaded_version, summary="二回目"
            )
        assert Consultation.objects.get(pk=c.pk).summary == "一回目"

    def test_replaces_categories(self, desk, desk_agency):
        c = ConsultationFactory(agency=desk_agency, received_by=desk)
        services.consultation_update(
            actor=desk,
            consultation=c,
            categories=[category("債務"), category("住まい")],
            primary_category=category("住まい"),
        )
        links = {link.category.name: link.is_primary for link in c.category_links.all()}
        assert links == {"債務": False, "住まい": True}

    def test_household_of_a_consultation_on_a_case_cannot_change(
        self, desk, desk_agency, household, members
    ):
        c = ConsultationFactory(
            agency=desk_agency, received_by=desk, household=household, persons=members
        )
        case_services.case_open(
            actor=desk,
            household=household,
            lead_agency=desk_agency,
            lead_staff=desk,
            title="山田さん世帯の支援",
            persons=[(members[0], CasePersonRole.PRINCIPAL)],
            consultation=c,
        )
        other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
        with pytest.raises(services.IntakeRuleError, match="ケース"):
            services.consultation_update(actor=desk, consultation=c, household=other, persons=[])
        assert Consultation.objects.get(pk=c.pk).household == household


class TestSheetSend:
    def test_sends_with_consent_and_computes_age(self, municipal, municipal_agency):
        sheet = ConnectSheetFactory(
            sender=municipal,
            sender_agency=municipal_agency,
            name_kana="かくう たろう",
            birth_date=dt.date(1975, 6, 1),
        )
        assert sheet.status == SheetStatus.SENT
        # One space kept where せい and めい were separated (split again at take-up).
        assert sheet.name_kana == "カクウ タロウ"
        today = timezone.localdate()
        assert sheet.age == today.year - 1975 - ((today.month, today.day) < (6, 1))

    def test_without_consent_is_refused(self, municipal, municipal_agency):
        with pytest.raises(services.IntakeRuleError, match="同意"):
            ConnectSheetFactory(
                sender=municipal, sender_agency=municipal_agency, consent_given=False
            )
        assert ConnectSheet.objects.count() == 0

    def test_consent_without_date_is_refused(self, municipal, municipal_agency):
        with pytest.raises(services.IntakeRuleError, match="同意した日"):
            ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency, consent_date=None)
        assert ConnectSheet.objects.count() == 0


class TestSheetTakeUp:
    def test_creates_a_municipal_consultation_and_marks_the_sheet(
        self, desk, desk_agency, municipal, municipal_agency
    ):
        sheet = ConnectSheetFactory(
            sender=municipal,
            sender_agency=municipal_agency,
            topics=[SheetTopic.MIND, SheetTopic.CARE, SheetTopic.HEALTH, SheetTopic.TAX],
            topic_other="",
        )

        c = services.sheet_take_up(actor=desk, sheet=sheet, agency=desk_agency)

        assert c.channel == Channel.MUNICIPAL
        assert c.came_from == CameFrom.MUNICIPAL
        assert c.caller_agency == municipal_agency
        # 心の悩み found no category of its own: named so the worker still reads it.
        assert c.summary == sheet.details + "\n（シートの相談内容: 心の悩み）"
        assert c.consent_status == ConsentAtIntake.YES
        assert c.outcome == Outcome.ONGOING
        assert c.agency == desk_agency and c.received_by == desk
        names = [link.category.name for link in c.category_links.order_by("pk")]
        # Topics in the sheet's order: 病気や健康 and 税金や公共料金の支払い are worded
        # differently in the master list; 心の悩み has no category -> その他; 介護 matches.
        assert names == ["病気や健康、障害", "その他", "介護", "税金や公共料金等の支払い"]
        assert c.primary_category.name == "病気や健康、障害"
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.TAKEN_UP
        assert sheet.consultation == c
        assert sheet.taken_up_by == desk and sheet.taken_up_at is not None

    def test_links_a_person_already_registered_in_a_visible_household(
        self, desk, desk_agency, municipal, municipal_agency, household, members
    ):
        son = members[1]  # ヤマダ イチロウ, 1974-08-01
        sheet = ConnectSheetFactory(
            sender=municipal,
            sender_agency=municipal_agency,
            name="山田 一郎",
            name_kana="やまだ いちろう",
            birth_date=son.birth_date,
        )
        c = services.sheet_take_up(actor=desk, sheet=sheet, agency=desk_agency)
        assert c.household == household
        assert list(c.persons.all()) == [son]

    def test_person_in_a_household_the_desk_cannot_see_is_not_linked(
        self, desk, desk_agency, municipal, municipal_agency, outsider, outsider_agency
    ):
        hidden = HouseholdFactory(registered_by_agency=outsider_agency, actor=outsider)
        PersonFactory(
            household=hidden,
            family_name_kana="カクウ",
            given_name_kana="タロウ",
            birth_date=dt.date(1975, 6, 1),
            actor=outsider,
        )
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        c = services.sheet_take_up(actor=desk, sheet=sheet, agency=desk_agency)
        assert c.household is None
        assert c.persons.count() == 0

    def test_a_sheet_is_taken_up_once(self, desk, desk_agency, municipal, municipal_agency):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        services.sheet_take_up(actor=desk, sheet=sheet, agency=desk_agency)
        with pytest.raises(services.IntakeRuleError):
            services.sheet_take_up(actor=desk, sheet=sheet, agency=desk_agency)
        assert Consultation.objects.count() == 1


class TestSheetReturn:
    def test_return_with_note(self, desk, municipal, municipal_agency):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        services.sheet_return(actor=desk, sheet=sheet, note="連絡先が読めません")
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.RETURNED
        assert sheet.desk_note == "連絡先が読めません"

    def test_return_needs_a_note(self, desk, municipal, municipal_agency):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        with pytest.raises(services.IntakeRuleError, match="理由"):
            services.sheet_return(actor=desk, sheet=sheet, note="  ")
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.SENT and sheet.desk_note == ""


class TestSheetTakeUpRegistersTheHousehold:
    """Issue 19: taking up a sheet whose person is not registered registers them, with
    the kana split into せい/めい and the 行政区 asked for."""

    def test_new_household_from_the_sheet(self, desk, desk_agency, municipal, municipal_agency):
        from households.models import District

        district = District.objects.create(name="本町区")
        sheet = ConnectSheetFactory(
            sender=municipal,
            sender_agency=municipal_agency,
            name="架空 太郎",
            name_kana="かくう たろう",
            mobile_phone="090-1111-2222",
        )

        c = services.sheet_take_up(
            actor=desk, sheet=sheet, agency=desk_agency, register_household=True, district=district
        )

        household = c.household
        assert household.name == "架空さん世帯"
        assert household.district == district
        assert household.address == sheet.address and household.phone == sheet.home_phone
        (person,) = c.persons.all()
        assert (person.family_name, person.given_name) == ("架空", "太郎")
        assert (person.family_name_kana, person.given_name_kana) == ("カクウ", "タロウ")
        assert person.birth_date == sheet.birth_date and person.sex == "male"
        assert person.mobile_phone == "090-1111-2222"
        assert household.current_memberships().get().person == person

    def test_kana_without_a_space_is_split_by_a_visible_person_of_the_same_family_name(
        self, desk, desk_agency, municipal, municipal_agency, household, members
    ):
        sheet = ConnectSheetFactory(
            sender=municipal,
            sender_agency=municipal_agency,
            name="山田 次郎",
            name_kana="ヤマダジロウ",
            birth_date=dt.date(1980, 1, 1),
        )
        names = services.split_sheet_name(sheet, desk)
        assert (names["family_name_kana"], names["given_name_kana"]) == ("ヤマダ", "ジロウ")

    def test_unsplittable_kana_needs_the_split_and_saves_nothing(
        self, desk, desk_agency, municipal, municipal_agency
    ):
        sheet = ConnectSheetFactory(
            sender=municipal,
            sender_agency=municipal_agency,
            name="架空 太郎",
            name_kana="カクウタロウ",
        )
        with pytest.raises(services.IntakeRuleError):
            services.sheet_take_up(
                actor=desk, sheet=sheet, agency=desk_agency, register_household=True
            )
        assert Consultation.objects.count() == 0
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.SENT

        c = services.sheet_take_up(
            actor=desk,
            sheet=sheet,
            agency=desk_agency,
            register_household=True,
            family_name_kana="かくう",
            given_name_kana="たろう",
        )
        assert c.persons.get().name_kana == "カクウタロウ"


class TestConsentAtIntake:
    """Issue 19: 同意あり at intake records a real 本人同意 for each person concerned."""

    def test_consent_is_recorded_for_the_persons_concerned(
        self, desk, desk_agency, partner_agency, household, members
    ):
        from households.models import Consent

        c = ConsultationFactory(
            received_by=desk,
            agency=desk_agency,
            household=household,
            persons=[members[0]],
            consent_status=ConsentAtIntake.YES,
            consent={"agencies": [partner_agency], "purpose": "支援のための共有", "method": "oral"},
        )

        consent = Consent.objects.get()
        assert consent.person == members[0]
        assert list(consent.agencies.all()) == [partner_agency]
        assert consent.obtained_on == timezone.localtime(c.received_at).date()
        assert consent.method == "oral" and consent.recorded_by == desk
        assert list(c.recorded_consents.all()) == [consent]

    def test_consent_without_a_person_is_refused_and_nothing_is_saved(
        self, desk, desk_agency, partner_agency
    ):
        from households.models import Consent

        with pytest.raises(services.IntakeRuleError):
            ConsultationFactory(
                received_by=desk,
                agency=desk_agency,
                consent_status=ConsentAtIntake.YES,
                consent={"agencies": [partner_agency], "purpose": "共有", "method": "oral"},
            )
        assert Consultation.objects.count() == 0 and Consent.objects.count() == 0
