"""The desk's data as the ledger workbook (same sheets and columns as the import), so
that an export imports again into an empty database.

What "the desk's data" is: households the desk registered or works with (its
consultations and cases) and their members; consultations the desk received; cases it
leads; support records the desk wrote on them (not those a referral wrote: the
referral sheet brings those back); referrals it sent from them; the plans of its cases.
Meeting decisions are written as a reference sheet (not read on import: README).

住所秘匿: address, postal code and phone are written only where
households.access.may_see_contact allows the exporting user (asked for the whole list
at once through prime_contact).
"""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from cases.choices import CaseStatus, CloseReason
from cases.models import Case, CaseStatusChange, SupportPlan, SupportRecord
from households.access import may_see_contact, prime_contact
from households.models import Consent, Household, HouseholdMembership
from imports import ledgers, workbook
from imports.ledgers import CONSENT_BASIS
from intake.models import Consultation
from referrals.choices import ReferralStatus
from referrals.models import Referral, ReferralEvent


def hkey(pk) -> str:
    return f"H{pk}"


def pkey(pk) -> str:
    return f"P{pk}"


def _day(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def _moment(value):
    return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)


def _label(choices, value) -> str:
    return str(choices(value).label) if value else ""


def desk_data(agency):
    cases = Case.objects.filter(lead_agency=agency)
    consultations = Consultation.objects.filter(agency=agency)
    households = Household.objects.filter(
        Q(registered_by_agency=agency)
        | Q(pk__in=cases.values("household_id"))
        | Q(pk__in=consultations.exclude(household=None).values("household_id"))
    )
    return households, consultations, cases


