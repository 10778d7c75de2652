"""The participation cast's world: 斎藤さん世帯, whose son 悠斗 (26) left university and
stays at home; the desk leads his case and shared its records with the partner
(地域包括支援センター stands in for any partner agency) on his consent."""

import datetime as dt

import pytest

from cases import services as case_services
from cases.choices import CasePersonRole, GrantScope
from households.choices import Relationship
from participation.choices import OpportunityKind
from tests.factories import ConsentFactory, DistrictFactory, HouseholdFactory, PersonFactory
from tests.factories_participation import OpportunityFactory, PlacementFactory


@pytest.fixture
def midori(db):
    return DistrictFactory(name="緑ケ丘区", code="12")


@pytest.fixture
def saito(desk, desk_agency, midori):
    household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, name="斎藤さん世帯", district=midori
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="斎藤",
        given_name="隆",
        family_name_kana="サイトウ",
        given_name_kana="タカシ",
        birth_date=dt.date(1967, 2, 2),
    )
    return household


@pytest.fixture
def yuto(desk, saito):
    return PersonFactory(
        household=saito,
        actor=desk,
        family_name="斎藤",
        given_name="悠斗",
        family_name_kana="サイトウ",
        given_name_kana="ユウト",
        birth_date=dt.date(1998, 3, 27),
        relationship=Relationship.CHILD,
    )


@pytest.fixture
def case(desk, desk_agency, partner_agency, saito, yuto):
    case = case_services.case_open(
        actor=desk,
        household=saito,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="斎藤さん世帯の支援",
        persons=[(yuto, CasePersonRole.PRINCIPAL)],
    )
    consent = ConsentFactory(person=yuto, agencies=[desk_agency, partner_agency], recorded_by=desk)
    case_services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
    )
    return case


@pytest.fixture
def library(coordinator, midori):
    return OpportunityFactory(
        actor=coordinator,
        name="町立図書館の配架ボランティア",
        kind=OpportunityKind.VOLUNTEER,
        host_name="架空町立図書館",
        district=midori,
        days=[1, 3],
        hours="10:00〜12:00",
        capacity=3,
    )


@pytest.fixture
def placement(desk, case, yuto, library):
    return PlacementFactory(
        actor=desk, person=yuto, opportunity=library, case=case, note="人の少ない時間帯を希望"
    )
