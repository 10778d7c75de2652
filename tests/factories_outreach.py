"""Factories for アウトリーチ, creating through outreach.services (pass actor=)."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from outreach import services
from outreach.choices import ContactMethod, TargetSource
from outreach.models import ContactAttempt, OutreachTarget, VisitCampaign


class OutreachTargetFactory(DjangoModelFactory):
    """OutreachTargetFactory(actor=desk, assigned_agency=..., household=... or description=...)."""

    class Meta:
        model = OutreachTarget

    source = TargetSource.NEIGHBOUR
    concern = factory.Sequence(lambda n: f"新聞がたまっている（{n}）")
    found_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=7))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.target_create(**kwargs)


class ContactAttemptFactory(DjangoModelFactory):
    class Meta:
        model = ContactAttempt

    contacted_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=1))
    method = ContactMethod.VISIT
    result = "不在。手紙を置いた。"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.contact_create(**kwargs)


class VisitCampaignFactory(DjangoModelFactory):
    """VisitCampaignFactory(actor=desk, districts=[...], visiting_agencies=[...])."""

    class Meta:
        model = VisitCampaign

    name = factory.Sequence(lambda n: f"令和6年度 世帯訪問調査 第{n}回")
    starts_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.campaign_create(**kwargs)
