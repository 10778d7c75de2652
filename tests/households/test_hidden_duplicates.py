"""Issue 13 item 10: the duplicate-person warning must not confirm that a person in
hiding (a member of a 住所秘匿 household) exists. The registering agency is told nothing;
the lead of the hidden household is notified instead, with only a link it may open."""

import datetime as dt

import pytest
from django.urls import reverse

from cases import services as case_services
from households.choices import Relationship, Sex
from households.models import Person
from referrals.models import Notification
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

WARNING = "重複の可能性"
COUNTED = "閲覧権限なし"


@pytest.fixture
def in_hiding(desk, desk_agency):
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="避難さん世帯",
        address="架空町避難先1-1-1",
        is_address_confidential=True,
    )
    person = PersonFactory(
        household=household,
        actor=desk,
        family_name="避難",
        given_name="さくら",
        family_name_kana="ヒナン",
        given_name_kana="サクラ",
        birth_date=dt.date(1990, 7, 7),
        sex=Sex.FEMALE,
    )
    case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="避難",
        persons=[(person, "principal")],
    )
    return household


def _member(**overrides):
    data = {
        "relationship": Relationship.SPOUSE,
        "family_name": "避難",
        "given_name": "さくら",
        "family_name_kana": "ひなん",
        "given_name_kana": "さくら",
        "birth_date": "1990-07-07",
        "sex": Sex.FEMALE,
    }
    return data | overrides


def test_outsider_is_not_told_a_hidden_person_exists_and_the_lead_is_notified(
    client_for, desk, outsider, outsider_agency, in_hiding
):
    own = HouseholdFactory(registered_by_agency=outsider_agency, actor=outsider, name="社協の世帯")
    client = client_for(outsider)

    response = client.post(reverse("households:member_add", args=[own.pk]), _member(), follow=True)

    assert response.status_code == 200
    body = response.content.decode()
    assert WARNING not in body and COUNTED not in body
    assert "避難さん世帯" not in body
    assert reverse("households:detail", args=[in_hiding.pk]) not in body
    # Saved as if nothing matched: the registration itself tells nothing either.
    assert Person.objects.filter(name_kana="ヒナンサクラ").count() == 2

    note = Notification.objects.get(recipient=desk)
    assert note.link == reverse("households:detail", args=[in_hiding.pk])
    for personal in ["さくら", "サクラ", "避難", "社協の世帯", "1990", "H2"]:
        assert personal not in note.verb
    assert client_for(desk).get(note.link).status_code == 200
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_an_ordinary_invisible_match_is_still_counted(
    client_for, desk, desk_agency, outsider, outsider_agency
):
    """A person not in hiding: the neutral count stays (it prevents double registration
    and confirms nothing about where anyone lives); nobody is notified."""
    ordinary = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    PersonFactory(
        household=ordinary,
        actor=desk,
        family_name_kana="ヒナン",
        given_name_kana="サクラ",
        birth_date=dt.date(1990, 7, 7),
    )
    own = HouseholdFactory(registered_by_agency=outsider_agency, actor=outsider)

    response = client_for(outsider).post(reverse("households:member_add", args=[own.pk]), _member())

    assert response.status_code == 200
    assert "他の機関が登録した1件（閲覧権限なし）" in response.content.decode()
    assert not Notification.objects.exists()


def test_the_lead_itself_still_gets_the_ordinary_warning(client_for, desk, desk_agency, in_hiding):
    other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)

    response = client_for(desk).post(reverse("households:member_add", args=[other.pk]), _member())

    assert response.status_code == 200
    assert WARNING in response.content.decode()
    assert not Notification.objects.exists()


def test_intake_of_a_new_household_tells_nothing_either(
    client_for, desk, outsider, outsider_agency, in_hiding
):
    """The consultation form's own duplicate check follows the same rule (here the
    outsider's agency takes a consultation about a new household)."""
    from tests.factories_intake import category

    yesterday = dt.date.today() - dt.timedelta(days=1)
    care = category("介護")
    data = {
        "received_on": yesterday.isoformat(),
        "received_time": "10:15",
        "channel": "phone",
        "came_from": "self",
        "categories": [care.pk],
        "primary_category": care.pk,
        "summary": "生活の相談",
        "urgency": "normal",
        "consent_status": "yes",
        "consent_agencies": [desk.primary_agency.pk],  # 同意あり records a consent
        "consent_purpose": "支援のための共有",
        "consent_method": "oral",
        "outcome": "information",
        "nh_name": "",
        "nh_address": "架空町大字本町5番地",
        "nh_phone": "",
        "p1_family_name": "避難",
        "p1_given_name": "さくら",
        "p1_family_name_kana": "ひなん",
        "p1_given_name_kana": "さくら",
        "p1_birth_date": "1990-07-07",
        "p1_sex": "female",
        "p1_relationship": "head",
    }

    response = client_for(outsider).post(reverse("intake:consultation_new"), data, follow=True)

    body = response.content.decode()
    assert WARNING not in body and COUNTED not in body
    assert Person.objects.filter(name_kana="ヒナンサクラ").count() == 2
    assert Notification.objects.filter(recipient=desk).count() == 1
