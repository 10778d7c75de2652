"""Writes for households, persons, memberships and consents. Each names the acting user
so simple-history and the action log record who did it."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


def _save_edit(instance, *, actor, expected_version, fields: dict) -> None:
    """An edit of a versioned row: refused with StaleEdit (nothing saved) when the row
    changed since expected_version was read; otherwise the fields are set, the version
    moves on and the row is saved as actor."""
    check_version(instance, expected_version)
    for key, value in fields.items():
        setattr(instance, key, value)
    bump_version(instance)
    save_as(instance, actor)


@transaction.atomic
def household_update(*, actor, household: Household, expected_version=None, **fields) -> Household:
    """Update a household; a stale version raises StaleEdit and nothing is saved."""
    was_confidential = household.is_address_confidential
    _save_edit(household, actor=actor, expected_version=expected_version, fields=fields)
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
    _save_edit(person, actor=actor, expected_version=expected_version, fields=fields)
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


def _surely_covers(since, until) -> tuple[dt.date, dt.date]:
    """The days a membership certainly covers: an unknown start counts from its end
    (or, for a current one, from today), a current one runs on."""
    start = since or until or timezone.localdate()
    return start, until or dt.date.max


@transaction.atomic
def membership_add_past(
    *, actor, household, person, relationship, since, until
) -> HouseholdMembership:
    """Record a membership that has already ended (a household the person lived in
    before), leaving their current membership where it is. Refused with a Japanese
    ValidationError, nothing saved, when it ends before it begins or overlaps another
    of their memberships by more than a move day (no day counts them in two households
    but that one)."""
    if since and until < since:
        raise ValidationError(_("離脱日は加入日より後にしてください。"))
    start, end = _surely_covers(since, until)
    for other in HouseholdMembership.objects.filter(person=person).select_related("household"):
        other_start, other_end = _surely_covers(other.since, other.until)
        # A move day may close one and open the other (a ledger's 離脱日 = 加入日).
        if start < other_end and other_start < end:
            raise ValidationError(
                _(
                    "%(name)sさんは、この期間（%(since)s〜%(until)s）にほかの世帯の"
                    "世帯員として登録されています。加入日・離脱日を確かめてください。"
                )
                % {
                    "name": person.full_name,
                    "since": since.isoformat() if since else "",
                    "until": until.isoformat(),
                }
            )
    membership = HouseholdMembership(
        household=household, person=person, relationship=relationship, since=since, until=until
    )
    save_as(membership, actor)
    return membership


@transaction.atomic
def membership_update(
    *, actor, membership: HouseholdMembership, expected_version=None, **fields
) -> HouseholdMembership:
    """Edit a membership's 続柄 and dates; a stale version raises StaleEdit."""
    _save_edit(membership, actor=actor, expected_version=expected_version, fields=fields)
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


# ---------------------------------------------------------------- moving and merging people


@transaction.atomic
def person_move(
    *,
    actor,
    membership: HouseholdMembership,
    to_household: Household,
    relationship: str,
    on,
    expected_version=None,
) -> HouseholdMembership:
    """Move a person to another household on a day. The current membership ends the
    day before (membership_create: no day counts them in two households) and a new one
    starts on `on`; both stay in the history, so statistics of past days keep their
    household sizes. Cases, consultations and consents stay linked to the person (a case
    belongs to its household and is not moved). A stale membership raises StaleEdit and
    nothing is saved."""
    check_version(membership, expected_version)
    new = membership_create(
        actor=actor,
        household=to_household,
        person=membership.person,
        relationship=relationship,
        since=on,
    )
    log_action(
        actor=actor,
        action="households.person.moved",
        obj=membership.person,
        from_household=membership.household_id,
        to_household=to_household.pk,
        on=on.isoformat(),
    )
    return new


def _is_historical(model) -> bool:
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges) or model.__name__.startswith("Historical")


def person_links():
    """Every relation that points at Person, found by introspection so that apps above
    households (cases, intake, referrals, outreach, participation, …) are covered
    without households importing them. Yields (model, field_name, many_to_many).
    History tables are left as they were: they record what happened to the old row."""
    for rel in Person._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        model = rel.related_model
        if _is_historical(model):
            continue
        if rel.many_to_many:
            yield model, rel.field.name, True
        elif not model._meta.auto_created:  # an M2M's through table is handled above
            yield model, rel.field.name, False


def person_link_counts(person: Person) -> list[tuple[str, int]]:
    """What a merge would move: (Japanese name of the records, count), non-zero only."""
    out = []
    for model, name, _m2m in person_links():
        n = model._default_manager.filter(**{name: person}).count()
        if n:
            out.append((str(model._meta.verbose_name_plural), n))
    return out


class MergeRefused(Exception):
    """The merge cannot be done as asked; the message says why, in Japanese."""


