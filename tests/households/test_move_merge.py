"""Moving a person to another household and merging two registrations of one person:
rows moved, history kept, refusals change nothing, 住所秘匿 respected, statistics of
past months unchanged."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog
from cases.choices import CasePersonRole
from cases.models import CasePerson
from cases.services import case_open
from households import access, services
from households.models import Consent, HouseholdMembership, Person
from intake.models import Consultation
from reports.periods import Period
from reports.statistics import household_size_counts
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def snapshot():
    return (
        Person.objects.count(),
        HouseholdMembership.objects.count(),
        list(HouseholdMembership.objects.order_by("pk").values_list("pk", "person_id", "until")),
        Consent.objects.count(),
        CasePerson.objects.count(),
    )


@pytest.fixture
def homes(desk_agency):
    old = HouseholdFactory(name="前田さん世帯", registered_by_agency=desk_agency)
    new = HouseholdFactory(name="前田さん（長女）世帯", registered_by_agency=desk_agency)
    mother = PersonFactory(
        household=old,
        family_name="前田",
        given_name="幸子",
        family_name_kana="マエダ",
        given_name_kana="サチコ",
    )
    son = PersonFactory(
        household=old,
        family_name="前田",
        given_name="翔",
        family_name_kana="マエダ",
        given_name_kana="ショウ",
        relationship="child",
        since=dt.date(2020, 1, 1),
    )
    return {"old": old, "new": new, "mother": mother, "son": son}


def _membership(person):
    return HouseholdMembership.objects.get(person=person, until__isnull=True)


def _move(client, membership, **data):
    url = reverse("households:person_move", args=[membership.household_id, membership.pk])
    return client.post(url, data)


def test_move_confirms_then_moves_with_dated_memberships(client_for, desk, homes):
    son, new = homes["son"], homes["new"]
    membership = _membership(son)
    client = client_for(desk)
    on = dt.date(2024, 6, 1)
    data = {
        "household": new.pk,
        "relationship": "head",
        "on": "R6.6.1",
        "version": membership.version,
    }
    before = snapshot()
    page = _move(client, membership, **data)
    assert page.status_code == 200
    body = page.content.decode()
    assert "世帯の移動の確認" in body and "前田さん（長女）世帯" in body
    assert snapshot() == before  # the confirmation page changes nothing
    response = _move(client, membership, confirm="1", **{**data, "on": on.isoformat()})
    assert response.status_code == 302
    rows = list(HouseholdMembership.objects.filter(person=son).order_by("since"))
    assert [(r.household_id, r.since, r.until) for r in rows] == [
        (homes["old"].pk, dt.date(2020, 1, 1), on - dt.timedelta(days=1)),
        (new.pk, on, None),
    ]
    assert Person.objects.count() == before[0]
    assert ActionLog.objects.filter(action="households.person.moved").count() == 1
    assert rows[0].history.count() >= 2  # the ended membership keeps its history


def test_move_to_a_household_the_user_may_not_change_is_refused(
    client_for, desk, outsider_agency, homes
):
    theirs = HouseholdFactory(name="他機関の世帯", registered_by_agency=outsider_agency)
    membership = _membership(homes["son"])
    before = snapshot()
    page = _move(
        client_for(desk),
        membership,
        confirm="1",
        household=theirs.pk,
        relationship="head",
        on="R6.6.1",
        version=membership.version,
    )
    assert page.status_code == 200
    assert "この世帯には移動できません" in page.content.decode()
    assert snapshot() == before


def test_bad_date_and_stale_edit_leave_the_database_unchanged(client_for, desk, homes):
    membership = _membership(homes["son"])
    client = client_for(desk)
    before = snapshot()
    page = _move(
        client,
        membership,
        confirm="1",
        household=homes["new"].pk,
        relationship="head",
        on="R1.5.1",
        version=membership.version,
    )
    assert "加入日" in page.content.decode() and snapshot() == before
    page = _move(
        client,
        membership,
        confirm="1",
        household=homes["new"].pk,
        relationship="head",
        on="R6.6.1",
        version=membership.version - 1 or 99,
    )
    assert "このページを開いた後に" in page.content.decode()
    assert snapshot() == before


def test_move_into_a_hidden_household_does_not_show_its_address(
    client_for, desk, desk_agency, partner_agency, homes
):
    shelter = HouseholdFactory(
        name="避難先世帯",
        address="秘密町1-2-3 シェルター",
        is_address_confidential=True,
        registered_by_agency=partner_agency,
    )
    # The desk may change the household but was not given its confidential details.
    access.grant_household(agency=desk_agency, household=shelter, change=True)
    membership = _membership(homes["son"])
    page = _move(
        client_for(desk),
        membership,
        household=shelter.pk,
        relationship="head",
        on="R6.6.1",
        version=membership.version,
    )
    body = page.content.decode()
    assert page.status_code == 200 and "避難先世帯" in body
    assert "シェルター" not in body and "秘密町" not in body
    assert "（秘匿）" in body


def test_a_later_move_leaves_past_household_sizes_alone(desk, desk_agency, homes):
    case_open(
        actor=desk,
        household=homes["old"],
        lead_agency=desk_agency,
        lead_staff=desk,
        title="前田さん世帯の支援",
        opened_on=dt.date(2024, 4, 1),
        persons=[(homes["mother"], CasePersonRole.PRINCIPAL)],
    )
    may = [Period("m", "5月", dt.date(2024, 5, 1), dt.date(2024, 5, 31))]
    before = household_size_counts(may)
    assert before[2] == [1]  # two members in May
    services.person_move(
        actor=desk,
        membership=_membership(homes["son"]),
        to_household=homes["new"],
        relationship="head",
        on=dt.date(2024, 7, 1),
    )
    assert household_size_counts(may) == before
    july = [Period("m", "7月", dt.date(2024, 7, 1), dt.date(2024, 7, 31))]
    assert household_size_counts(july)[1] == [1]  # the mother alone from July


# ---------------------------------------------------------------- merging


@pytest.fixture
def twins(desk, desk_agency, homes):
    """The mother registered a second time in the same household, with a consent, a
    consultation and a case of her own on the duplicate."""
    old = homes["old"]
    dup = PersonFactory(
        household=old,
        family_name="前田",
        given_name="幸子",
        family_name_kana="マエダ",
        given_name_kana="サチコ",
        relationship="other_relative",
        mobile_phone="090-5555-6666",
    )
    ConsentFactory(person=dup, recorded_by=desk, agencies=[desk_agency])
    c = Consultation.objects.create(
        received_at=timezone.now(),
        channel="phone",
        came_from="self",
        household=old,
        summary="重複登録の側の相談",
        outcome="ongoing",
        received_by=desk,
        agency=desk_agency,
    )
    c.persons.set([dup])
    case = case_open(
        actor=desk,
        household=old,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="前田さん世帯の支援",
        persons=[(homes["mother"], CasePersonRole.PRINCIPAL), (dup, CasePersonRole.MEMBER)],
    )
    return {"dup": dup, "consultation": c, "case": case}


def _merge(client, membership, **data):
    url = reverse("households:person_merge", args=[membership.household_id, membership.pk])
    return client.post(url, data)


def test_merge_confirms_then_moves_everything_to_the_survivor(client_for, desk, homes, twins):
    mother, dup = homes["mother"], twins["dup"]
    dup_id = dup.pk
    membership = _membership(mother)
    client = client_for(desk)
    data = {"other": dup_id, "keep": "this", "version": mother.version}
    before = snapshot()
    page = client.get(reverse("households:person_merge", args=[homes["old"].pk, membership.pk]))
    assert str(dup_id) in page.content.decode()
    page = _merge(client, membership, **data)
    body = page.content.decode()
    assert page.status_code == 200 and "統合の確認" in body
    assert "本人同意" in body and "相談受付" in body  # what will move, by kind
    assert snapshot() == before
    response = _merge(
        client, membership, confirm="1", **data, other_version=Person.objects.get(pk=dup_id).version
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert not Person.objects.filter(pk=dup_id).exists()
    assert Person.objects.count() == before[0] - 1
    assert HouseholdMembership.objects.count() == before[1]  # kept, now the survivor's
    assert HouseholdMembership.objects.filter(person=mother).count() == 2
    assert HouseholdMembership.objects.filter(person=mother, until__isnull=True).count() == 1
    assert Consent.objects.filter(person=mother).count() == 1
    assert list(twins["consultation"].persons.all()) == [mother]
    # Both were on the case: one CasePerson remains, the survivor's.
    assert list(CasePerson.objects.filter(case=twins["case"]).values_list("person", flat=True)) == [
        mother.pk
    ]
    mother.refresh_from_db()
    assert mother.mobile_phone == "090-5555-6666"  # an empty field filled from the other
    log = ActionLog.objects.get(action="households.person.merged")
    assert log.object_id == str(mother.pk) and log.data["merged_id"] == dup_id
    assert Person.history.filter(id=dup_id, history_type="-").exists()


def test_merge_refused_across_households_and_when_stale(client_for, desk, homes, twins):
    mother, dup = homes["mother"], twins["dup"]
    client = client_for(desk)
    before = snapshot()
    page = _merge(
        client,
        _membership(mother),
        confirm="1",
        other=dup.pk,
        keep="this",
        version=mother.version + 5,
        other_version=dup.version,
    )
    assert "このページを開いた後に" in page.content.decode()
    assert snapshot() == before
    services.person_move(
        actor=desk,
        membership=_membership(dup),
        to_household=homes["new"],
        relationship="head",
        on=TODAY,
    )
    before = snapshot()
    page = _merge(client, _membership(mother), other=dup.pk, keep="this", version=mother.version)
    assert "別の世帯に属しています" in page.content.decode()
    with pytest.raises(services.MergeRefused):
        services.person_merge(actor=desk, survivor=mother, merged=dup)
    assert snapshot() == before


def test_merge_and_move_need_change_rights(client_for, partner, homes, twins):
    membership = _membership(homes["mother"])
    before = snapshot()
    assert (
        _merge(
            client_for(partner), membership, other=twins["dup"].pk, keep="this", confirm="1"
        ).status_code
        == 404
    )
    assert (
        _move(
            client_for(partner),
            membership,
            household=homes["new"].pk,
            relationship="head",
            on="R6.6.1",
            confirm="1",
        ).status_code
        == 404
    )
    assert snapshot() == before
