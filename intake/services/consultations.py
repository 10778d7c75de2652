"""相談受付: recorded (with a household first met at intake, its persons and their
consent) and edited by the desk."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from common.services import bump_version, check_version, save_as
from households import services as household_services
from households.models import Household, HouseholdMembership, Person
from intake.choices import ConsentAtIntake, Urgency
from intake.models import Consultation, ConsultationCategory, ConsultationCategoryLink


class IntakeRuleError(ValidationError):
    """A refused write; the message is Japanese and says what is missing."""


def check_agency(actor, agency) -> None:
    if agency is None or agency.pk not in actor.agency_ids:
        raise IntakeRuleError(_("所属していない機関として記録することはできません。"))


def check_categories(categories, primary_category) -> list[ConsultationCategory]:
    categories = list(dict.fromkeys(categories or []))
    if not categories:
        raise IntakeRuleError(_("相談内容を1つ以上選んでください。"))
    if primary_category is None or primary_category not in categories:
        raise IntakeRuleError(_("主な相談内容は、選んだ相談内容の中から1つ選んでください。"))
    return categories


def _check_persons(household: Household | None, persons) -> list[Person]:
    persons = list(dict.fromkeys(persons or []))
    if not persons:
        return persons
    if household is None:
        raise IntakeRuleError(_("対象者を選ぶには、先に世帯を選んでください。"))
    members = set(
        HouseholdMembership.objects.filter(
            household=household, until__isnull=True, person__in=persons
        ).values_list("person_id", flat=True)
    )
    if any(p.pk not in members for p in persons):
        raise IntakeRuleError(_("対象者は、選んだ世帯の現在の世帯員から選んでください。"))
    return persons


def _register_household(
    *, actor, agency, household_fields: dict, new_persons: Sequence[dict]
) -> tuple[Household, list[Person]]:
    """A household first met at intake, with the persons named in the same form.
    Returns the household and the persons the consultation is about: those of the rows
    whose "concerned" is true (a row without the key counts as concerned)."""
    if not new_persons:
        raise IntakeRuleError(_("新しい世帯には世帯員を1人以上入力してください。"))
    household = household_services.household_create(actor=actor, agency=agency, **household_fields)
    concerned = []
    for row in new_persons:
        row = dict(row)
        relationship = row.pop("relationship")
        is_concerned = row.pop("concerned", True)
        person = household_services.person_add_to_household(
            actor=actor, agency=agency, household=household, relationship=relationship, **row
        )
        if is_concerned:
            concerned.append(person)
    return household, concerned


def _record_consents(actor, consultation: Consultation, persons, consent: dict | None) -> None:
    """同意あり at intake: each person concerned agreed, on the day of the
    consultation, to the agencies and purpose given (households.services.consent_record).
    """
    if not consent or consultation.consent_status != ConsentAtIntake.YES:
        return
    if not persons:
        raise IntakeRuleError(
            _("同意を記録するには、同意した人を相談の対象者として選んでください。")
        )
    agencies = list(consent.get("agencies") or [])
    purpose = (consent.get("purpose") or "").strip()
    if not agencies or not purpose or not consent.get("method"):
        raise IntakeRuleError(_("同意の共有先・目的・方法を入力してください。"))
    day = timezone.localtime(consultation.received_at).date()
    for person in persons:
        recorded = household_services.consent_record(
            actor=actor,
            person=person,
            agencies=agencies,
            purpose=purpose,
            method=consent["method"],
            obtained_on=day,
        )
        consultation.recorded_consents.add(recorded)


def set_categories(actor, consultation: Consultation, categories, primary_category) -> None:
    for old in consultation.category_links.all():
        old._history_user = actor
        old.delete()
    for category in categories:
        link = ConsultationCategoryLink(
            consultation=consultation,
            category=category,
            is_primary=category.pk == primary_category.pk,
        )
        save_as(link, actor)


@transaction.atomic
def consultation_create(
    *,
    actor,
    agency,
    received_at,
    channel: str,
    came_from: str,
    caller_name: str = "",
    caller_relationship: str = "",
    caller_agency=None,
    household: Household | None = None,
    persons=(),
    categories,
    primary_category,
    summary: str,
    wishes: str = "",
    urgency: str = Urgency.NORMAL,
    consent_status: str = ConsentAtIntake.UNKNOWN,
    outcome: str,
    is_continuation: bool = False,
    new_household: dict | None = None,
    new_persons: Sequence[dict] = (),
    consent_on=None,
    exemption_reason: str = "",
    exemption_note: str = "",
    consent: dict | None = None,
) -> Consultation:
    """Record a 相談受付. consent_on / exemption_reason / exemption_note carry the basis
    on which another agency passed the person on (a つなぐシート taken up).

    new_household (fields of Household) and new_persons (dicts of Person fields plus
    relationship, and "concerned": whether the consultation is about that person,
    default true) register a household met for the first time; the concerned ones are
    then among the persons concerned (registering a member is not consulting about them). Raises IntakeRuleError; as everything runs in one
    transaction, a refusal leaves no half-registered household behind.

    consent (dict of agencies, purpose, method), with consent_status 同意あり, records
    a 本人同意 for each person concerned, dated the day of the consultation.
    Side effects: household/person registration (granted to `agency`), consents,
    action log.
    """
    check_agency(actor, agency)
    categories = check_categories(categories, primary_category)
    if new_household is not None:
        if household is not None:
            raise IntakeRuleError(_("既存の世帯と新しい世帯の両方は指定できません。"))
        household, created = _register_household(
            actor=actor, agency=agency, household_fields=new_household, new_persons=new_persons
        )
        persons = [*persons, *created]
    persons = _check_persons(household, persons)
    consultation = Consultation(
        received_at=received_at,
        channel=channel,
        came_from=came_from,
        caller_name=caller_name,
        caller_relationship=caller_relationship,
        caller_agency=caller_agency,
        household=household,
        summary=summary,
        wishes=wishes,
        urgency=urgency,
        consent_status=consent_status,
        consent_on=consent_on,
        exemption_reason=exemption_reason,
        exemption_note=exemption_note,
        outcome=outcome,
        is_continuation=is_continuation,
        received_by=actor,
        agency=agency,
    )
    save_as(consultation, actor)
    consultation.persons.set(persons)
    set_categories(actor, consultation, categories, primary_category)
    _record_consents(actor, consultation, persons, consent)
    log_action(
        actor=actor,
        action="intake.consultation.created",
        obj=consultation,
        outcome=outcome,
        household=household.pk if household else None,
        continuation=is_continuation,
    )
    return consultation


@transaction.atomic
def consultation_update(
    *,
    actor,
    consultation: Consultation,
    expected_version: int | None = None,
    categories=None,
    primary_category=None,
    persons=None,
    new_household: dict | None = None,
    new_persons: Sequence[dict] = (),
    consent: dict | None = None,
    **fields,
) -> Consultation:
    """Edit a consultation. A stale version raises StaleEdit and nothing is saved.

    The household of a consultation already on a case cannot change (the case is the
    household's). new_household/new_persons register a household as in
    consultation_create, e.g. for a つなぐシート taken up without a known household.
    consent records the 本人同意 as in consultation_create when none was recorded yet.
    """
    check_version(consultation, expected_version)
    check_agency(actor, consultation.agency)
    on_case = Consultation.objects.filter(pk=consultation.pk, case_link__isnull=False).exists()
    household = fields.pop("household", consultation.household)
    if new_household is not None:
        if on_case:
            raise IntakeRuleError(_("ケースに結び付いた相談の世帯は変更できません。"))
        household, created = _register_household(
            actor=actor,
            agency=consultation.agency,
            household_fields=new_household,
            new_persons=new_persons,
        )
        persons = [*(persons or []), *created]
    if on_case and household != consultation.household:
        raise IntakeRuleError(_("ケースに結び付いた相談の世帯は変更できません。"))
    if persons is None:
        persons = list(consultation.persons.all()) if household == consultation.household else []
    persons = _check_persons(household, persons)
    if categories is not None:
        categories = check_categories(categories, primary_category)
    consultation.household = household
    for key, value in fields.items():
        setattr(consultation, key, value)
    bump_version(consultation)
    save_as(consultation, actor)
    consultation.persons.set(persons)
    if categories is not None:
        set_categories(actor, consultation, categories, primary_category)
    if consent and not consultation.recorded_consents.exists():
        _record_consents(actor, consultation, persons, consent)
    log_action(actor=actor, action="intake.consultation.updated", obj=consultation)
    return consultation
