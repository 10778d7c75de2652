"""The city's consultations, and its cases with their sharing (grants, guardian rows)."""

import datetime as dt

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from benchmarks.seeding import Picker
from cases.choices import CasePersonRole, CaseStatus, GrantBasis, GrantScope, RiskLevel
from cases.models import AccessGrant, Case, CaseGroupObjectPermission, CasePerson
from cases.sharing import SCOPE_PERMS
from households.choices import ConsentMethod
from households.models import Consent, HouseholdGroupObjectPermission
from intake.choices import CameFrom, Channel, ConsentAtIntake, Outcome, Urgency
from intake.models import Consultation, ConsultationCategoryLink

# ---------------------------------------------------------------- consultations


def seed_consultations(city):
    rng = city.rng
    per_year = city.counts["consultations_per_year"]
    total = per_year * 3
    start = city.today - dt.timedelta(days=365 * 3)
    channel = Picker(rng, {Channel.VISIT_DESK: 35, Channel.PHONE: 45, Channel.HOME_VISIT: 8,
                           Channel.AGENCY: 8, Channel.MUNICIPAL: 4})  # fmt: skip
    came = Picker(rng, {CameFrom.SELF: 45, CameFrom.FAMILY: 25, CameFrom.AGENCY: 15,
                        CameFrom.WELFARE_VOLUNTEER: 5, CameFrom.MUNICIPAL: 10})  # fmt: skip
    outcome = Picker(rng, {Outcome.RESOLVED: 20, Outcome.INFORMATION: 35,
                           Outcome.REFERRED: 20, Outcome.ONGOING: 25})  # fmt: skip
    desk_staff = city.staff[city.desk.pk]
    c_id0, l_id0 = city.next_id(Consultation), city.next_id(ConsultationCategoryLink)
    rows, links = [], []
    lid = l_id0
    for i in range(total):
        cid = c_id0 + i
        day = start + dt.timedelta(days=int(i * 365 * 3 / total))
        at = city.aware(day, rng.randint(0, 8 * 3600))
        hid = rng.choice(city.household_ids) if rng.random() < 0.8 else None
        rows.append((
            cid, 1, at, channel(), came(), "", "", None, hid, "生活について相談したい。", "",
            Urgency.NORMAL if rng.random() < 0.9 else Urgency.SOON,
            ConsentAtIntake.YES if rng.random() < 0.6 else ConsentAtIntake.UNKNOWN,
            outcome(), rng.random() < 0.3, rng.choice(desk_staff), city.desk.pk, at,
        ))  # fmt: skip
        cats = rng.sample(city.categories, rng.choice([1, 1, 1, 2, 2, 3]))
        for k, cat in enumerate(cats):
            links.append((lid, cid, cat, k == 0))
            lid += 1
    city.copy(
        Consultation,
        ["id", "version", "received_at", "channel", "came_from", "caller_name",
         "caller_relationship", "caller_agency_id", "household_id", "summary", "wishes",
         "urgency", "consent_status", "outcome", "is_continuation", "received_by_id",
         "agency_id", "created_at"],
        rows,
    )  # fmt: skip
    city.copy(
        ConsultationCategoryLink, ["id", "consultation_id", "category_id", "is_primary"], links
    )


# ---------------------------------------------------------------- cases and sharing


