"""変更履歴 of a household and a person: 住所秘匿 contact details never reach a reader
outside the lead agency, not even as the fact that they changed."""

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from cases import services as case_services
from cases.choices import GrantScope
from households import services
from tests.cases.conftest import SECRET_ADDRESS, make_case
from tests.factories import ConsentFactory

NEW_ADDRESS = "秘匿町字ひっこし9-9"
NEW_MOBILE = "080-1111-2222"


@pytest.fixture
def moved(desk, desk_agency, partner_agency):
    """A 住所秘匿 household the desk leads, shared with a partner; it then moved and the
    person got a new mobile phone."""
    case, person, _plan = make_case(
        desk=desk, desk_agency=desk_agency, title="転居ケース", confidential=True
    )
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    case_services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
    )
    household = case.household
    services.household_update(
        actor=desk, household=household, address=NEW_ADDRESS, notes="新居は駅の北側"
    )
    services.person_update(actor=desk, person=person, mobile_phone=NEW_MOBILE)
    membership = household.memberships.get(person=person)
    return household, person, membership


def test_the_lead_sees_the_address_change(client_for, desk, moved):
    household, person, membership = moved

    page = client_for(desk).get(reverse("households:history", args=[household.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert f"<del>{SECRET_ADDRESS}</del>" in text and NEW_ADDRESS in text and "住所" in text
    # The membership rows are part of the household's history, naming the member.
    assert f"世帯員：{person.full_name}" in text and "続柄" in text
    assert "created by" not in text and "person" not in text  # unlabelled columns left out

    person_page = client_for(desk).get(
        reverse("households:person_history", args=[household.pk, membership.pk])
    )
    assert NEW_MOBILE in person_page.content.decode()
    assert AccessLog.objects.filter(user=desk, person_id=person.pk).exists()


def test_a_partner_sees_neither_address_nor_phone_nor_that_they_changed(client_for, partner, moved):
    household, _person, membership = moved

    page = client_for(partner).get(reverse("households:history", args=[household.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert SECRET_ADDRESS not in text and NEW_ADDRESS not in text and "駅の北側" not in text
    assert '<th scope="row">住所</th>' not in text
    assert "住所秘匿のため" in text

    person_page = client_for(partner).get(
        reverse("households:person_history", args=[household.pk, membership.pk])
    )
    assert person_page.status_code == 200
    assert NEW_MOBILE not in person_page.content.decode()


def test_history_pages_are_404_for_an_outsider(client_for, outsider, moved):
    household, _person, membership = moved
    urls = [
        reverse("households:history", args=[household.pk]),
        reverse("households:person_history", args=[household.pk, membership.pk]),
    ]
    for url in urls:
        assert client_for(outsider).get(url).status_code == 404
