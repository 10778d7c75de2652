"""The outreach cast's world: 本町区 with 山田さん世帯 (an 80-year-old father and his
son 健太, 50, who has not left the house for years), registered by the desk."""

import datetime as dt

import pytest

from households.choices import Relationship
from tests.factories import DistrictFactory, HouseholdFactory, PersonFactory
from tests.factories_outreach import OutreachTargetFactory, VisitCampaignFactory


@pytest.fixture
def honmachi(db):
    return DistrictFactory(name="本町区", code="01")


@pytest.fixture
def yamada(desk, desk_agency, honmachi):
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="山田さん世帯",
        address="架空町本町1-2-3",
        district=honmachi,
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="一郎",
        family_name_kana="ヤマダ",
        given_name_kana="イチロウ",
        birth_date=dt.date(1944, 5, 1),
    )
    return household


@pytest.fixture
def kenta(desk, yamada):
    return PersonFactory(
        household=yamada,
        actor=desk,
        family_name="山田",
        given_name="健太",
        family_name_kana="ヤマダ",
        given_name_kana="ケンタ",
        birth_date=dt.date(1974, 9, 9),
        relationship=Relationship.CHILD,
    )


@pytest.fixture
def target(desk, partner_agency, yamada, kenta):
    """A target the desk assigned to 地域包括支援センター (the partner's agency)."""
    return OutreachTargetFactory(
        actor=desk,
        assigned_agency=partner_agency,
        household=yamada,
        person=kenta,
        concern="長年ひきこもっている様子。父の介護も心配。",
    )


@pytest.fixture
def campaign(desk, partner_agency, honmachi, yamada):
    return VisitCampaignFactory(
        actor=desk,
        name="本町区 世帯訪問調査",
        districts=[honmachi],
        visiting_agencies=[partner_agency],
    )
