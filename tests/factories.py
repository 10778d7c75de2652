"""factory-boy factories. Domain objects are created through their services, so grants,
groups and history rows exist exactly as in the running product."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from accounts import services as account_services
from accounts.choices import AgencyKind, Role
from accounts.models import Agency, Membership, User
from households import services as household_services
from households.choices import ConsentMethod, Relationship, Sex
from households.models import Consent, District, Household, Person


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"職員{n}")
    password = factory.django.Password("correct-horse-battery")


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"機関{n}")
    kind = AgencyKind.COMMUNITY_GENERAL_SUPPORT
    is_desk = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return account_services.agency_create(actor=None, **kwargs)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.COUNSELOR

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return account_services.membership_add(actor=None, **kwargs)


def staff(agency, role=Role.COUNSELOR, **user_fields) -> User:
    """A user who is a member of agency with role."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, agency=agency, role=role)
    return user


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"第{n}区")


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"世帯{n}")
    address = factory.Sequence(lambda n: f"架空町大字本町{n}番地")
    phone = "096-293-0000"
    registered_by_agency = factory.SubFactory(AgencyFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        agency = kwargs.pop("registered_by_agency")
        actor = kwargs.pop("actor", None)
        return household_services.household_create(actor=actor, agency=agency, **kwargs)


class PersonFactory(DjangoModelFactory):
    """A person in a household (pass household=...; relationship defaults to 世帯主)."""

    class Meta:
        model = Person

    family_name = "山田"
    given_name = factory.Sequence(lambda n: f"太郎{n}")
    family_name_kana = "ヤマダ"
    given_name_kana = "タロウ"
    birth_date = dt.date(1950, 4, 1)
    sex = Sex.MALE
    household = factory.SubFactory(HouseholdFactory)
    relationship = Relationship.HEAD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        household = kwargs.pop("household")
        relationship = kwargs.pop("relationship")
        actor = kwargs.pop("actor", None)
        return household_services.person_add_to_household(
            actor=actor,
            agency=household.registered_by_agency,
            household=household,
            relationship=relationship,
            **kwargs,
        )


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = "支援のための関係機関での情報共有"
    method = ConsentMethod.SIGNED
    obtained_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))
    expires_on = None
    recorded_by = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        agencies = kwargs.pop("agencies", [])
        actor = kwargs.pop("recorded_by")
        return household_services.consent_record(actor=actor, agencies=agencies, **kwargs)
