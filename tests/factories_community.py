"""Factories for 地域づくり, creating through community.services (pass actor=)."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from community import services
from community.choices import IssueSource, ResourceKind
from community.models import ActivityLog, CommunityIssue, CommunityResource


class CommunityResourceFactory(DjangoModelFactory):
    class Meta:
        model = CommunityResource

    name = factory.Sequence(lambda n: f"ふれあいサロン{n}")
    kind = ResourceKind.SALON
    organiser = "自治会"
    schedule = "毎月第2水曜 10時〜"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.resource_create(**kwargs)


class ActivityLogFactory(DjangoModelFactory):
    class Meta:
        model = ActivityLog

    held_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=2))
    elderly = 12
    volunteers = 3

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.activity_create(**kwargs)


class CommunityIssueFactory(DjangoModelFactory):
    class Meta:
        model = CommunityIssue

    title = factory.Sequence(lambda n: f"移動手段がない高齢者の通院{n}")
    description = "バス路線の廃止で通院できない高齢者が増えている。"
    source = IssueSource.CASES
    case_count = 4
    raised_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.issue_create(**kwargs)
