import pytest

from tests.factories_referrals import consent_for, make_case


@pytest.fixture
def world(desk, desk_agency, partner_agency):
    """The desk's case, and a consent of its principal naming the partner agency."""
    case, principal, son = make_case(desk=desk, desk_agency=desk_agency)
    consent = consent_for(principal, [partner_agency], actor=desk)
    return {"case": case, "principal": principal, "son": son, "consent": consent}
