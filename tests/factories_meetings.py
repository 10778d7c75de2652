"""Factories for meetings, created through the services (grants and history exist as in
the running product), and the few case helpers the meeting tests need."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases import services as case_services
from cases.choices import CasePersonRole
from meetings import services
from meetings.choices import MeetingKind, Topic
from meetings.models import Meeting
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory


def open_case(*, agency, actor, title="山田さん世帯の支援", household=None):
    """A case led by agency, with one principal person."""
    household = household or HouseholdFactory(registered_by_agency=agency, actor=actor)
    person = PersonFactory(household=household, actor=actor)
    return case_services.case_open(
        actor=actor,
        household=household,
        lead_agency=agency,
        lead_staff=actor,
        title=title,
        opened_on=timezone.localdate() - dt.timedelta(days=60),
        persons=[(person, CasePersonRole.PRINCIPAL)],
    )


def consent_for(case, agencies, *, actor):
    person = case.case_persons.select_related("person").first().person
    return ConsentFactory(person=person, agencies=list(agencies), recorded_by=actor)


def consented_plan(case, consent, *, actor, roles=()):
    """A plan with 本人同意 recorded, waiting for approval (e.g. at a 重層的支援会議)."""
    plan = case_services.plan_create(
        actor=actor,
        case=case,
        person_wishes="家で暮らし続けたい",
        goals="介護サービスを整える",
        roles=list(roles),
    )
    return case_services.plan_record_consent(actor=actor, plan=plan, consent=consent)


class MeetingFactory(DjangoModelFactory):
    """MeetingFactory(chair=user, organising_agency=agency): held an hour ago by default."""

    class Meta:
        model = Meeting

    kind = MeetingKind.SUPPORT_MEETING
    title = ""
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    place = "役場 小会議室"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        actor = kwargs.pop("actor", None) or kwargs["chair"]
        return services.meeting_create(actor=actor, **kwargs)


def add_member(meeting, user, *, actor, agency=None, acknowledge=True):
    member = services.member_add(
        actor=actor, meeting=meeting, user=user, agency=agency or user.primary_agency
    )
    if acknowledge:
        services.member_acknowledge(actor=user, member=member)
    return member


def add_case_item(meeting, case, *, actor, brief="長男が10年ひきこもり、母の介護も滞っている。"):
    return services.agenda_item_add(
        actor=actor, meeting=meeting, topic=Topic.CASE, case=case, brief=brief
    )
