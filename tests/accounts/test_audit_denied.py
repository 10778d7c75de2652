"""Refused reads are logged: every get_*_for_user that guards a personal record writes a
DENIED row (who, what, which id) before it answers 404, for an object that exists and
for one that does not alike. Getters of records that hold nothing personal are listed
with the reason; a new getter must be put in one list or the other."""

import ast
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.http import Http404

from accounts.models import AccessLog
from households.access import get_household_for_user
from meetings.choices import MeetingKind
from tests.factories import ConsentFactory
from tests.factories_intake import ConnectSheetFactory, ConsultationFactory
from tests.factories_meetings import MeetingFactory
from tests.factories_outreach import OutreachTargetFactory
from tests.factories_participation import OpportunityFactory, PlacementFactory
from tests.factories_referrals import ReferralFactory, make_case
from tests.project import project_apps

pytestmark = pytest.mark.django_db

APPS = [app for app in project_apps() if app != "common"]

# getter -> the object_type its DENIED rows carry.
PERSONAL = {
    "cases.sharing.visibility.get_case_for_user": "cases.case",
    "households.access.get_household_for_user": "households.household",
    "intake.access.get_consultation_for_user": "intake.consultation",
    "intake.selectors.get_sheet_for_user": "intake.connectsheet",
    "referrals.selectors.get_referral_for_user": "referrals.referral",
    "meetings.selectors.get_meeting_for_user": "meetings.meeting",
    "outreach.selectors.get_target_for_user": "outreach.outreachtarget",
    "participation.selectors.get_placement_for_user": "participation.placement",
}

# Getters of records with nothing personal in them: a refusal is not logged.
NOT_PERSONAL = {
    "outreach.selectors.get_campaign_for_user": "a 世帯訪問調査 plan: dates, districts, agencies",
    "participation.selectors.get_opportunity_for_user": "a 参加先 (library, farm): no person",
    "participation.selectors.get_host_log_for_user": "受入先開拓: talks with an organisation",
    "community.selectors.get_district_for_user": "a district page shows counts only",
    "community.selectors.get_resource_for_user": "a community resource (salon, 子ども食堂)",
    "community.selectors.get_activity_for_user": "an activity with head counts by age band",
    "community.selectors.get_issue_for_user": "a 地域課題 raised for the area, not a person",
    "reports.selectors.get_report_for_user": "aggregate monthly statistics",
}


def _getters_in_source() -> set[str]:
    found = set()
    for app in APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = ".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts)
            for node in tree.body:
                if (
                    isinstance(node, ast.FunctionDef)
                    and node.name.startswith("get_")
                    and node.name.endswith("_for_user")
                ):
                    found.add(f"{module}.{node.name}")
    return found


def test_every_getter_is_classified():
    assert _getters_in_source() == set(PERSONAL) | set(NOT_PERSONAL)
    assert not set(PERSONAL) & set(NOT_PERSONAL)


def _getter(dotted: str):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.fixture
def world(desk, desk_agency, manager, partner_agency, municipal, municipal_agency):
    """One object of each guarded kind, none of them visible to `outsider`."""
    case, principal, _son = make_case(desk=desk, desk_agency=desk_agency)
    consent = ConsentFactory(person=principal, agencies=[partner_agency], recorded_by=desk)
    opportunity = OpportunityFactory(actor=manager)
    return {
        "cases.case": case,
        "households.household": case.household,
        "intake.consultation": ConsultationFactory(agency=desk_agency, received_by=desk),
        "intake.connectsheet": ConnectSheetFactory(
            sender=municipal, sender_agency=municipal_agency
        ),
        "referrals.referral": ReferralFactory(
            case=case, actor=desk, to_agency=partner_agency, consent=consent
        ),
        "meetings.meeting": MeetingFactory(
            kind=MeetingKind.SUPPORT_MEETING, chair=desk, organising_agency=desk_agency
        ),
        "outreach.outreachtarget": OutreachTargetFactory(
            actor=desk, assigned_agency=desk_agency, description="北側の一軒家の高齢男性"
        ),
        "participation.placement": PlacementFactory(
            actor=desk, person=principal, opportunity=opportunity, case=case
        ),
    }


def _call(dotted, user, pk):
    kwargs = {"is_desk": False} if dotted.endswith("get_sheet_for_user") else {}
    return _getter(dotted)(user, pk, **kwargs)


@pytest.mark.parametrize("dotted", sorted(PERSONAL))
def test_a_refused_read_writes_a_denied_row(world, outsider, desk, municipal, dotted):
    object_type = PERSONAL[dotted]
    obj = world[object_type]
    # The owner (the desk; the sender for a つなぐシート) reads it: no refusal logged.
    owner = municipal if object_type == "intake.connectsheet" else desk
    _call(dotted, owner, obj.pk)
    assert not AccessLog.objects.filter(outcome=AccessLog.Outcome.DENIED).exists()

    before = max(AccessLog.objects.values_list("pk", flat=True), default=0)
    with pytest.raises(Http404):
        _call(dotted, outsider, obj.pk)
    missing = 10_000_000 + obj.pk
    with pytest.raises(Http404):
        _call(dotted, outsider, missing)

    rows = list(
        AccessLog.objects.filter(pk__gt=before)
        .order_by("pk")
        .values_list("user__username", "outcome", "object_type", "object_id")
    )
    assert rows == [
        ("outsider", AccessLog.Outcome.DENIED, object_type, str(obj.pk)),
        ("outsider", AccessLog.Outcome.DENIED, object_type, str(missing)),
    ]


def test_a_refused_change_of_a_household_is_logged_with_the_action(world, partner):
    """The partner may see the shared household but not change it."""
    household = world["households.household"]
    from cases import services as case_services
    from cases.choices import GrantScope

    case = world["cases.case"]
    consent = case.household.memberships.first().person.consents.first()
    case_services.case_share(
        actor=case.lead_staff,
        case=case,
        agency=partner.primary_agency,
        scope=GrantScope.RECORDS,
        consent=consent,
    )
    assert get_household_for_user(partner, household.pk).pk == household.pk

    with pytest.raises(Http404):
        get_household_for_user(partner, household.pk, action="change")

    row = AccessLog.objects.get(outcome=AccessLog.Outcome.DENIED)
    assert (row.user, row.object_type, row.object_id, row.detail) == (
        partner,
        "households.household",
        str(household.pk),
        "change",
    )


def test_refusals_of_anonymous_visitors_write_nothing():
    """Views never reach a getter anonymously (LoginRequiredMiddleware); log_denied still
    writes nothing without a signed-in user rather than a row naming nobody."""
    from django.contrib.auth.models import AnonymousUser

    from accounts.audit import log_denied

    log_denied(user=AnonymousUser(), object_type="cases.case", object_id=1)
    log_denied(user=None, object_type="cases.case", object_id=1)

    assert not AccessLog.objects.exists()
