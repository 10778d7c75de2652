"""The community cast's world: 本町区 with the サロン run by its 自治会, logged by the
partner (地域包括支援センター staff often attend)."""

import pytest

from tests.factories import DistrictFactory
from tests.factories_community import (
    ActivityLogFactory,
    CommunityIssueFactory,
    CommunityResourceFactory,
)


@pytest.fixture
def honmachi(db):
    return DistrictFactory(name="本町区", code="01")


@pytest.fixture
def salon(desk, honmachi):
    return CommunityResourceFactory(
        actor=desk,
        name="本町ふれあいサロン",
        kind="salon",
        district=honmachi,
        organiser="本町区自治会",
    )


@pytest.fixture
def activity(partner, salon):
    return ActivityLogFactory(
        actor=partner, resource=salon, children=4, youth=0, middle_aged=2, elderly=15, volunteers=5
    )


@pytest.fixture
def issue(desk, honmachi):
    return CommunityIssueFactory(
        actor=desk, title="買い物に行けない高齢者", district=honmachi, case_count=3
    )
