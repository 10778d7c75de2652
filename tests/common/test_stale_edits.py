"""Optimistic locking on every record a person edits through a form (issue 13 item 5).

Two people open the same edit page (so both forms carry the same version); the first
saves, the second's save is refused with the message the case form gives (who saved,
which fields), shown beside the form. The first save survives and the second person's
input is still in the re-rendered form, so nothing typed is lost.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import AgencyKind
from households.choices import Relationship
from outreach.choices import VisitResult
from participation.choices import HostContactMethod, HostOutcome
from tests.auth_helpers import login_verified
from tests.factories import DistrictFactory, HouseholdFactory, PersonFactory, UserFactory
from tests.factories_community import ActivityLogFactory, CommunityResourceFactory
from tests.factories_outreach import VisitCampaignFactory
from tests.factories_participation import HostDevelopmentFactory

STALE = "さんが保存しました"


@dataclass
class Scenario:
    url: str
    first: object  # the user who saves first
    second: object  # the user whose save comes too late
    first_data: dict
    second_data: dict
    reload: object  # () -> the stored row
    survived: object  # (row) -> True when the first save is what is stored
    second_marker: str  # a value only the second person typed
    version_fields: list[str] = field(default_factory=lambda: ["version"])


def _person_data(person, **changes):
    data = {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "family_name_kana": person.family_name_kana,
        "given_name_kana": person.given_name_kana,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "sex": person.sex,
        "phone": person.phone,
        "mobile_phone": person.mobile_phone,
        "email": person.email,
        "notes": person.notes,
    }
    return {**data, **changes}


def _membership_data(membership, **changes):
    data = {
        "m-relationship": membership.relationship,
        "m-since": membership.since.isoformat() if membership.since else "",
        "m-until": "",
    }
    return {**data, **changes}


def person_scenario(desk, coordinator, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    person = PersonFactory(household=household, actor=desk, notes="")
    membership = household.memberships.get(person=person)
    url = reverse(
        "households:person_edit", kwargs={"pk": household.pk, "membership_pk": membership.pk}
    )
    base = _membership_data(membership)
    return Scenario(
        url=url,
        first=coordinator,
        second=desk,
        first_data={**base, **_person_data(person, notes="推進員が書いた備考")},
        second_data={**base, **_person_data(person, notes="相談員が後から書いた備考")},
        reload=lambda: type(person).objects.get(pk=person.pk),
        survived=lambda row: row.notes == "推進員が書いた備考",
        second_marker="相談員が後から書いた備考",
        version_fields=["version", "m-version"],
    )


def membership_scenario(desk, coordinator, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    person = PersonFactory(household=household, actor=desk, relationship=Relationship.CHILD)
    membership = household.memberships.get(person=person)
    url = reverse(
        "households:person_edit", kwargs={"pk": household.pk, "membership_pk": membership.pk}
    )
    data = _person_data(person)
    first_until = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    second_until = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    return Scenario(
        url=url,
        first=coordinator,
        second=desk,
        first_data={**data, **_membership_data(membership, **{"m-until": first_until})},
        second_data={**data, **_membership_data(membership, **{"m-until": second_until})},
        reload=lambda: type(membership).objects.get(pk=membership.pk),
        survived=lambda row: row.until and row.until.isoformat() == first_until,
        second_marker=f'value="{second_until}"',
        version_fields=["version", "m-version"],
    )


def activity_scenario(desk, coordinator, desk_agency):
    resource = CommunityResourceFactory(actor=desk)
    activity = ActivityLogFactory(actor=desk, resource=resource, note="")
    base = {
        "held_on": activity.held_on.isoformat(),
        "children": 0,
        "youth": 0,
        "middle_aged": 0,
        "elderly": 12,
        "volunteers": 3,
    }
    return Scenario(
        url=reverse("community:activity_edit", kwargs={"pk": activity.pk}),
        first=coordinator,
        second=desk,
        first_data={**base, "note": "推進員の気づき"},
        second_data={**base, "elderly": 15, "note": "相談員の後からの気づき"},
        reload=lambda: type(activity).objects.get(pk=activity.pk),
        survived=lambda row: row.note == "推進員の気づき" and row.elderly == 12,
        second_marker="相談員の後からの気づき",
    )


def host_log_scenario(desk, coordinator, desk_agency):
    log = HostDevelopmentFactory(actor=desk)
    base = {
        "contacted_on": log.contacted_on.isoformat(),
        "organisation": log.organisation,
        "method": HostContactMethod.VISIT,
        "outcome": HostOutcome.CONSIDERING,
        "next_step": "",
        "next_on": "",
    }
    return Scenario(
        url=reverse("participation:host_log_edit", kwargs={"pk": log.pk}),
        first=coordinator,
        second=desk,
        first_data={**base, "outcome_note": "推進員の聞き取り"},
        second_data={**base, "outcome_note": "相談員の後からの聞き取り"},
        reload=lambda: type(log).objects.get(pk=log.pk),
        survived=lambda row: row.outcome_note == "推進員の聞き取り",
        second_marker="相談員の後からの聞き取り",
    )


def visit_scenario(desk, coordinator, desk_agency):
    district = DistrictFactory(name="本町区")
    HouseholdFactory(registered_by_agency=desk_agency, actor=desk, district=district)
    campaign = VisitCampaignFactory(
        actor=desk, districts=[district], visiting_agencies=[desk_agency]
    )
    visit = campaign.visits.get()
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    return Scenario(
        url=reverse("outreach:visit_edit", kwargs={"pk": campaign.pk, "visit_pk": visit.pk}),
        first=coordinator,
        second=desk,
        first_data={"result": VisitResult.CONCERN, "visited_on": day, "note": "推進員が見た様子"},
        second_data={"result": VisitResult.CONCERN, "visited_on": day, "note": "相談員の後の様子"},
        reload=lambda: type(visit).objects.get(pk=visit.pk),
        survived=lambda row: row.note == "推進員が見た様子",
        second_marker="相談員の後の様子",
    )


def agency_scenario(desk, coordinator, desk_agency):
    first = UserFactory(username="admin1", is_staff=True, display_name="管理 一郎")
    second = UserFactory(username="admin2", is_staff=True, display_name="管理 二郎")
    base = {
        "name": desk_agency.name,
        "kind": AgencyKind.MUNICIPAL_DEPT,
        "address": "",
        "phone": "",
        "email": "",
        "hours": "",
        "contact_person": "",
        "is_active": "on",
    }
    return Scenario(
        url=reverse("referrals:agency_edit", kwargs={"pk": desk_agency.pk}),
        first=first,
        second=second,
        first_data={**base, "handles": "生活困窮・ひきこもり"},
        second_data={**base, "handles": "後から書いた対応内容"},
        reload=lambda: type(desk_agency).objects.get(pk=desk_agency.pk),
        survived=lambda row: row.handles == "生活困窮・ひきこもり",
        second_marker="後から書いた対応内容",
    )


SCENARIOS = {
    "Person": person_scenario,
    "HouseholdMembership": membership_scenario,
    "ActivityLog": activity_scenario,
    "HostDevelopment": host_log_scenario,
    "VisitRecord": visit_scenario,
    "Agency": agency_scenario,
}


def _loaded_versions(client, url, names) -> dict:
    """Open the edit page and read the versions its form carries (hidden inputs)."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    found = {}
    for name in names:
        match = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="(\d+)"', html)
        assert match, f"the edit form carries no hidden {name}"
        found[name] = match.group(1)
    return found


@pytest.mark.parametrize("model", sorted(SCENARIOS))
def test_second_edit_from_the_same_version_is_refused(model, desk, coordinator, desk_agency):
    s = SCENARIOS[model](desk, coordinator, desk_agency)
    first, second = login_verified(Client(), s.first), login_verified(Client(), s.second)
    # Both open the page before either saves.
    second_versions = _loaded_versions(second, s.url, s.version_fields)
    first_versions = _loaded_versions(first, s.url, s.version_fields)

    response = first.post(s.url, {**s.first_data, **first_versions})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert s.survived(s.reload())

    response = second.post(s.url, {**s.second_data, **second_versions})
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{s.first.display_name}{STALE}" in body
    assert "最新の内容を確認してから、もう一度入力してください" in body
    assert 'class="form-errors"' in body  # beside the form, not a flash message
    assert s.second_marker in body  # what the second person typed is kept
    assert s.survived(s.reload())  # the first save stands
