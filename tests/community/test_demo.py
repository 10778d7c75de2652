"""seed_demo fills the three pillars beyond the desk once; a second run adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases.choices import Project
from cases.models import SupportRecord
from community.models import ActivityLog, CommunityIssue, CommunityResource, IssueAction
from outreach.choices import TargetStatus
from outreach.models import ContactAttempt, OutreachTarget, VisitCampaign, VisitRecord
from participation.models import HostDevelopment, Opportunity, Placement, PlacementFollowUp

MODELS = [
    VisitCampaign,
    VisitRecord,
    OutreachTarget,
    ContactAttempt,
    Opportunity,
    HostDevelopment,
    Placement,
    PlacementFollowUp,
    CommunityResource,
    ActivityLog,
    CommunityIssue,
    IssueAction,
]


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.mark.django_db
def test_seed_demo_fills_outreach_participation_and_community():
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    assert all(first.values()), first
    assert OutreachTarget.objects.filter(source="survey", visit__isnull=False).exists()
    connected = OutreachTarget.objects.get(status=TargetStatus.CONNECTED)
    assert connected.case is not None
    assert SupportRecord.objects.filter(case=connected.case, project=Project.OUTREACH).exists()
    assert Placement.objects.filter(status="settled", case=connected.case).exists()
    assert SupportRecord.objects.filter(project=Project.PARTICIPATION).exists()
    assert ActivityLog.objects.filter(children__gt=0, elderly__gt=0).exists()

    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