def seed_cases(city):
    rng = city.rng
    n = city.counts["cases"]
    now = timezone.now()
    status = Picker(rng, {CaseStatus.RECEIVED: 5, CaseStatus.ASSESSMENT: 8,
                          CaseStatus.PLANNING: 7, CaseStatus.SUPPORTING: 35,
                          CaseStatus.MONITORING: 10, CaseStatus.CLOSED: 30,
                          CaseStatus.SUSPENDED: 5})  # fmt: skip
    risk = Picker(rng, {RiskLevel.LOW: 30, RiskLevel.MEDIUM: 50, RiskLevel.HIGH: 15,
                        RiskLevel.URGENT: 5})  # fmt: skip
    case_ct = ContentType.objects.get_for_model(Case)
    case_perm = {p.codename: p.pk for p in Permission.objects.filter(content_type=case_ct)}
    case_id0 = city.next_id(Case)
    cp_id, g_id, cn_id = (
        city.next_id(CasePerson),
        city.next_id(AccessGrant),
        city.next_id(Consent),
    )
    households = rng.sample(city.household_ids, min(n, len(city.household_ids)))
    case_rows, cp_rows, grant_rows, consent_rows, consent_agency_rows = [], [], [], [], []
    perm_rows = set()
    city.cases = []  # (case id, lead agency id, lead staff id, opened_on)
    city.case_household = {}
    partner_ids = [a.pk for a in city.partners]
    for i in range(n):
        cid = case_id0 + i
        hid = households[i % len(households)]
        lead = city.desk.pk if rng.random() < 0.6 else rng.choice(partner_ids)
        staff = rng.choice(city.staff[lead])
        opened = city.today - dt.timedelta(days=rng.randint(0, 365 * 3))
        st = status()
        closed = opened + dt.timedelta(days=rng.randint(30, 300)) if st in (
            CaseStatus.CLOSED, CaseStatus.SUSPENDED) else None  # fmt: skip
        if i == 0:
            # The timeline bench's case (acts.seed_records gives it 300 records): a long
            # case the desk is still supporting, as such a case is, not one ended before
            # most of its records (its page then shows every panel and button).
            lead, staff = city.desk.pk, city.staff[city.desk.pk][0]
            st, closed = CaseStatus.SUPPORTING, None
        if closed and closed > city.today:
            closed = city.today
        persons = city.household_persons[hid]
        case_rows.append((
            cid, 1, hid, f"ケース{cid}（{len(persons)}人世帯）", lead, staff, st, risk(),
            opened, closed, "goal_reached" if st == CaseStatus.CLOSED else "",
            "", None, None, "世帯全体の生活課題について継続して支援する。", staff, now, now,
        ))  # fmt: skip
        city.cases.append((cid, lead, staff, opened))
        city.case_household[cid] = hid
        for k, pid in enumerate(persons[:3]):
            role = CasePersonRole.PRINCIPAL if k == 0 else CasePersonRole.MEMBER
            cp_rows.append((cp_id, cid, pid, role))
            cp_id += 1
        # LEAD grant + the guardian rows sharing._sync writes for it.
        grant_rows.append((g_id, cid, lead, None, GrantBasis.LEAD, GrantScope.LEAD, None,
                           None, None, "", "", staff, now, None, None, ""))  # fmt: skip
        g_id += 1
        for codename in SCOPE_PERMS[GrantScope.LEAD]:
            perm_rows.add((case_perm[codename], city.group[lead], cid))
        for perm in city.hh_perm.values():
            city.hh_perm_rows.add((perm, city.group[lead], hid))
        # ~20% shared with a partner at RECORDS scope, resting on the person's consent.
        if rng.random() < 0.2:
            partner = rng.choice([p for p in partner_ids if p != lead])
            consent_rows.append((
                cn_id, 1, persons[0], "支援機関間での情報共有のため", ConsentMethod.SIGNED,
                opened, None, None, staff, now,
            ))  # fmt: skip
            consent_agency_rows.append((cn_id, partner))
            grant_rows.append((g_id, cid, partner, None, GrantBasis.CONSENT,
                               GrantScope.RECORDS, cn_id, None, None, "", "", staff, now,
                               None, None, ""))  # fmt: skip
            g_id += 1
            cn_id += 1
            for codename in SCOPE_PERMS[GrantScope.RECORDS]:
                perm_rows.add((case_perm[codename], city.group[partner], cid))
            # RECORDS opens the household page (view only) to the partner.
            city.hh_perm_rows.add((city.hh_perm["view_household"], city.group[partner], hid))
    city.copy(
        Case,
        ["id", "version", "household_id", "title", "lead_agency_id", "lead_staff_id",
         "status", "risk_level", "opened_on", "closed_on", "close_reason_kind",
         "close_reason", "collaboration_started_on", "collaboration_ended_on", "summary",
         "created_by_id", "created_at", "updated_at"],
        case_rows,
    )  # fmt: skip
    city.copy(CasePerson, ["id", "case_id", "person_id", "role"], cp_rows)
    city.copy(
        Consent,
        ["id", "version", "person_id", "purpose", "method", "obtained_on", "expires_on",
         "withdrawn_on", "recorded_by_id", "created_at"],
        consent_rows,
    )  # fmt: skip
    through = Consent.agencies.through
    t_id = city.next_id(through)
    city.copy(
        through,
        ["id", "consent_id", "agency_id"],
        ((t_id + k, c, a) for k, (c, a) in enumerate(consent_agency_rows)),
    )
    city.copy(
        AccessGrant,
        ["id", "case_id", "agency_id", "user_id", "basis", "scope", "consent_id",
         "basis_type_id", "basis_id", "exemption_reason", "note", "granted_by_id",
         "granted_at", "revoked_at", "revoked_by_id", "revoke_reason"],
        grant_rows,
    )  # fmt: skip
    p0 = city.next_id(CaseGroupObjectPermission)
    city.copy(
        CaseGroupObjectPermission,
        ["id", "permission_id", "group_id", "content_object_id"],
        ((p0 + k, *row) for k, row in enumerate(sorted(perm_rows))),
    )
    h0 = city.next_id(HouseholdGroupObjectPermission)
    city.copy(
        HouseholdGroupObjectPermission,
        ["id", "permission_id", "group_id", "content_object_id"],
        ((h0 + k, *row) for k, row in enumerate(sorted(city.hh_perm_rows))),
    )
