"""Writes for households, persons, memberships and consents. Each names the acting user
so simple-history and the action log record who did it."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.audit import log_action
from common.services import bump_version, check_version, save_as
from households import access
from households.models import Consent, District, Household, HouseholdMembership, Person
from households.signals import (
    consent_ended,
    hidden_duplicate_registered,
    household_confidentiality_changed,
)


@transaction.atomic
def district_create(*, actor, name: str, code: str = "") -> District:
    """Add a 行政区 to the master list."""
    district = District(name=name, code=code)
    save_as(district, actor)
    log_action(actor=actor, action="households.district.created", obj=district)
    return district


@transaction.atomic
def household_create(*, actor, agency, **fields) -> Household:
    """Register a household. Side effects: the registering agency is granted it."""
    household = Household(registered_by_agency=agency, **fields)
    save_as(household, actor)
    access.grant_household(agency=agency, household=household, change=True, confidential=True)
    log_action(actor=actor, action="households.household.created", obj=household)
    return household


@transaction.atomic
def household_update(*, actor, household: Household, expected_version=None, **fields) -> Household:
    """Update a household; a stale version raises StaleEdit and nothing is saved."""
    check_version(household, expected_version)
    was_confidential = household.is_address_confidential
    for key, value in fields.items():
        setattr(household, key, value)
    bump_version(household)
    save_as(household, actor)
    if was_confidential != household.is_address_confidential:
        household_confidentiality_changed.send(Household, household=household, actor=actor)
    log_action(actor=actor, action="households.household.updated", obj=household)
    return household


def possible_duplicates(
    *, family_name_kana: str, given_name_kana: str, birth_date, exclude_pk=None
):
    """Persons already registered with the same normalised kana and birth date."""
    from common.kana import normalise_kana

    if not birth_date:
        return Person.objects.none()
    key = normalise_kana(family_name_kana) + normalise_kana(given_name_kana)
    qs = Person.objects.filter(name_kana=key, birth_date=birth_date)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs


@transaction.atomic
def person_add_to_household(
    *, actor, agency, household: Household, relationship: str, since=None, **fields
) -> Person:
    """Create a person and make them a member of the household. Side effect: when the
    person may be the same as a person in hiding the actor cannot see,
    hidden_duplicate_registered is sent (the hidden household's lead is told)."""
    person = Person(registered_by_agency=agency, **fields)
    save_as(person, actor)
    membership_create(
        actor=actor, household=household, person=person, relationship=relationship, since=since
    )
    log_action(actor=actor, action="households.person.created", obj=person)
    _tell_of_hidden_duplicates(actor=actor, agency=agency, person=person)
    return person


def _tell_of_hidden_duplicates(*, actor, agency, person: Person) -> None:
    """The registering user was not warned of a match in hiding (that would confirm the
    person exists, access.sort_duplicates); the lead of their household must still be
    able to resolve the duplicate. A registration with no acting user (a data load)
    has nobody the match was hidden from, so it sends nothing."""
    if actor is None or not person.birth_date:
        return
    found = possible_duplicates(
        family_name_kana=person.family_name_kana,
        given_name_kana=person.given_name_kana,
        birth_date=person.birth_date,
        exclude_pk=person.pk,
    )
    hidden = access.sort_duplicates(actor, found).concealed_households
    if hidden:
        hidden_duplicate_registered.send(Person, household_ids=hidden, agency=agency, actor=actor)


@transaction.atomic
def person_update(*, actor, person: Person, expected_version=None, **fields) -> Person:
    """Edit a person; a stale version raises StaleEdit and nothing is saved."""
    check_version(person, expected_version)
    for key, value in fields.items():
        setattr(person, key, value)
    bump_version(person)
    save_as(person, actor)
    log_action(actor=actor, action="households.person.updated", obj=person)
    return person


@transaction.atomic
def membership_create(*, actor, household, person, relationship, since=None) -> HouseholdMembership:
    """Join a person to a household; their current membership elsewhere ends the day before.

    since is the day they joined. A move (the person has a current household) defaults
    to today; a person's first household defaults to no date (unknown: a member from
    before they were registered), so a household registered later for a history typed
    in afterwards still has its members on the earlier days (reports.statistics reads
    household sizes on past days from these dates)."""
    currents = list(
        HouseholdMembership.objects.select_for_update().filter(person=person, until__isnull=True)
    )
    if since is None and currents:
        since = timezone.localdate()
    for current in currents:
        # A membership that began on the moving day ends that day, never before it began.
        day_before = since - dt.timedelta(days=1)
        current.until = max(day_before, current.since) if current.since else day_before
        bump_version(current)
        save_as(current, actor)
    membership = HouseholdMembership(
        household=household, person=person, relationship=relationship, since=since
    )
    save_as(membership, actor)
    return membership


@transaction.atomic
def membership_update(
    *, actor, membership: HouseholdMembership, expected_version=None, **fields
) -> HouseholdMembership:
    """Edit a membership's 続柄 and dates; a stale version raises StaleEdit."""
    check_version(membership, expected_version)
    for key, value in fields.items():
        setattr(membership, key, value)
    bump_version(membership)
    save_as(membership, actor)
    return membership


@transaction.atomic
def consent_record(
    *, actor, person: Person, agencies, purpose: str, method: str, obtained_on, expires_on=None
) -> Consent:
    """Record a consent covering the given agencies."""
    consent = Consent(
        person=person,
        purpose=purpose,
        method=method,
        obtained_on=obtained_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    save_as(consent, actor)
    consent.agencies.set(agencies)
    log_action(actor=actor, action="households.consent.recorded", obj=consent)
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, on=None) -> Consent:
    """Withdraw a consent. Side effects: consent_ended is sent in the same transaction,
    so the grants it supported are revoked before the request returns."""
    consent.withdrawn_on = on or timezone.localdate()
    bump_version(consent)
    save_as(consent, actor)
    consent_ended.send(Consent, consent=consent, actor=actor)
    log_action(actor=actor, action="households.consent.withdrawn", obj=consent)
    return consent
