"""Factories for 参加支援, creating through participation.services (pass actor=)."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from participation import services
from participation.choices import FollowUpMethod, HostContactMethod, HostOutcome, OpportunityKind
from participation.models import HostDevelopment, Opportunity, Placement, PlacementFollowUp


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"図書館ボランティア{n}")
    kind = OpportunityKind.VOLUNTEER
    host_name = "架空町立図書館"
    days = (2,)  # Wednesday
    hours = "10:00〜12:00"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.opportunity_create(**kwargs)


class HostDevelopmentFactory(DjangoModelFactory):
    class Meta:
        model = HostDevelopment

    contacted_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=3))
    organisation = factory.Sequence(lambda n: f"有限会社 架空農園{n}")
    method = HostContactMethod.VISIT
    outcome = HostOutcome.CONSIDERING
    outcome_note = "週1回の農作業体験なら受け入れを検討できる。"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.host_log_create(**kwargs)


class PlacementFactory(DjangoModelFactory):
    """PlacementFactory(actor=..., person=..., opportunity=..., case=...)."""

    class Meta:
        model = Placement

    coordinating_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=20))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.placement_create(**kwargs)


class FollowUpFactory(DjangoModelFactory):
    class Meta:
        model = PlacementFollowUp

    followed_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=1))
    method = FollowUpMethod.INTERVIEW
    note = "休まず通えている。"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.follow_up_create(**kwargs)
