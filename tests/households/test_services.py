"""Household writes: each names the acting user in simple-history, and refusals change
nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ActionLog
from common.services import StaleEdit
from households import services
from households.access import CHANGE, CONFIDENTIAL, VIEW
from households.choices import ConsentMethod, ConsentState, Relationship, Sex
from households.models import Consent, Household, HouseholdMembership, Person
from households.signals import consent_ended
from tests.factories import ConsentFactory, DistrictFactory, HouseholdFactory, PersonFactory


def latest_history(obj):
    return obj.history.order_by("-history_id").first()


def assert_latest_history(obj, history_type, user):
    record = latest_history(obj)
    assert record is not None
    assert record.history_type == history_type
    assert record.history_user == user


@pytest.fixture
def household(desk, desk_agency):
    return HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="山田さん世帯")


@pytest.fixture
def person(desk, household):
    return PersonFactory(
        household=household, actor=desk, given_name="太郎", since=dt.date(2020, 4, 1)
    )


def test_household_create_records_the_actor_and_grants_the_registering_agency(
    desk, desk_agency, partner_agency
):
    district = DistrictFactory(name="本町区")
    household = services.household_create(
        actor=desk,
        agency=desk_agency,
        name="佐藤さん世帯",
        address="架空町本町1-2-3",
        phone="０９６－２９３－３１２２",
        district=district,
    )

    household.refresh_from_db()
    assert household.registered_by_agency == desk_agency
    assert household.phone_digits == "0962933122"
    assert household.version == 1
    assert_latest_history(household, "+", desk)
    granted = set(
        desk_agency.group.householdgroupobjectpermission_set.filter(
            content_object=household
        ).values_list("permission__codename", flat=True)
    )
    assert granted == {p.split(".")[1] for p in (VIEW, CHANGE, CONFIDENTIAL)}
    assert not partner_agency.group.householdgroupobjectpermission_set.exists()
    assert ActionLog.objects.filter(
        action="households.household.created", object_id=str(household.pk), actor=desk
    ).exists()


def test_household_update_records_the_actor_and_bumps_the_version(household, coordinator):
    services.household_update(
        actor=coordinator,
        household=household,
        expected_version=household.version,
        address="架空町東町5",
    )

    household.refresh_from_db()
    assert household.address == "架空町東町5"
    assert household.version == 2
    assert_latest_history(household, "~", coordinator)
    assert household.history.count() == 2


def test_household_update_sends_confidentiality_changed(household, coordinator):
    from households.signals import household_confidentiality_changed

    received = []

    def receiver(sender, household, actor, **kwargs):
        received.append((household.pk, actor))

    household_confidentiality_changed.connect(receiver)
    try:
        services.household_update(
            actor=coordinator, household=household, is_address_confidential=True
        )
        services.household_update(actor=coordinator, household=household, notes="変更なし")
    finally:
        household_confidentiality_changed.disconnect(receiver)

    assert received == [(household.pk, coordinator)]


def test_stale_household_update_raises_and_changes_nothing(household, desk, coordinator):
    loaded_version = household.version
    services.household_update(
        actor=coordinator, household=household, expected_version=loaded_version, notes="先の保存"
    )
    stale = Household.objects.get(pk=household.pk)
    stale.version = loaded_version  # the second form was loaded before the first save
    history_before = household.history.count()
    actions_before = ActionLog.objects.count()

    with pytest.raises(StaleEdit) as excinfo:
        services.household_update(
            actor=desk, household=stale, expected_version=loaded_version, notes="後の保存"
        )

    assert "推進 一郎さんが保存しました" in excinfo.value.message
    assert "備考" in excinfo.value.message
    household.refresh_from_db()
    assert household.notes == "先の保存"
    assert household.version == loaded_version + 1
    assert household.history.count() == history_before
    assert ActionLog.objects.count() == actions_before


def test_person_add_records_the_actor_on_person_and_membership(household, desk, desk_agency):
    person = services.person_add_to_household(
        actor=desk,
        agency=desk_agency,
        household=household,
        relationship=Relationship.CHILD,
        since=dt.date(2021, 6, 1),
        family_name="山田",
        given_name="一郎",
        family_name_kana="やまだ",
        given_name_kana="ｲﾁﾛｳ",
        birth_date=dt.date(1980, 5, 5),
        sex=Sex.MALE,
        mobile_phone="090-1234-5678",
    )

    person.refresh_from_db()
    assert person.name_kana == "ヤマダイチロウ"
    assert person.mobile_digits == "09012345678"
    assert person.registered_by_agency == desk_agency
    assert_latest_history(person, "+", desk)
    membership = HouseholdMembership.objects.get(person=person)
    assert (membership.household, membership.relationship) == (household, Relationship.CHILD)
    assert membership.since == dt.date(2021, 6, 1)
    assert membership.until is None
    assert_latest_history(membership, "+", desk)


def test_person_update_records_the_actor(person, coordinator):
    services.person_update(actor=coordinator, person=person, given_name_kana="じろう")

    person.refresh_from_db()
    assert person.name_kana == "ヤマダジロウ"
    assert_latest_history(person, "~", coordinator)


def test_membership_update_records_the_actor(person, coordinator):
    membership = HouseholdMembership.objects.get(person=person)

    services.membership_update(
        actor=coordinator, membership=membership, relationship=Relationship.PARENT
    )

    membership.refresh_from_db()
    assert membership.relationship == Relationship.PARENT
    assert_latest_history(membership, "~", coordinator)


def test_membership_create_moves_the_person_and_keeps_the_dates(
    person, household, desk_agency, coordinator
):
    old = HouseholdMembership.objects.get(person=person)
    new_household = HouseholdFactory(registered_by_agency=desk_agency, actor=coordinator)

    new = services.membership_create(
        actor=coordinator,
        household=new_household,
        person=person,
        relationship=Relationship.HEAD,
        since=dt.date(2024, 10, 1),
    )

    old.refresh_from_db()
    assert (old.household, old.since, old.until) == (
        household,
        dt.date(2020, 4, 1),
        dt.date(2024, 9, 30),
    )
    assert_latest_history(old, "~", coordinator)
    assert (new.household, new.since, new.until) == (new_household, dt.date(2024, 10, 1), None)
    assert_latest_history(new, "+", coordinator)
    assert list(
        HouseholdMembership.objects.filter(person=person, until__isnull=True).values_list(
            "household", flat=True
        )
    ) == [new_household.pk]
    assert HouseholdMembership.objects.filter(person=person).count() == 2


def test_membership_create_without_known_start_ends_the_old_one_the_day_before(
    household, desk, desk_agency
):
    person = PersonFactory(household=household, actor=desk)
    old = HouseholdMembership.objects.get(person=person)
    services.membership_update(actor=desk, membership=old, since=None)
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)

    services.membership_create(
        actor=desk,
        household=other,
        person=person,
        relationship=Relationship.HEAD,
        since=dt.date(2024, 10, 1),
    )

    old.refresh_from_db()
    assert old.until == dt.date(2024, 9, 30)


def test_consent_record_records_the_actor_and_agencies(person, desk, partner_agency):
    consent = services.consent_record(
        actor=desk,
        person=person,
        agencies=[partner_agency],
        purpose="介護サービス調整のための情報共有",
        method=ConsentMethod.SIGNED,
        obtained_on=dt.date(2024, 4, 1),
        expires_on=None,
    )

    consent.refresh_from_db()
    assert consent.recorded_by == desk
    assert list(consent.agencies.all()) == [partner_agency]
    assert consent.state() == ConsentState.VALID
    # One row for the insert, one for setting the agencies (m2m history): both by desk.
    assert consent.history.get(history_type="+").history_user == desk
    assert {record.history_user for record in consent.history.all()} == {desk}
    assert list(latest_history(consent).agencies.values_list("agency", flat=True)) == [
        partner_agency.pk
    ]


def test_consent_withdraw_sets_the_date_and_sends_consent_ended(
    person, desk, coordinator, partner_agency
):
    consent = ConsentFactory(person=person, recorded_by=desk, agencies=[partner_agency])
    received = []

    def receiver(sender, consent, actor, **kwargs):
        # Sent inside the transaction, after the row is saved.
        received.append((Consent.objects.get(pk=consent.pk).withdrawn_on, actor))

    consent_ended.connect(receiver)
    try:
        services.consent_withdraw(actor=coordinator, consent=consent, on=dt.date(2024, 6, 1))
    finally:
        consent_ended.disconnect(receiver)

    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2024, 6, 1)
    assert consent.state() == ConsentState.WITHDRAWN
    assert received == [(dt.date(2024, 6, 1), coordinator)]
    assert_latest_history(consent, "~", coordinator)
    assert ActionLog.objects.filter(
        action="households.consent.withdrawn", object_id=str(consent.pk), actor=coordinator
    ).exists()


def test_consent_withdraw_defaults_to_today(person, desk):
    consent = ConsentFactory(person=person, recorded_by=desk)

    services.consent_withdraw(actor=desk, consent=consent)

    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()


@pytest.mark.parametrize(
    ("obtained", "expires", "withdrawn", "state"),
    [
        (-10, None, None, ConsentState.VALID),
        (-10, 10, None, ConsentState.VALID),
        (-10, 0, None, ConsentState.VALID),  # the expiry day itself is still covered
        (-400, -30, None, ConsentState.EXPIRED),
        (-10, None, -1, ConsentState.WITHDRAWN),
        (5, None, None, ConsentState.NOT_YET),
    ],
)
def test_consent_state_and_valid_on(person, desk, obtained, expires, withdrawn, state):
    today = timezone.localdate()

    def day(offset):
        return None if offset is None else today + dt.timedelta(days=offset)

    consent = ConsentFactory(
        person=person, recorded_by=desk, obtained_on=day(obtained), expires_on=day(expires)
    )
    if withdrawn is not None:
        services.consent_withdraw(actor=desk, consent=consent, on=day(withdrawn))

    assert consent.state() == state
    assert Consent.objects.valid_on(today).filter(pk=consent.pk).exists() == (
        state == ConsentState.VALID
    )


def test_possible_duplicates_match_normalised_kana_and_birth_date(person, desk):
    found = services.possible_duplicates(
        family_name_kana="ﾔﾏﾀﾞ", given_name_kana="たろう", birth_date=person.birth_date
    )
    assert list(found) == [person]
    assert not services.possible_duplicates(
        family_name_kana="やまだ", given_name_kana="たろう", birth_date=dt.date(1951, 4, 1)
    ).exists()
    assert not services.possible_duplicates(
        family_name_kana="やまだ", given_name_kana="たろう", birth_date=None
    ).exists()
    assert not services.possible_duplicates(
        family_name_kana="やまだ",
        given_name_kana="たろう",
        birth_date=person.birth_date,
        exclude_pk=person.pk,
    ).exists()
    assert Person.objects.count() == 1
