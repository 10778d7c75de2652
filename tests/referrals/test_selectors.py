"""The statistics the monthly report reads (繋ぎ先 table, days to the first referral,
days to acceptance), on a dataset whose figures are known."""

import datetime as dt
import zoneinfo

import pytest

from accounts.choices import AgencyKind
from referrals import selectors, services
from referrals.models import Referral
from tests.factories_referrals import ReferralFactory, consent_for, make_case

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
APRIL = (dt.date(2024, 4, 1), dt.date(2024, 4, 30))


def at(month, day, hour=10):
    return dt.datetime(2024, month, day, hour, 0, tzinfo=TOKYO)


@pytest.fixture
def dataset(desk, desk_agency, partner, partner_agency, outsider, outsider_agency):
    """
    case  consultation   referral to   sent       answer
    A     4/1 09:00      包括          4/5        accepted 4/7   (2 days)
    A                    社協          4/6        accepted 4/12  (6 days)
    B     4/10           包括          4/20       accepted 4/21  (1 day)
    C     4/1 23:30      包括          4/2 00:30  declined
    D     4/3            包括          5/1        accepted 5/2   (outside April)
    E     (none)         包括          4/15       -              (no consultation)
    F     3/31           包括          3/31       -              (outside April)
    """
    rows = {}

    def refer(key, family, consultation_at, to_agency, sent, accepted=None, declined=False):
        if key not in rows:
            rows[key] = make_case(
                desk=desk,
                desk_agency=desk_agency,
                title=f"ケース{key}",
                family=family,
                consultation_at=consultation_at,
                with_consultation=consultation_at is not None,
            )
        case, principal, _ = rows[key]
        consent = consent_for(principal, [to_agency], actor=desk)
        referral = ReferralFactory(case=case, actor=desk, to_agency=to_agency, consent=consent)
        receiver = partner if to_agency == partner_agency else outsider
        if accepted:
            services.referral_accept(actor=receiver, referral=referral)
        if declined:
            services.referral_decline(actor=receiver, referral=referral, reason="管轄外")
        Referral.objects.filter(pk=referral.pk).update(sent_at=sent, accepted_at=accepted)
        return referral

    refer("A", "青木", at(4, 1, 9), partner_agency, at(4, 5), accepted=at(4, 7))
    refer("A", "青木", None, outsider_agency, at(4, 6), accepted=at(4, 12))
    refer("B", "石井", at(4, 10), partner_agency, at(4, 20), accepted=at(4, 21))
    refer("C", "上田", at(4, 1, 23) + dt.timedelta(minutes=30), partner_agency,
          at(4, 2, 0) + dt.timedelta(minutes=30), declined=True)  # fmt: skip
    refer("D", "江藤", at(4, 3), partner_agency, at(5, 1), accepted=at(5, 2))
    refer("E", "大野", None, partner_agency, at(4, 15))
    refer("F", "加藤", at(3, 31, 8), partner_agency, at(3, 31, 18))
    return rows


def test_referral_counts_by_receiving_agency_kind(dataset, desk_agency, partner_agency):
    assert selectors.referral_counts_by_kind(*APRIL) == {
        AgencyKind.COMMUNITY_GENERAL_SUPPORT: {"sent": 4, "accepted": 2},  # A, B, C, E
        AgencyKind.SOCIAL_WELFARE_COUNCIL: {"sent": 1, "accepted": 1},
    }
    assert selectors.referral_counts_by_kind(*APRIL, agency=desk_agency) == (
        selectors.referral_counts_by_kind(*APRIL)
    )
    assert selectors.referral_counts_by_kind(*APRIL, agency=partner_agency) == {}
    # The period's edges are local (Asia/Tokyo) calendar days.
    assert selectors.referral_counts_by_kind(dt.date(2024, 3, 31), dt.date(2024, 3, 31)) == {
        AgencyKind.COMMUNITY_GENERAL_SUPPORT: {"sent": 1, "accepted": 0},
    }


def test_days_from_consultation_to_first_referral(dataset):
    # A: 4/1 → 4/5 = 4, B: 4/10 → 4/20 = 10, C: 4/1 → 4/2 = 1 (local days);
    # D's first referral is in May, E has no consultation, F is in March.
    assert selectors.days_consultation_to_first_referral(*APRIL) == {
        "count": 3,
        "median": 4.0,
        "average": 5.0,
    }
    assert selectors.days_consultation_to_first_referral(
        dt.date(2024, 5, 1), dt.date(2024, 5, 31)
    ) == {
        "count": 1,
        "median": 28.0,
        "average": 28.0,
    }


def test_days_from_referral_to_acceptance(dataset):
    # 2 (A→包括), 6 (A→社協), 1 (B); C was declined, E not answered, D in May.
    assert selectors.days_referral_to_acceptance(*APRIL) == {
        "count": 3,
        "median": 2.0,
        "average": 3.0,
    }


def test_empty_periods_give_no_figures(db):
    empty = {"count": 0, "median": None, "average": None}
    assert selectors.referral_counts_by_kind(*APRIL) == {}
    assert selectors.days_consultation_to_first_referral(*APRIL) == empty
    assert selectors.days_referral_to_acceptance(*APRIL) == empty


def test_the_counts_are_one_query(dataset, django_assert_num_queries):
    with django_assert_num_queries(1):  # one GROUP BY
        selectors.referral_counts_by_kind(*APRIL)
    with django_assert_num_queries(1):  # MIN per case, filtered in HAVING
        selectors.days_consultation_to_first_referral(*APRIL)
    with django_assert_num_queries(1):
        selectors.days_referral_to_acceptance(*APRIL)
