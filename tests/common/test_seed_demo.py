"""seed_demo builds 架空町 once; a second run adds nothing."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.choices import AgencyKind, Role
from accounts.models import AccessLog, ActionLog, Agency, Membership, User
from common import demo
from households.access import households_visible_to
from households.choices import ConsentState
from households.demo import DEMO_PASSWORD
from households.models import Consent, District, Household, HouseholdMembership, Person

MODELS = [Agency, User, Membership, District, Household, Person, HouseholdMembership, Consent]


def _login_request():
    """authenticate() needs the request: django-axes checks the lockout per address."""
    return RequestFactory().post("/accounts/login/")


def counts():
    rows = {model.__name__: model.objects.count() for model in MODELS}
    rows |= {f"history:{m.__name__}": m.history.count() for m in MODELS if hasattr(m, "history")}
    rows["ActionLog"] = ActionLog.objects.count()
    rows["AccessLog"] = AccessLog.objects.count()
    return rows


USERNAMES = ["admin", "soudan", "suishin", "kanri", "houkatsu", "shakyo", "zeimu"]
STAFF = [
    ("soudan", "架空町 ふくしの相談窓口", Role.COUNSELOR),
    ("suishin", "架空町 ふくしの相談窓口", Role.COORDINATOR),
    ("kanri", "架空町 ふくしの相談窓口", Role.MANAGER),
    ("houkatsu", "架空町地域包括支援センター", Role.PARTNER_STAFF),
    ("shakyo", "架空町社会福祉協議会", Role.PARTNER_STAFF),
    ("zeimu", "架空町役場 税務課", Role.MUNICIPAL_STAFF),
]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def probe_seeders():
    """Two seeders around households' (order 10) that record what the context holds.
    Seeders other apps register may run between them; they only add to the context."""
    calls = []

    @demo.register(order=5)
    def early(context):
        calls.append("early")
        context["early"] = True

    @demo.register(order=99)
    def late(context):
        calls.append(
            {
                "early": context["early"],
                "already_seeded": context.get("already_seeded", False),
                "desk_agency": context["desk_agency"].name,
                "households": len(context["households"]),
                "household_keys": {"8050", "dv", "single_parent"}
                <= set(context["household_by_key"]),
                "agencies": {"desk", "houkatsu", "zeimu"} <= set(context["agencies"]),
                "users": set(USERNAMES) <= set(context["users"]),
                "credentials": {c[0] for c in context["credentials"]} >= set(USERNAMES),
            }
        )

    yield calls
    del demo._SEEDERS[f"{__name__}.{early.__qualname__}"]
    del demo._SEEDERS[f"{__name__}.{late.__qualname__}"]


def test_second_run_adds_nothing_and_fills_the_context(db, probe_seeders):
    first_output = seed()
    after_first = counts()

    second_output = seed()

    assert counts() == after_first
    assert after_first["Household"] >= 30
    assert after_first["Agency"] >= 7
    assert "デモデータを登録しました。" in first_output
    assert "デモデータは登録済みです。何も追加しませんでした。" in second_output
    for output in (first_output, second_output):
        for username in USERNAMES:
            assert f"  {username.ljust(8)}  {DEMO_PASSWORD}  " in output
        assert f"{DEMO_PASSWORD}  相談員（架空町 ふくしの相談窓口）" in output
    # Later seeders (cases, meetings, ...) find the same context on both runs.
    first, second = probe_seeders[1], probe_seeders[3]
    assert probe_seeders[0] == probe_seeders[2] == "early"
    assert first | {"already_seeded": True} == second
    assert first == {
        "early": True,
        "already_seeded": False,
        "desk_agency": "架空町 ふくしの相談窓口",
        "households": after_first["Household"],
        "household_keys": True,
        "agencies": True,
        "users": True,
        "credentials": True,
    }


def test_the_town_and_its_staff(db):
    seed()

    assert Household.objects.count() >= 30
    assert District.objects.count() >= 12
    kinds = set(Agency.objects.values_list("kind", flat=True))
    assert {
        AgencyKind.MUNICIPAL_DEPT,
        AgencyKind.COMMUNITY_GENERAL_SUPPORT,
        AgencyKind.CONSULTATION_SUPPORT,
        AgencyKind.SOCIAL_WELFARE_COUNCIL,
        AgencyKind.SELF_RELIANCE_SUPPORT,
        AgencyKind.MEDICAL,
        AgencyKind.CHILD_REARING,
        AgencyKind.YOUTH_SUPPORT,
    } <= kinds
    assert Agency.objects.get(is_desk=True).name == "架空町 ふくしの相談窓口"
    for agency in Agency.objects.all():
        assert agency.address and agency.phone and agency.hours and agency.handles
        assert agency.group is not None
    assert Household.objects.filter(is_address_confidential=True).exists()
    # Each person has exactly one current household; the single mother and her son moved.
    assert HouseholdMembership.objects.filter(until__isnull=True).count() == (
        Person.objects.count()
    )
    assert HouseholdMembership.objects.filter(until__isnull=False).count() == 2
    states = {consent.state() for consent in Consent.objects.all()}
    assert {ConsentState.VALID, ConsentState.EXPIRED, ConsentState.WITHDRAWN} <= states
    # Everything was written through the services, by a named user.
    for model in (Agency, Household, Person, HouseholdMembership, Consent):
        assert not model.history.filter(history_user__isnull=True).exists(), model
    # A user for every role, all with the printed password.
    assert len(DEMO_PASSWORD) >= 12
    for username, agency_name, role in STAFF:
        user = authenticate(_login_request(), username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        membership = user.memberships.get()
        assert (membership.agency.name, membership.role) == (agency_name, role)
        assert not user.is_staff
    admin = authenticate(_login_request(), username="admin", password=DEMO_PASSWORD)
    assert admin.is_staff and admin.is_superuser
    assert not admin.memberships.exists()
    assert not households_visible_to(admin).exists()
    assert households_visible_to(User.objects.get(username="soudan")).count() >= 30
    assert households_visible_to(User.objects.get(username="houkatsu")).exists()
    assert not households_visible_to(User.objects.get(username="shakyo")).exists()


def test_refuses_a_database_that_holds_real_data(partner_agency):
    before = counts()

    with pytest.raises(CommandError, match="既に機関または利用者が登録されています"):
        seed()

    assert counts() == before
