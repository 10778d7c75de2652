"""The city's support records, meetings and referrals."""

import datetime as dt

from django.utils import timezone

from benchmarks.city.base import NARRATIVES
from benchmarks.seeding import Picker
from cases.choices import GrantScope, Project, RecordKind
from cases.models import SupportRecord
from meetings.choices import MeetingKind, MeetingStatus, Topic
from meetings.models import AgendaItem, Meeting, MeetingMember
from referrals.choices import ReferralStatus
from referrals.models import Referral

# ---------------------------------------------------------------- support records


def seed_records(city):
    rng = city.rng
    total = city.counts["records"]
    kind = Picker(rng, {RecordKind.PHONE: 40, RecordKind.INTERVIEW: 20, RecordKind.VISIT: 15,
                        RecordKind.ACCOMPANY: 5, RecordKind.COORDINATION: 20})  # fmt: skip
    project = Picker(rng, {Project.COMPREHENSIVE: 40, Project.COLLABORATION: 40,
                           Project.OUTREACH: 10, Project.PARTICIPATION: 10})  # fmt: skip
    now = timezone.now()
    # The first case gets exactly 300 records (the benchmark's timeline page).
    cases = city.cases
    heavy = cases[0]
    r0 = city.next_id(SupportRecord)
    city.heavy_case_id = heavy[0]

    def rows():
        rid = r0
        cid, lead, staff, opened = heavy
        days = max(1, min(700, (city.today - opened).days))  # up to the seeding, not past it
        for k in range(300):
            at = min(city.aware(opened + dt.timedelta(days=k % days), k * 60), now)
            yield (rid, cid, at,
                   kind(), project(), lead, staff, 30, rng.choice(NARRATIVES), now)  # fmt: skip
            rid += 1
        for _ in range(total - 300):
            cid, lead, staff, opened = cases[1 + int(rng.random() * (len(cases) - 1))]
            span = max(1, (city.today - opened).days)
            at = city.aware(opened + dt.timedelta(days=int(rng.random() * span)),
                             int(rng.random() * 9 * 3600))  # fmt: skip
            at = min(at, now)  # a case opened today: nothing later than the seeding
            yield (rid, cid, at, kind(), project(), lead, staff,
                   rng.choice((10, 15, 30, 45, 60, 90)), rng.choice(NARRATIVES), now)  # fmt: skip
            rid += 1

    city.copy(
        SupportRecord,
        ["id", "case_id", "occurred_at", "kind", "project", "agency_id", "staff_id",
         "minutes", "narrative", "created_at"],
        rows(),
    )  # fmt: skip


# ---------------------------------------------------------------- meetings


