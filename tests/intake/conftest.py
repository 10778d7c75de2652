"""Shared data for the intake tests: a household the desk registered, and the POST
body of a consultation taken on the phone."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from households.choices import Relationship, Sex
from tests.factories import AgencyFactory, HouseholdFactory, PersonFactory, staff
from tests.factories_intake import category


@pytest.fixture
def household(desk_agency, desk):
    """山田さん世帯 (registered by the desk): a mother and her son."""
    h = HouseholdFactory(name="山田さん世帯", registered_by_agency=desk_agency, actor=desk)
    PersonFactory(
        household=h,
        family_name="山田",
        given_name="ハナ",
        family_name_kana="ヤマダ",
        given_name_kana="ハナ",
        birth_date=dt.date(1944, 5, 5),
        sex=Sex.FEMALE,
        relationship=Relationship.HEAD,
        actor=desk,
    )
    PersonFactory(
        household=h,
        family_name="山田",
        given_name="一郎",
        family_name_kana="ヤマダ",
        given_name_kana="イチロウ",
        birth_date=dt.date(1974, 8, 1),
        sex=Sex.MALE,
        relationship=Relationship.CHILD,
        actor=desk,
    )
    return h


@pytest.fixture
def members(household):
    return [m.person for m in household.current_memberships().order_by("pk")]


@pytest.fixture
def other_municipal(db):
    """A 庁内職員 of another department (保険年金課)."""
    agency = AgencyFactory(name="架空町役場 保険年金課", kind=AgencyKind.MUNICIPAL_DEPT)
    return staff(agency, Role.MUNICIPAL_STAFF, username="municipal2", display_name="年金 六郎")


@pytest.fixture
def consultation_data(db):
    """Builds the POST body of the consultation form; keyword arguments override."""

    def build(**overrides):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        care, money = category("介護"), category("収入・生活費")
        data = {
            "received_on": yesterday.isoformat(),
            "received_time": "10:15",
            "channel": "phone",
            "came_from": "family",
            "caller_name": "山田 花子",
            "caller_relationship": "長女",
            "categories": [care.pk, money.pk],
            "primary_category": care.pk,
            "summary": "母の介護が大変で、兄が働いておらず家計も苦しい。",
            "wishes": "一度話を聞いてほしい",
            "urgency": "normal",
            # 同意あり asks what was agreed (a real 本人同意 is recorded): the tests
            # about consent say so themselves.
            "consent_status": "unknown",
            "outcome": "information",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return build
