"""Factories for 相談受付 and つなぐシート, created through intake.services like the
product does (category links, history rows and action log included)."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.choices import AgencyKind, Role
from intake import services as intake_services
from intake.choices import CameFrom, Channel, ContactMethod, Outcome, SheetTopic
from intake.models import ConnectSheet, Consultation, ConsultationCategory
from tests.factories import AgencyFactory, staff


def category(name: str) -> ConsultationCategory:
    """A category of the seeded master list (intake migration 0002)."""
    return ConsultationCategory.objects.get(name=name)


class ConsultationFactory(DjangoModelFactory):
    """Pass received_by (a member of agency) or let one be made; categories defaults to
    その他, the first category is 主 unless primary_category is given."""

    class Meta:
        model = Consultation

    agency = factory.SubFactory(AgencyFactory, kind=AgencyKind.MUNICIPAL_DEPT, is_desk=True)
    received_by = factory.LazyAttribute(lambda o: staff(o.agency, Role.COUNSELOR))
    received_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    channel = Channel.PHONE
    came_from = CameFrom.FAMILY
    caller_name = "架空 花子"
    summary = "母の介護と兄の生活について相談したい"
    outcome = Outcome.INFORMATION

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        actor = kwargs.pop("received_by")
        categories = kwargs.pop("categories", None) or [category("その他")]
        primary = kwargs.pop("primary_category", None) or categories[0]
        return intake_services.consultation_create(
            actor=actor, categories=categories, primary_category=primary, **kwargs
        )


class ConnectSheetFactory(DjangoModelFactory):
    """A sheet a 庁内職員 sent (with the person's consent)."""

    class Meta:
        model = ConnectSheet

    sender_agency = factory.SubFactory(AgencyFactory, kind=AgencyKind.MUNICIPAL_DEPT)
    sender = factory.LazyAttribute(lambda o: staff(o.sender_agency, Role.MUNICIPAL_STAFF))
    name_kana = "カクウタロウ"
    name = "架空 太郎"
    birth_date = dt.date(1975, 6, 1)
    sex = "male"
    address = "架空町大字本町1番地"
    home_phone = "096-293-1111"
    topics = factory.LazyFunction(lambda: [SheetTopic.CARE, SheetTopic.DEBT])
    details = "滞納の相談で来庁。母の介護もあり生活が苦しいとのこと。"
    contact_method = ContactMethod.HOME_PHONE
    contact_hours = "平日の午前"
    consent_given = True
    consent_date = factory.LazyFunction(timezone.localdate)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        actor = kwargs.pop("sender")
        agency = kwargs.pop("sender_agency")
        return intake_services.sheet_send(actor=actor, agency=agency, **kwargs)