def _unique_partners(model, name) -> list[list[str]]:
    """The other fields of each unconditional unique set containing `name`."""
    sets = [list(u) for u in model._meta.unique_together]
    for c in model._meta.constraints:
        if getattr(c, "fields", None) and getattr(c, "condition", None) is None:
            sets.append(list(c.fields))
    return [[f for f in s if f != name] for s in sets if name in s]


@transaction.atomic
def person_merge(
    *,
    actor,
    survivor: Person,
    merged: Person,
    survivor_version=None,
    merged_version=None,
    on=None,
) -> Person:
    """Merge two Person rows of one real person into `survivor`.

    Every row pointing at `merged` (memberships, consents, consultations, case persons,
    support records, plan roles, referrals, outreach targets, placements, whatever a
    later app adds) is moved to `survivor` with its history (saved one by one with the
    actor, so simple-history records each move). Where the survivor already holds the
    same unique link (both on one case), the merged row's duplicate is deleted. The
    survivor's empty fields are filled from the merged row. Then `merged` is deleted:
    nothing points at it any more, simple-history keeps its last state and the deletion
    by the actor, and the action log records merged_id so its access-log rows (which
    keep the old id) still belong to the survivor (households.disclosure).

    Refused (MergeRefused, nothing changed): the same row twice, or both currently in
    different households (move one first, so no household loses a member unseen).
    A stale version raises StaleEdit."""
    if survivor.pk == merged.pk:
        raise MergeRefused(_("同じ人を統合することはできません。"))
    check_version(survivor, survivor_version)
    check_version(merged, merged_version)
    on = on or timezone.localdate()
    mine = list(HouseholdMembership.objects.select_for_update().filter(person=survivor))
    theirs = list(HouseholdMembership.objects.select_for_update().filter(person=merged))
    current_mine = [m for m in mine if m.until is None]
    current_theirs = [m for m in theirs if m.until is None]
    if (
        current_mine
        and current_theirs
        and current_mine[0].household_id != current_theirs[0].household_id
    ):
        raise MergeRefused(
            _(
                "二人は現在それぞれ別の世帯に属しています。先に一方を同じ世帯へ移動してから"
                "統合してください。"
            )
        )
    counts = dict(person_link_counts(merged))
    for membership in theirs:
        if membership.until is None and current_mine:
            # Both were current members of one household: the merged row's membership
            # ends the day before the merge (as a move does), so past days keep the
            # sizes the statistics counted then.
            day_before = on - dt.timedelta(days=1)
            membership.until = max(day_before, membership.since) if membership.since else day_before
        membership.person = survivor
        bump_version(membership)
        save_as(membership, actor)
    for model, name, many in person_links():
        if model is HouseholdMembership:
            continue
        if many:
            for owner in model._default_manager.filter(**{name: merged}):
                related = getattr(owner, name)
                related.remove(merged)
                related.add(survivor)
            continue
        partners = _unique_partners(model, name)
        for row in model._default_manager.filter(**{name: merged}):
            clash = any(
                model._default_manager.filter(
                    **{name: survivor}, **{f: getattr(row, f) for f in fields}
                ).exists()
                for fields in partners
            )
            if clash:
                row._history_user = actor
                row.delete()
                continue
            setattr(row, name, survivor)
            if hasattr(row, "version"):
                bump_version(row)
            save_as(row, actor)
    for f in Person._meta.concrete_fields:
        if f.primary_key or not f.editable or f.name in ("registered_by_agency", "version"):
            continue
        mine_value, theirs_value = getattr(survivor, f.attname), getattr(merged, f.attname)
        if isinstance(mine_value, bool):
            setattr(survivor, f.attname, mine_value or theirs_value)
        elif mine_value in (None, "") and theirs_value not in (None, ""):
            setattr(survivor, f.attname, theirs_value)
    bump_version(survivor)
    save_as(survivor, actor)
    merged_id = merged.pk
    merged._history_user = actor
    merged.delete()
    log_action(
        actor=actor,
        action="households.person.merged",
        obj=survivor,
        merged_id=merged_id,
        moved=", ".join(f"{k}:{v}" for k, v in counts.items()),
    )
    return survivor


@transaction.atomic
def related_person_add(*, actor, household: Household, of_person=None, of_related=None, **fields):
    """Add a person outside the household to its genogram, beside of_person (a current
    member) or of_related (another related person of the same household)."""
    from households.models import RelatedPerson

    related = RelatedPerson(
        household=household,
        of_person=of_person,
        of_related=of_related,
        created_by=actor,
        **fields,
    )
    save_as(related, actor)
    log_action(actor=actor, action="households.related_person.added", obj=household)
    return related


@transaction.atomic
def related_person_remove(*, actor, related) -> None:
    """Remove a related person (and those drawn beside them only) from the genogram."""
    household = related.household
    related._history_user = actor
    related.delete()
    log_action(actor=actor, action="households.related_person.removed", obj=household)
