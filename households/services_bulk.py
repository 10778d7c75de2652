"""Writes of many households and persons at once, for the ledger import: the same
rules as the single services in households.services (grants, history naming the
importer, action log, the hidden-duplicate notice), in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from accounts.audit import log_actions
from households import access
from households.models import Household, HouseholdMembership, Person
from households.signals import hidden_duplicate_registered

BULK_BATCH = 500


@transaction.atomic
def household_create_bulk(*, actor, agency, households: list[Household]) -> list[Household]:
    """household_create for many unsaved households at once (a ledger import): the same
    grants to the registering agency, one history row each naming the actor and one
    action-log row each, in a few INSERTs. Returns the households, saved."""
    for household in households:
        household.registered_by_agency = agency
        household.normalise()
    bulk_create_with_history(households, Household, batch_size=BULK_BATCH, default_user=actor)
    access.grant_households_bulk(
        agency=agency, households=households, change=True, confidential=True
    )
    log_actions(actor=actor, action="households.household.created", objs=households)
    return households


@dataclass
class NewMember:
    """One person for person_add_to_household_bulk: unsaved, with their place."""

    household: Household
    person: Person
    relationship: str
    since: dt.date | None = None
    until: dt.date | None = None


@transaction.atomic
def person_add_to_household_bulk(*, actor, agency, members: list[NewMember]) -> list[Person]:
    """person_add_to_household for many new persons at once (a ledger import): each
    person and their membership (since/until as given; a new person has no current
    household to end) with one history row each naming the actor, an action-log row
    each, and the hidden-duplicate check of the whole list in one query
    (hidden_duplicate_registered is sent per person, as the single service does).
    Returns the persons, saved; each member's membership is on member.membership."""
    persons = []
    for member in members:
        member.person.registered_by_agency = agency
        member.person.normalise()
        persons.append(member.person)
    bulk_create_with_history(persons, Person, batch_size=BULK_BATCH, default_user=actor)
    memberships = [
        HouseholdMembership(
            household=m.household,
            person=m.person,
            relationship=m.relationship,
            since=m.since,
            until=m.until,
        )
        for m in members
    ]
    bulk_create_with_history(
        memberships, HouseholdMembership, batch_size=BULK_BATCH, default_user=actor
    )
    for member, membership in zip(members, memberships, strict=True):
        member.membership = membership
    log_actions(actor=actor, action="households.person.created", objs=persons)
    _tell_of_hidden_duplicates_bulk(actor=actor, agency=agency, persons=persons)
    return persons


def _tell_of_hidden_duplicates_bulk(*, actor, agency, persons: list[Person]) -> None:
    """_tell_of_hidden_duplicates for a list of new persons: one query finds every
    registered person with the same kana and birth date as one of them (per BULK_BATCH
    persons); only when some are in hiding from the actor is each person sorted."""
    if actor is None:
        return
    dated = [p for p in persons if p.birth_date]
    new_ids = {p.pk for p in persons}
    found: dict[tuple[str, dt.date], list[Person]] = {}
    for start in range(0, len(dated), BULK_BATCH):
        wanted = {(p.name_kana, p.birth_date) for p in dated[start : start + BULK_BATCH]}
        condition = reduce(or_, (Q(name_kana=k, birth_date=d) for k, d in wanted))
        for match in Person.objects.filter(condition).exclude(pk__in=new_ids):
            found.setdefault((match.name_kana, match.birth_date), []).append(match)
    if not found:
        return
    everyone = [m for matches in found.values() for m in matches]
    if not access.sort_duplicates(actor, everyone).concealed_households:
        return
    for person in dated:
        matches = found.get((person.name_kana, person.birth_date))
        if not matches:
            continue
        hidden = access.sort_duplicates(actor, matches).concealed_households
        if hidden:
            hidden_duplicate_registered.send(
                Person, household_ids=hidden, agency=agency, actor=actor
            )