def build_workbook(*, user, agency) -> bytes:
    book, sheets = workbook.new_workbook(ledgers.ORDER, agency)
    households, consultations, cases = desk_data(agency)
    household_list = list(households.order_by("pk"))
    prime_contact(user, households=household_list)
    contact = {h.pk: may_see_contact(user, h) for h in household_list}
    by_pk = {h.pk: h for h in household_list}
    person_ids = set()

    # 世帯・世帯員: one row per membership, a person's first row carries their details.
    memberships = (
        HouseholdMembership.objects.filter(household__in=households)
        .select_related("person", "household", "household__district")
        .order_by("person_id", "since", "pk")
    )
    consents = {}
    for consent in (
        Consent.objects.filter(
            person__household_memberships__household__in=households, withdrawn_on__isnull=True
        )
        .prefetch_related("agencies")
        .order_by("obtained_on", "pk")
        .distinct()
    ):
        consents[consent.person_id] = consent  # the latest one
    rows = []
    seen_person = set()
    for m in memberships:
        h, p = by_pk[m.household_id], m.person
        person_ids.add(p.pk)
        first = p.pk not in seen_person
        seen_person.add(p.pk)
        consent = consents.get(p.pk) if first else None
        show = contact[h.pk]
        rows.append(
            (
                (m.since or dt.date.min, m.person_id, m.pk),
                [
                    hkey(h.pk),
                    h.name,
                    h.postal_code if show else "",
                    h.address if show else "",
                    h.phone if show else "",
                    h.district.name if h.district else "",
                    "はい" if h.is_address_confidential else "いいえ",
                    pkey(p.pk),
                    p.family_name,
                    p.given_name,
                    p.family_name_kana,
                    p.given_name_kana,
                    p.birth_date,
                    _label_sex(p.sex),
                    str(m.get_relationship_display()),
                    m.since,
                    m.until,
                    consent.obtained_on if consent else None,
                    str(consent.get_method_display()) if consent else "",
                    "、".join(a.name for a in consent.agencies.all()) if consent else "",
                    consent.purpose if consent else "",
                ],
            )
        )
    # Memberships in time order, so each move is replayed after the one before it.
    for _key, values in sorted(rows, key=lambda r: r[0]):
        sheets[ledgers.HOUSEHOLDS].append(values)

    current = set(
        HouseholdMembership.objects.filter(
            household__in=households, until__isnull=True
        ).values_list("household_id", "person_id")
    )
    for c in (
        consultations.select_related("caller_agency")
        .prefetch_related("persons", "category_links__category")
        .order_by("received_at", "pk")
    ):
        links = list(c.category_links.all())
        primary = next((link.category.name for link in links if link.is_primary), "")
        persons = [p for p in c.persons.all() if (c.household_id, p.pk) in current]
        sheets[ledgers.CONSULTATIONS].append(
            [
                f"C{c.pk}",
                _moment(c.received_at),
                str(c.get_channel_display()),
                str(c.get_came_from_display()),
                c.caller_name,
                c.caller_agency.name if c.caller_agency else "",
                hkey(c.household_id) if c.household_id else "",
                "、".join(pkey(p.pk) for p in persons) if c.household_id else "",
                "、".join(link.category.name for link in links),
                primary,
                c.summary,
                str(c.get_outcome_display()),
                "はい" if c.is_continuation else "いいえ",
                str(c.get_urgency_display()),
            ]
        )

    changes = {}
    for change in CaseStatusChange.objects.filter(case__in=cases).order_by("on", "at", "pk"):
        changes.setdefault(change.case_id, []).append(change)
    case_ids = set()
    for case in (
        cases.select_related("lead_staff")
        .prefetch_related("case_persons", "consultation_links__consultation")
        .order_by("opened_on", "pk")
    ):
        case_ids.add(case.pk)
        course = []
        for change in changes.get(case.pk, [])[1:]:
            text = str(CaseStatus(change.to_status).label)
            if change.to_status == CaseStatus.CLOSED:
                text += f"（{_close_kind(change, case)}）"
            elif change.to_status == CaseStatus.SUSPENDED:
                text += f"（{change.reason or '理由の記録なし'}）"
            course.append(f"{change.on.isoformat()} {text}")
        linked = [
            link.consultation
            for link in case.consultation_links.all()
            if link.consultation.agency_id == agency.pk
        ]
        linked.sort(key=lambda c: (c.received_at, c.pk))
        sheets[ledgers.CASES].append(
            [
                f"K{case.pk}",
                hkey(case.household_id),
                case.title,
                str(case.lead_staff),
                case.opened_on,
                "、".join(pkey(cp.person_id) for cp in case.case_persons.all()),
                "、".join(f"C{c.pk}" for c in linked),
                str(case.get_risk_level_display()),
                case.collaboration_started_on,
                case.collaboration_ended_on,
                case.closed_on,
                _label(CloseReason, case.close_reason_kind),
                case.close_reason,
                "；".join(course),
            ]
        )

    for r in (
        SupportRecord.objects.filter(agency=agency, case__in=cases, referral__isnull=True)
        .select_related("staff")
        .order_by("occurred_at", "pk")
    ):
        sheets[ledgers.RECORDS].append(
            [
                f"R{r.pk}",
                f"K{r.case_id}",
                _moment(r.occurred_at),
                str(r.get_kind_display()),
                str(r.get_project_display()),
                agency.name,
                str(r.staff),
                r.narrative,
                r.minutes,
                r.referred_to,
            ]
        )

    steps = {}
    for event in ReferralEvent.objects.filter(
        referral__from_agency=agency, referral__case__in=cases
    ).order_by("at", "pk"):
        steps.setdefault(event.referral_id, {})[event.to_status] = _day(event.at)
    for ref in (
        Referral.objects.filter(from_agency=agency, case__in=cases)
        .select_related("to_agency")
        .prefetch_related("persons")
        .order_by("sent_at", "pk")
    ):
        got = steps.get(ref.pk, {})
        basis = str(ref.get_exemption_reason_display()) if ref.exemption_reason else CONSENT_BASIS
        sheets[ledgers.REFERRALS].append(
            [
                f"T{ref.pk}",
                f"K{ref.case_id}",
                ref.to_agency.name,
                _day(ref.sent_at),
                "、".join(pkey(p.pk) for p in ref.persons.all()),
                basis,
                ref.exemption_note,
                ref.reason,
                ref.request,
                got.get(ReferralStatus.ACCEPTED),
                got.get(ReferralStatus.DECLINED),
                ref.decline_reason,
                got.get(ReferralStatus.IN_PROGRESS),
                got.get(ReferralStatus.COMPLETED),
                got.get(ReferralStatus.CANCELLED),
            ]
        )

    # 支援プラン: each version, its roles and consent; the import replays them within
    # the case's course (imports.writer). Reviews (評価) are not carried.
    for plan in (
        SupportPlan.objects.filter(case__in=cases)
        .select_related("consent")
        .prefetch_related("roles__agency")
        .order_by("case_id", "number")
    ):
        sheets[ledgers.PLANS].append(
            [
                f"L{plan.pk}",
                f"K{plan.case_id}",
                plan.person_wishes,
                plan.goals,
                plan.review_on,
                "\n".join(
                    ledgers.ROLE_SPLIT.join((r.concern, r.agency.name, r.method))
                    for r in plan.roles.all()
                ),
                pkey(plan.consent.person_id) if plan.consent else "",
                plan.consented_on if plan.consent else None,
                plan.approved_on,
                plan.activated_on,
            ]
        )

    _reference_sheets(book, agency, cases)
    for sheet in sheets.values():
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    return workbook.to_bytes(book), sorted(person_ids)


def _close_kind(change, case) -> str:
    """The 終結理由 of a closure: the case's own for its last one; an earlier closure
    (reopened since) kept only its reason text, so its kind is その他 unless the
    history says otherwise."""
    if change.on == case.closed_on and case.close_reason_kind:
        return str(CloseReason(case.close_reason_kind).label)
    kind = ""
    record = case.history.filter(status=CaseStatus.CLOSED, closed_on=change.on).first()
    if record is not None:
        kind = record.close_reason_kind
    return str(CloseReason(kind or CloseReason.OTHER).label)


def _label_sex(value) -> str:
    from households.choices import Sex

    return str(Sex(value).label) if value else ""


def _reference_sheets(book, agency, cases) -> None:
    from meetings.models import AgendaItem

    meetings = book.create_sheet(ledgers.EXPORT_ONLY_MEETINGS)
    meetings.append(["会議の種類", "開始日時", "ケースキー", "議題", "決定事項"])
    items = (
        AgendaItem.objects.filter(meeting__organising_agency=agency, case__in=cases)
        .select_related("meeting")
        .order_by("meeting__starts_at", "pk")
    )
    for item in items:
        meetings.append(
            [
                str(item.meeting.get_kind_display()),
                _moment(item.meeting.starts_at),
                f"K{item.case_id}",
                item.title,
                item.decisions,
            ]
        )
