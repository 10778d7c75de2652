"""The city-scale year of bench_report: a desk, its households and a year of
consultations, cases, support records, referrals and meetings, written with
bulk_create for speed (synthetic benchmark data, never real records)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from accounts.models import Agency, Membership, User
from accounts.system import system_user
from benchmarks.seeding import Picker
from cases.choices import CaseStatus, RecordKind
from cases.models import Case, CaseConsultation, CaseStatusChange, SupportRecord
from common.services import save_as
from households.choices import Relationship
from households.models import Household, HouseholdMembership, Person
from intake.choices import CameFrom, Channel, Outcome
from intake.models import Consultation, ConsultationCategory, ConsultationCategoryLink
from meetings.choices import MeetingKind, MeetingStatus, Topic
from meetings.models import AgendaItem, Meeting
from referrals.choices import ReferralStatus
from referrals.models import Referral
from reports.statistics import add_months, month_end

DESK_NAME = "ベンチマーク市 福祉の相談窓口"
BATCH = 5000

# The desk's own mix (大津町, 30 months) for kinds of support.
RECORD_KIND_WEIGHTS = {
    RecordKind.PHONE: 1479,
    RecordKind.INTERVIEW: 638,
    RecordKind.VISIT: 223,
    RecordKind.ACCOMPANY: 116,
    RecordKind.CASE_CONFERENCE: 75,
    RecordKind.REFERRAL: 325,
    RecordKind.COORDINATION: 2420,
}
PROJECT_WEIGHTS = {"1": 40, "2": 35, "3": 12, "4": 8, "5": 5}
CAME_FROM_WEIGHTS = {
    CameFrom.SELF: 45,
    CameFrom.FAMILY: 25,
    CameFrom.AGENCY: 15,
    CameFrom.WELFARE_VOLUNTEER: 5,
    CameFrom.NEIGHBOUR: 3,
    CameFrom.MUNICIPAL: 5,
    CameFrom.OTHER: 2,
}
HOUSEHOLD_SIZE_WEIGHTS = {1: 30, 2: 30, 3: 20, 4: 12, 5: 5, 6: 2, 7: 1}


def _bulk(model, rows) -> list:
    # bulk_create is used ONLY in this benchmark's seeding, for speed: it skips the
    # services, simple-history and the action log on purpose (the product never does).
    return model.objects.bulk_create(rows, batch_size=BATCH)


@transaction.atomic
def seed_year(rng, counts, first_month, last_month, *, stdout) -> None:
    """A desk and `counts` of everything for the months first_month..last_month, in
    bulk (benchmark data only: no services, no history, no action log)."""
    start = timezone.make_aware(dt.datetime.combine(first_month, dt.time.min))
    end_day = month_end(last_month)
    stdout.write(
        f"seeding {counts['households']:,} households, {counts['consultations']:,} "
        f"consultations and {counts['records']:,} support records a month for "
        f"{counts['months']} months ({first_month:%Y-%m}〜{last_month:%Y-%m}), "
        f"{counts['meetings']:,} meetings"
    )
    # save_as: the desk's history row names the system user (the bulk rows below have
    # no history at all, on purpose).
    desk = save_as(
        Agency(name=DESK_NAME, kind=AgencyKind.MUNICIPAL_DEPT, is_desk=True), system_user()
    )
    agencies = [desk] + _bulk(
        Agency, [Agency(name=f"ベンチマーク市 {k.label}", kind=k.value) for k in AgencyKind]
    )
    users = _bulk(
        User,
        [User(username=f"bench{i}", display_name=f"職員{i}") for i in range(len(agencies))],
    )
    _bulk(
        Membership,
        [
            Membership(user=u, agency=a, role=Role.COUNSELOR if a.is_desk else Role.PARTNER_STAFF)
            for u, a in zip(users, agencies, strict=True)
        ],
    )
    staff_of = {a.pk: u for a, u in zip(agencies, users, strict=True)}
    partners = agencies[1:]

    # Households and their members.
    size = Picker(rng, HOUSEHOLD_SIZE_WEIGHTS)
    households = _bulk(
        Household,
        [
            Household(name=f"世帯{i}", registered_by_agency=desk)
            for i in range(counts["households"])
        ],
    )
    sizes = [size() for _h in households]
    persons = _bulk(
        Person,
        [
            Person(
                family_name="ベンチ",
                given_name=str(i),
                family_name_kana="ベンチ",
                name_kana="ベンチ",
                registered_by_agency=desk,
            )
            for i in range(sum(sizes))
        ],
    )
    members_of, memberships, index = [], [], 0
    for household, n in zip(households, sizes, strict=True):
        members = persons[index : index + n]
        index += n
        members_of.append(members)
        memberships += [
            HouseholdMembership(
                household=household,
                person=p,
                relationship=Relationship.HEAD if j == 0 else Relationship.CHILD,
            )
            for j, p in enumerate(members)
        ]
    _bulk(HouseholdMembership, memberships)
    stdout.write("  households done")

    categories = list(ConsultationCategory.objects.all())
    came_from = Picker(rng, CAME_FROM_WEIGHTS)
    kind = Picker(rng, RECORD_KIND_WEIGHTS)
    project = Picker(rng, PROJECT_WEIGHTS)
    cases_so_far: list[Case] = []
    month = first_month
    while month <= last_month:
        seconds = (month_end(month) - month).days * 86400 + 86399
        base = timezone.make_aware(dt.datetime.combine(month, dt.time.min))

        def moment(base=base, seconds=seconds):
            return base + dt.timedelta(seconds=rng.randrange(seconds))

        # Consultations, a fifth of which open a case.
        consultations, links, person_links, new_cases, picked = [], [], [], [], []
        for _i in range(counts["consultations"]):
            h = rng.randrange(len(households))
            agency = desk if rng.random() < 0.8 else rng.choice(partners)
            consultations.append(
                Consultation(
                    received_at=moment(),
                    channel=Channel.PHONE,
                    came_from=came_from(),
                    household=households[h],
                    summary="ベンチマーク",
                    outcome=Outcome.ONGOING,
                    is_continuation=rng.random() < 0.3,
                    received_by=staff_of[agency.pk],
                    agency=agency,
                )
            )
            picked.append(h)
        consultations = _bulk(Consultation, consultations)
        Through = Consultation.persons.through
        for c, h in zip(consultations, picked, strict=True):
            for j, cat in enumerate(rng.sample(categories, rng.choice((1, 1, 2, 2, 3)))):
                links.append(
                    ConsultationCategoryLink(consultation=c, category=cat, is_primary=j == 0)
                )
            person_links.append(Through(consultation_id=c.pk, person_id=members_of[h][0].pk))
            if rng.random() < 0.2:
                opened = timezone.localtime(c.received_at).date()
                closed = opened + dt.timedelta(days=rng.randrange(10, 240))
                ended = rng.random() < 0.7 and closed <= end_day
                new_cases.append(
                    (
                        c,
                        Case(
                            household=households[h],
                            title="ベンチマークのケース",
                            lead_agency=c.agency,
                            lead_staff=c.received_by,
                            opened_on=opened,
                            status=CaseStatus.CLOSED if ended else CaseStatus.SUPPORTING,
                            closed_on=closed if ended else None,
                            created_by=c.received_by,
                        ),
                    )
                )
        _bulk(ConsultationCategoryLink, links)
        _bulk(Through, person_links)
        cases = _bulk(Case, [case for _c, case in new_cases])
        changes, case_links = [], []
        for (c, _x), case in zip(new_cases, cases, strict=True):
            case_links.append(CaseConsultation(case=case, consultation=c))
            changes.append(
                CaseStatusChange(
                    case=case,
                    to_status=CaseStatus.RECEIVED,
                    on=case.opened_on,
                    by=case.lead_staff,
                )
            )
            changes.append(
                CaseStatusChange(
                    case=case,
                    from_status=CaseStatus.RECEIVED,
                    to_status=CaseStatus.SUPPORTING,
                    on=case.opened_on,
                    by=case.lead_staff,
                )
            )
            if case.closed_on:
                changes.append(
                    CaseStatusChange(
                        case=case,
                        from_status=CaseStatus.SUPPORTING,
                        to_status=CaseStatus.CLOSED,
                        on=case.closed_on,
                        by=case.lead_staff,
                    )
                )
        _bulk(CaseConsultation, case_links)
        _bulk(CaseStatusChange, changes)
        cases_so_far += cases

        # Support records on the cases opened so far.
        records = []
        for _i in range(counts["records"]):
            case = rng.choice(cases_so_far)
            records.append(
                SupportRecord(
                    case=case,
                    occurred_at=moment(),
                    kind=kind(),
                    project=project(),
                    agency_id=case.lead_agency_id,
                    staff_id=case.lead_staff_id,
                    narrative="ベンチマーク",
                )
            )
        _bulk(SupportRecord, records)

        # Referrals: one for about every 200 support records.
        referrals = []
        for _i in range(max(1, counts["records"] // 200)):
            case = rng.choice(cases_so_far)
            sent = moment()
            accepted = rng.random() < 0.7
            referrals.append(
                Referral(
                    case=case,
                    from_agency_id=case.lead_agency_id,
                    from_staff_id=case.lead_staff_id,
                    to_agency=rng.choice(agencies),
                    reason="ベンチマーク",
                    request="ベンチマーク",
                    exemption_reason="life",
                    exemption_note="ベンチマーク",
                    status=ReferralStatus.ACCEPTED if accepted else ReferralStatus.SENT,
                    sent_at=sent,
                    answer_due_on=sent.date() + dt.timedelta(days=7),
                    accepted_at=sent + dt.timedelta(days=rng.randrange(1, 6)) if accepted else None,
                )
            )
        _bulk(Referral, referrals)
        stdout.write(f"  {month:%Y-%m} done ({len(cases_so_far):,} cases so far)")
        month = add_months(month, 1)

    # Meetings over the whole year, each with a few cases on its agenda.
    meeting_kind = Picker(
        rng,
        {
            MeetingKind.SUPPORT_MEETING: 50,
            MeetingKind.MULTILAYER_MEETING: 30,
            MeetingKind.DEPARTMENT_LIAISON: 20,
        },
    )
    span = int(
        (timezone.make_aware(dt.datetime.combine(end_day, dt.time.max)) - start).total_seconds()
    )
    chair = staff_of[desk.pk]
    meetings = _bulk(
        Meeting,
        [
            Meeting(
                kind=meeting_kind(),
                starts_at=start + dt.timedelta(seconds=rng.randrange(span)),
                chair=chair,
                organising_agency=desk,
                status=MeetingStatus.FINALISED,
                created_by=chair,
            )
            for _i in range(counts["meetings"])
        ],
    )
    items = []
    for m in meetings:
        eligible = [c for c in rng.sample(cases_so_far, 8) if c.opened_on <= m.starts_at.date()]
        for order, case in enumerate(eligible[: rng.randrange(3, 7)]):
            items.append(
                AgendaItem(meeting=m, order=order, topic=Topic.CASE, case=case, created_by=chair)
            )
    _bulk(AgendaItem, items)