def seed_meetings(city):
    rng = city.rng
    n = city.counts["meetings"]
    kinds = Picker(rng, {MeetingKind.SUPPORT_MEETING: 30, MeetingKind.MULTILAYER_MEETING: 30,
                         MeetingKind.CASE_CONFERENCE: 30, MeetingKind.DEPARTMENT_LIAISON: 10})  # fmt: skip
    now = timezone.now()
    desk_staff = city.staff[city.desk.pk]
    m0, mm0 = city.next_id(Meeting), city.next_id(MeetingMember)
    rows, members, items = [], [], []
    mm = mm0
    # Each meeting discusses up to three cases opened before it; the timeline bench's
    # case is on every 300th meeting of its time (its page then shows meeting entries).
    heavy = city.cases[0]
    for i in range(n):
        mid = m0 + i
        day = city.today - dt.timedelta(days=int(i * 365 * 3 / n))
        starts = city.aware(day, 3600 * rng.randint(1, 6))
        chair = rng.choice(desk_staff)
        past = day < city.today
        rows.append((
            mid, 1, kinds(), f"第{i + 1}回 会議", starts, starts + dt.timedelta(hours=1),
            "架空市役所 会議室", chair, city.desk.pk,
            MeetingStatus.FINALISED if past else MeetingStatus.SCHEDULED,
            starts + dt.timedelta(days=2) if past else None, chair if past else None,
            None, None, "", chair, now, now,
        ))  # fmt: skip
        invited = {chair, *rng.sample(desk_staff, 2)}
        for agency in rng.sample(city.partners, 3):
            invited.add(city.staff[agency.pk][0])
        for user in sorted(invited):
            agency = next(a for a, users in city.staff.items() if user in users)
            members.append((mm, mid, user, agency, starts, None, chair, now))
            mm += 1
        discussed = [c for c in rng.sample(city.cases[1:], 3) if c[3] <= day]
        if i % 300 == 0 and heavy[3] <= day:
            discussed.append(heavy)
        for order, (cid, _lead, _staff, _opened) in enumerate(discussed):
            items.append((
                mid, order, Topic.CASE, cid, "", "本人・家族の状況と支援の方向性を確認する。",
                "関係機関の役割分担を確認した。" if past else "",
                "次回まで訪問を継続する。" if past else "", chair,
            ))  # fmt: skip
    city.copy(
        Meeting,
        ["id", "version", "kind", "title", "starts_at", "ends_at", "place", "chair_id",
         "organising_agency_id", "status", "finalised_at", "finalised_by_id",
         "cancelled_at", "cancelled_by_id", "cancel_reason", "created_by_id", "created_at",
         "updated_at"],
        rows,
    )  # fmt: skip
    city.copy(
        MeetingMember,
        ["id", "meeting_id", "user_id", "agency_id", "acknowledged_at",
         "acknowledgement_recorded_by_id", "added_by_id", "added_at"],
        members,
    )  # fmt: skip
    a0 = city.next_id(AgendaItem)
    city.copy(
        AgendaItem,
        ["id", "meeting_id", "order", "topic", "case_id", "title", "brief", "discussion",
         "decisions", "created_by_id"],
        [(a0 + k, *item) for k, item in enumerate(items)],
    )  # fmt: skip


# ---------------------------------------------------------------- referrals


def seed_referrals(city):
    """繋ぎ for ~10% of cases, each resting on an exemption note (no grant rows: the
    receiver's access in this synthetic city comes from the consent shares above)."""
    rng = city.rng
    now = timezone.now()
    status = Picker(rng, {ReferralStatus.SENT: 20, ReferralStatus.ACCEPTED: 30,
                          ReferralStatus.IN_PROGRESS: 20, ReferralStatus.COMPLETED: 20,
                          ReferralStatus.DECLINED: 10})  # fmt: skip
    partner_ids = [a.pk for a in city.partners]
    r0 = city.next_id(Referral)
    rows, persons = [], []
    through = Referral.persons.through
    t0 = city.next_id(through)
    rid = r0
    for cid, lead, staff, opened in city.cases:
        if rng.random() >= 0.1:
            continue
        to = rng.choice([p for p in partner_ids if p != lead])
        sent = city.aware(opened, 3600)
        st = status()
        due = opened + dt.timedelta(days=7)
        # Unanswered past its date: marked as the daily task (referrals_mark_overdue)
        # would have marked it the day after.
        overdue = (
            due + dt.timedelta(days=1) if st == ReferralStatus.SENT and due < city.today else None
        )
        rows.append((
            rid, cid, lead, staff, to, "複合的な課題があり、専門的な支援が必要。",
            "初回面談への同行をお願いしたい。", GrantScope.SUMMARY, None, "life",
            "生命・身体の保護のため緊急に共有する。", st, sent,
            due,
            overdue, None if st == ReferralStatus.SENT else sent + dt.timedelta(days=2),
            sent + dt.timedelta(days=2) if st != ReferralStatus.SENT else None,
            None, "", "", None, now,
        ))  # fmt: skip
        persons.append(
            (t0 + len(persons), rid, city.household_persons[city.case_household[cid]][0])
        )
        rid += 1
    city.copy(
        Referral,
        ["id", "case_id", "from_agency_id", "from_staff_id", "to_agency_id", "reason",
         "request", "scope", "consent_id", "exemption_reason", "exemption_note", "status",
         "sent_at", "answer_due_on", "overdue_since", "answered_at", "accepted_at",
         "ended_at", "decline_reason", "response_note", "support_record_id", "created_at"],
        rows,
    )  # fmt: skip
    city.copy(through, ["id", "referral_id", "person_id"], persons)
