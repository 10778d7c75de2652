"""Seed a synthetic city for the page benchmark (bench_pages): PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jusou_city \
        python manage.py seed_city --households 100000 --seed 1

Agencies and staff are made through accounts.services (so each agency has its auth
group); everything else is written with COPY and explicit primary keys, which is what
makes the default size fit in a few minutes. This deliberately bypasses the services,
simple-history and the action log: it is synthetic benchmark data, never real records,
and the product itself never writes this way. The guardian rows (CaseGroupObjectPermission,
HouseholdGroupObjectPermission) are written to match the AccessGrant ledger exactly as
cases/sharing.py and households/access.py would (see SCOPE_PERMS).

Same --seed and --households on an empty database give the same rows.
"""

import datetime as dt
import random
import time
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from accounts.models import Agency, Membership, User
from accounts.services import agency_create, membership_add, user_create
from accounts.system import system_user
from cases.choices import (
    CasePersonRole,
    CaseStatus,
    GrantBasis,
    GrantScope,
    Project,
    RecordKind,
    RiskLevel,
)
from cases.models import (
    AccessGrant,
    Case,
    CaseGroupObjectPermission,
    CasePerson,
    SupportRecord,
)
from cases.sharing import SCOPE_PERMS
from common.services import save_as
from households.choices import ConsentMethod, Relationship, Sex
from households.models import (
    Consent,
    District,
    Household,
    HouseholdGroupObjectPermission,
    HouseholdMembership,
    Person,
)
from intake.choices import CameFrom, Channel, ConsentAtIntake, Outcome, Urgency
from intake.models import Consultation, ConsultationCategory, ConsultationCategoryLink
from meetings.choices import MeetingKind, MeetingStatus
from meetings.models import Meeting, MeetingMember
from referrals.choices import ReferralStatus
from referrals.models import Referral

CITY_DESK = "架空市 福祉の相談窓口"
PASSWORD = "correct-horse-battery"

FAMILY = [
    ("山田", "ヤマダ"), ("山本", "ヤマモト"), ("山口", "ヤマグチ"), ("田中", "タナカ"),
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山崎", "ヤマザキ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("清水", "シミズ"), ("森", "モリ"),
    ("池田", "イケダ"), ("橋本", "ハシモト"), ("石川", "イシカワ"), ("前田", "マエダ"),
    ("藤田", "フジタ"), ("岡田", "オカダ"), ("後藤", "ゴトウ"), ("長谷川", "ハセガワ"),
    ("村上", "ムラカミ"), ("近藤", "コンドウ"), ("坂本", "サカモト"), ("遠藤", "エンドウ"),
    ("青木", "アオキ"), ("藤井", "フジイ"), ("西村", "ニシムラ"), ("福田", "フクダ"),
    ("太田", "オオタ"), ("三浦", "ミウラ"), ("藤原", "フジワラ"), ("岡本", "オカモト"),
]  # fmt: skip
GIVEN_M = [
    ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健", "ケン"), ("翔", "ショウ"),
    ("大輔", "ダイスケ"), ("誠", "マコト"), ("浩", "ヒロシ"), ("蓮", "レン"),
    ("悠真", "ユウマ"), ("湊", "ミナト"), ("隆", "タカシ"), ("茂", "シゲル"),
]  # fmt: skip
GIVEN_F = [
    ("花子", "ハナコ"), ("陽子", "ヨウコ"), ("美咲", "ミサキ"), ("愛", "アイ"),
    ("結衣", "ユイ"), ("さくら", "サクラ"), ("恵子", "ケイコ"), ("幸子", "サチコ"),
    ("陽葵", "ヒマリ"), ("芽依", "メイ"), ("和子", "カズコ"), ("直美", "ナオミ"),
]  # fmt: skip
TOWNS = ["本町", "中央", "東町", "西町", "南町", "北町", "緑ヶ丘", "桜台", "旭町", "港町"]
DISTRICTS = ["中央区", "東区", "西区", "南区", "北区"]
CATEGORIES = [
    ("経済的困窮", "生活困窮"), ("債務", "生活困窮"), ("就労", "就労"),
    ("ひきこもり", "ひきこもり"), ("介護", "高齢"), ("障がい", "障がい"),
    ("子育て", "子ども"), ("心の悩み", "健康"), ("病気や健康", "健康"),
    ("住まい", "住まい"), ("DV・虐待", "権利擁護"), ("その他", "その他"),
]  # fmt: skip
PARTNER_KINDS = [
    AgencyKind.COMMUNITY_GENERAL_SUPPORT, AgencyKind.SOCIAL_WELFARE_COUNCIL,
    AgencyKind.CONSULTATION_SUPPORT, AgencyKind.CARE_MANAGEMENT,
    AgencyKind.SELF_RELIANCE_SUPPORT, AgencyKind.CHILD_REARING, AgencyKind.MEDICAL,
    AgencyKind.HELLO_WORK, AgencyKind.WELFARE_OFFICE, AgencyKind.MUNICIPAL_DEPT,
]  # fmt: skip
NARRATIVES = [
    "本人宅を訪問し、生活状況を確認した。",
    "電話で近況を聞き取り、次回の面談日を調整した。",
    "関係機関と情報を共有し、役割分担を確認した。",
    "窓口で面談。家計の状況について相談を受けた。",
    "同行支援。役所の手続きを一緒に行った。",
    "ケース会議で支援方針を協議した。",
]
STAFF_PER_AGENCY = 4
DESK_STAFF = 20


def _get_or_create_as(actor, model, *, name, **defaults):
    """get_or_create(name=...) for the historied master rows, the history naming actor."""
    row = model.objects.filter(name=name).first()
    return row if row is not None else save_as(model(name=name, **defaults), actor)


class Picker:
    """Weighted choice with a fixed random source."""

    def __init__(self, rng: random.Random, weights: dict):
        self.rng, self.values = rng, list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def __call__(self):
        return self.rng.choices(self.values, cum_weights=self.cumulative)[0]


class Command(BaseCommand):
    help = "Seed a synthetic city (PostgreSQL only) for the page benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--scale-others",
            type=float,
            default=None,
            help="multiplier for cases/records/consultations/meetings "
            "(default: households / 100,000)",
        )
        parser.add_argument(
            "--create-database", action="store_true", help="create the database and migrate"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (exit 0) when the city is already seeded here",
        )

    # ---------------------------------------------------------------- plumbing

    def _create_database(self):
        import psycopg
        from django.conf import settings

        db = settings.DATABASES["default"]
        params = {
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
                self.stdout.write(f"created database {db['NAME']}")

    def _next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
            return cursor.fetchone()[0]

    def _copy(self, model, fields: list[str], rows, constants: dict | None = None) -> int:
        """COPY rows (tuples in the order of `fields`, attnames) into model's table;
        `constants` gives columns with the same value on every row."""
        table = model._meta.db_table
        # Columns the seed does not name take their model default, so a field added
        # later (a version, a note) does not break the seed with a NOT NULL error.
        constants = dict(constants or {})
        for f in model._meta.concrete_fields:
            named = f.attname in fields or f.attname in constants or f.primary_key
            if not named and not f.null and (f.has_default() or f.empty_strings_allowed):
                constants[f.attname] = f.get_default()
        if constants:
            fields = fields + list(constants)
            tail = tuple(constants.values())
            rows = (row + tail for row in rows)
        columns = ", ".join(model._meta.get_field(f).column for f in fields)
        started = time.perf_counter()
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        self._timing(table, count, time.perf_counter() - started)
        return count

    def _timing(self, table, count, seconds):
        self.timings.append((table, count, seconds))
        self.stdout.write(f"  {table:<45} {count:>10,} rows {seconds:7.1f} s")

    # ---------------------------------------------------------------- main

    def handle(self, *args, **options):
        if options["create_database"]:
            if connection.vendor == "postgresql":
                self._create_database()
            call_command("migrate", verbosity=0, interactive=False)
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_city needs PostgreSQL (it writes with COPY): set DATABASE_URL, e.g. "
                "postgres://postgres@127.0.0.1:5432/jusou_city"
            )
        if options["if_empty"] and Agency.objects.filter(name=CITY_DESK).exists():
            self.stdout.write("the city is already seeded here; nothing to do")
            return
        if Household.objects.exists() or Case.objects.exists():
            raise CommandError(
                "This database already holds households or cases: seed the city into an "
                "empty database of its own (e.g. jusou_city), so it is reproducible."
            )
        n = options["households"]
        scale = options["scale_others"] if options["scale_others"] is not None else n / 100_000
        self.counts = {
            "households": n,
            "cases": max(20, int(30_000 * scale)),
            "records": max(300, int(1_000_000 * scale)),
            "consultations_per_year": max(20, int(20_000 * scale)),
            "meetings": max(10, int(2_000 * scale)),
        }
        self.rng = random.Random(options["seed"])
        self.timings = []
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        started = time.perf_counter()
        self.stdout.write(
            "seeding "
            + ", ".join(f"{k}={v:,}" for k, v in self.counts.items())
            + f" (seed {options['seed']})"
        )
        self._agencies()
        self._households()
        self._consultations()
        self._cases()
        self._records()
        self._meetings()
        self._referrals()
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._timing("ANALYZE", 0, time.perf_counter() - t)
        total = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"city seeded in {total:.1f} s"))
        self.stdout.write(
            f"log in as city_desk01 (desk) or city_a01_1 (partner), password {PASSWORD}"
        )

    def _aware(self, day: dt.date, seconds: int) -> dt.datetime:
        base = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(seconds=seconds)
        return timezone.make_aware(base, self.tz)

    # ---------------------------------------------------------------- agencies, staff

    def _agencies(self):
        t = time.perf_counter()
        password = make_password(PASSWORD, salt="seedcity")  # hashed once, reused
        # The rows made through the services (and so historied) name a user: on the empty
        # database this command requires there is no administrator yet.
        admin = User.objects.filter(is_superuser=True).first() or system_user()
        self.desk = agency_create(
            actor=admin, name=CITY_DESK, kind=AgencyKind.MUNICIPAL_DEPT, is_desk=True
        )
        self.partners = []
        for i in range(49):
            kind = PARTNER_KINDS[i % len(PARTNER_KINDS)]
            label = AgencyKind(kind).label
            self.partners.append(
                agency_create(actor=admin, name=f"架空市 {label} 第{i + 1:02d}", kind=kind)
            )
        self.staff = {}  # agency id -> [user ids]
        for i in range(DESK_STAFF):
            role = Role.COORDINATOR if i == 0 else (Role.MANAGER if i == 1 else Role.COUNSELOR)
            user = user_create(
                actor=admin, username=f"city_desk{i + 1:02d}", password=None,
                display_name=f"窓口 職員{i + 1}",
            )  # fmt: skip
            membership_add(actor=admin, user=user, agency=self.desk, role=role)
            self.staff.setdefault(self.desk.pk, []).append(user.pk)
        for a, agency in enumerate(self.partners):
            for j in range(STAFF_PER_AGENCY):
                user = user_create(
                    actor=admin, username=f"city_a{a + 1:02d}_{j + 1}", password=None,
                    display_name=f"{agency.name} 職員{j + 1}",
                )  # fmt: skip
                membership_add(actor=admin, user=user, agency=agency, role=Role.PARTNER_STAFF)
                self.staff.setdefault(agency.pk, []).append(user.pk)
        User.objects.filter(username__startswith="city_").update(password=password)
        self.group = {a.pk: a.group_id for a in [self.desk, *self.partners]}
        self.districts = [_get_or_create_as(admin, District, name=name).pk for name in DISTRICTS]
        self.categories = [
            _get_or_create_as(
                admin, ConsultationCategory, name=name, statistics_group=group, order=i
            ).pk
            for i, (name, group) in enumerate(CATEGORIES)
        ]
        agencies = Agency.objects.count()
        self._timing("accounts (agencies, users, memberships)", agencies, time.perf_counter() - t)
        self.stdout.write(f"    {Membership.objects.count()} memberships")

    # ---------------------------------------------------------------- households

    def _households(self):
        rng, n = self.rng, self.counts["households"]
        now = timezone.now()
        size = Picker(rng, {1: 30, 2: 28, 3: 20, 4: 14, 5: 6, 6: 2})
        hh_id0, p_id0, m_id0 = (
            self._next_id(Household),
            self._next_id(Person),
            self._next_id(HouseholdMembership),
        )
        hh_rows, p_rows, m_rows, perm_rows = [], [], [], []
        self.household_persons = {}  # household id -> [person ids], head first
        self.household_agency = {}
        pid, mid = p_id0, m_id0
        partner_ids = [a.pk for a in self.partners]
        for i in range(n):
            hid = hh_id0 + i
            family, family_kana = rng.choice(FAMILY)
            agency = self.desk.pk if rng.random() < 0.7 else rng.choice(partner_ids)
            self.household_agency[hid] = agency
            phone = f"0{rng.randint(3, 9)}{rng.randint(1, 9)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"  # noqa: E501
            hh_rows.append((
                hid, 1, f"{family}さん世帯", f"{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}",
                f"架空市{rng.choice(TOWNS)}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                rng.choice(self.districts), phone, phone.replace("-", ""), "",
                rng.random() < 0.01, agency, now,
            ))  # fmt: skip
            members = []
            for k in range(size()):
                female = rng.random() < 0.5
                given, given_kana = rng.choice(GIVEN_F if female else GIVEN_M)
                mobile = (
                    f"0{rng.choice('789')}0-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"
                    if rng.random() < 0.6
                    else ""
                )
                age = rng.randint(20, 95) if k == 0 else rng.randint(0, 90)
                birth = dt.date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
                p_rows.append((
                    pid, family, given, family_kana, given_kana, family_kana + given_kana, birth,
                    Sex.FEMALE if female else Sex.MALE, "", mobile, "", mobile.replace("-", ""),
                    "", rng.random() < 0.1, rng.random() < 0.05, rng.random() < 0.03,
                    rng.random() < 0.01, "", agency, now,
                ))  # fmt: skip
                relationship = Relationship.HEAD if k == 0 else rng.choice(
                    [Relationship.SPOUSE, Relationship.CHILD, Relationship.PARENT]
                )  # fmt: skip
                m_rows.append((mid, hid, pid, relationship, None, None))
                members.append(pid)
                pid += 1
                mid += 1
            self.household_persons[hid] = members
        self.household_ids = list(self.household_persons)
        self._copy(
            Household,
            ["id", "version", "name", "postal_code", "address", "district_id", "phone",
             "phone_digits", "notes", "is_address_confidential", "registered_by_agency_id",
             "created_at"],
            hh_rows,
        )  # fmt: skip
        del hh_rows
        self._copy(
            Person,
            ["id", "family_name", "given_name", "family_name_kana", "given_name_kana",
             "name_kana", "birth_date", "sex", "phone", "mobile_phone", "phone_digits",
             "mobile_digits", "email", "has_care_certification", "has_disability_certificate",
             "receives_public_assistance", "needs_interpreter", "notes",
             "registered_by_agency_id", "created_at"],
            p_rows,
        )  # fmt: skip
        del p_rows
        self._copy(
            HouseholdMembership,
            ["id", "household_id", "person_id", "relationship", "since", "until"],
            m_rows,
        )
        del m_rows
        # The registering agency sees, changes and sees the hidden contact details of its
        # households (households.services.household_create via households/access.py).
        ct = ContentType.objects.get_for_model(Household)
        self.hh_perm = {
            p.codename: p.pk
            for p in Permission.objects.filter(
                content_type=ct,
                codename__in=["view_household", "change_household", "view_confidential_household"],
            )
        }
        self.hh_perm_rows = set()  # (perm, group, household)
        for hid, agency in self.household_agency.items():
            for perm in self.hh_perm.values():
                self.hh_perm_rows.add((perm, self.group[agency], hid))
        del perm_rows

    # ---------------------------------------------------------------- consultations

    def _consultations(self):
        rng = self.rng
        per_year = self.counts["consultations_per_year"]
        total = per_year * 3
        start = self.today - dt.timedelta(days=365 * 3)
        channel = Picker(rng, {Channel.VISIT_DESK: 35, Channel.PHONE: 45, Channel.HOME_VISIT: 8,
                               Channel.AGENCY: 8, Channel.MUNICIPAL: 4})  # fmt: skip
        came = Picker(rng, {CameFrom.SELF: 45, CameFrom.FAMILY: 25, CameFrom.AGENCY: 15,
                            CameFrom.WELFARE_VOLUNTEER: 5, CameFrom.MUNICIPAL: 10})  # fmt: skip
        outcome = Picker(rng, {Outcome.RESOLVED: 20, Outcome.INFORMATION: 35,
                               Outcome.REFERRED: 20, Outcome.ONGOING: 25})  # fmt: skip
        desk_staff = self.staff[self.desk.pk]
        c_id0, l_id0 = self._next_id(Consultation), self._next_id(ConsultationCategoryLink)
        rows, links = [], []
        lid = l_id0
        for i in range(total):
            cid = c_id0 + i
            day = start + dt.timedelta(days=int(i * 365 * 3 / total))
            at = self._aware(day, rng.randint(0, 8 * 3600))
            hid = rng.choice(self.household_ids) if rng.random() < 0.8 else None
            rows.append((
                cid, 1, at, channel(), came(), "", "", None, hid, "生活について相談したい。", "",
                Urgency.NORMAL if rng.random() < 0.9 else Urgency.SOON,
                ConsentAtIntake.YES if rng.random() < 0.6 else ConsentAtIntake.UNKNOWN,
                outcome(), rng.random() < 0.3, rng.choice(desk_staff), self.desk.pk, at,
            ))  # fmt: skip
            cats = rng.sample(self.categories, rng.choice([1, 1, 1, 2, 2, 3]))
            for k, cat in enumerate(cats):
                links.append((lid, cid, cat, k == 0))
                lid += 1
        self._copy(
            Consultation,
            ["id", "version", "received_at", "channel", "came_from", "caller_name",
             "caller_relationship", "caller_agency_id", "household_id", "summary", "wishes",
             "urgency", "consent_status", "outcome", "is_continuation", "received_by_id",
             "agency_id", "created_at"],
            rows,
        )  # fmt: skip
        self._copy(
            ConsultationCategoryLink, ["id", "consultation_id", "category_id", "is_primary"], links
        )

    # ---------------------------------------------------------------- cases and sharing

    def _cases(self):
        rng = self.rng
        n = self.counts["cases"]
        now = timezone.now()
        status = Picker(rng, {CaseStatus.RECEIVED: 5, CaseStatus.ASSESSMENT: 8,
                              CaseStatus.PLANNING: 7, CaseStatus.SUPPORTING: 35,
                              CaseStatus.MONITORING: 10, CaseStatus.CLOSED: 30,
                              CaseStatus.SUSPENDED: 5})  # fmt: skip
        risk = Picker(rng, {RiskLevel.LOW: 30, RiskLevel.MEDIUM: 50, RiskLevel.HIGH: 15,
                            RiskLevel.URGENT: 5})  # fmt: skip
        case_ct = ContentType.objects.get_for_model(Case)
        case_perm = {p.codename: p.pk for p in Permission.objects.filter(content_type=case_ct)}
        case_id0 = self._next_id(Case)
        cp_id, g_id, cn_id = (
            self._next_id(CasePerson),
            self._next_id(AccessGrant),
            self._next_id(Consent),
        )
        households = rng.sample(self.household_ids, min(n, len(self.household_ids)))
        case_rows, cp_rows, grant_rows, consent_rows, consent_agency_rows = [], [], [], [], []
        perm_rows = set()
        self.cases = []  # (case id, lead agency id, lead staff id, opened_on)
        self.case_household = {}
        partner_ids = [a.pk for a in self.partners]
        for i in range(n):
            cid = case_id0 + i
            hid = households[i % len(households)]
            lead = self.desk.pk if rng.random() < 0.6 else rng.choice(partner_ids)
            staff = rng.choice(self.staff[lead])
            opened = self.today - dt.timedelta(days=rng.randint(0, 365 * 3))
            st = status()
            closed = opened + dt.timedelta(days=rng.randint(30, 300)) if st in (
                CaseStatus.CLOSED, CaseStatus.SUSPENDED) else None  # fmt: skip
            if closed and closed > self.today:
                closed = self.today
            persons = self.household_persons[hid]
            case_rows.append((
                cid, 1, hid, f"ケース{cid}（{len(persons)}人世帯）", lead, staff, st, risk(),
                opened, closed, "goal_reached" if st == CaseStatus.CLOSED else "",
                "", None, None, "世帯全体の生活課題について継続して支援する。", staff, now, now,
            ))  # fmt: skip
            self.cases.append((cid, lead, staff, opened))
            self.case_household[cid] = hid
            for k, pid in enumerate(persons[:3]):
                role = CasePersonRole.PRINCIPAL if k == 0 else CasePersonRole.MEMBER
                cp_rows.append((cp_id, cid, pid, role))
                cp_id += 1
            # LEAD grant + the guardian rows sharing._sync writes for it.
            grant_rows.append((g_id, cid, lead, None, GrantBasis.LEAD, GrantScope.LEAD, None,
                               None, None, "", "", staff, now, None, None, ""))  # fmt: skip
            g_id += 1
            for codename in SCOPE_PERMS[GrantScope.LEAD]:
                perm_rows.add((case_perm[codename], self.group[lead], cid))
            for perm in self.hh_perm.values():
                self.hh_perm_rows.add((perm, self.group[lead], hid))
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
                    perm_rows.add((case_perm[codename], self.group[partner], cid))
                # RECORDS opens the household page (view only) to the partner.
                self.hh_perm_rows.add((self.hh_perm["view_household"], self.group[partner], hid))
        self._copy(
            Case,
            ["id", "version", "household_id", "title", "lead_agency_id", "lead_staff_id",
             "status", "risk_level", "opened_on", "closed_on", "close_reason_kind",
             "close_reason", "collaboration_started_on", "collaboration_ended_on", "summary",
             "created_by_id", "created_at", "updated_at"],
            case_rows,
        )  # fmt: skip
        self._copy(CasePerson, ["id", "case_id", "person_id", "role"], cp_rows)
        self._copy(
            Consent,
            ["id", "version", "person_id", "purpose", "method", "obtained_on", "expires_on",
             "withdrawn_on", "recorded_by_id", "created_at"],
            consent_rows,
        )  # fmt: skip
        through = Consent.agencies.through
        t_id = self._next_id(through)
        self._copy(
            through,
            ["id", "consent_id", "agency_id"],
            ((t_id + k, c, a) for k, (c, a) in enumerate(consent_agency_rows)),
        )
        self._copy(
            AccessGrant,
            ["id", "case_id", "agency_id", "user_id", "basis", "scope", "consent_id",
             "basis_type_id", "basis_id", "exemption_reason", "note", "granted_by_id",
             "granted_at", "revoked_at", "revoked_by_id", "revoke_reason"],
            grant_rows,
        )  # fmt: skip
        p0 = self._next_id(CaseGroupObjectPermission)
        self._copy(
            CaseGroupObjectPermission,
            ["id", "permission_id", "group_id", "content_object_id"],
            ((p0 + k, *row) for k, row in enumerate(sorted(perm_rows))),
        )
        h0 = self._next_id(HouseholdGroupObjectPermission)
        self._copy(
            HouseholdGroupObjectPermission,
            ["id", "permission_id", "group_id", "content_object_id"],
            ((h0 + k, *row) for k, row in enumerate(sorted(self.hh_perm_rows))),
        )

    # ---------------------------------------------------------------- support records

    def _records(self):
        rng = self.rng
        total = self.counts["records"]
        kind = Picker(rng, {RecordKind.PHONE: 40, RecordKind.INTERVIEW: 20, RecordKind.VISIT: 15,
                            RecordKind.ACCOMPANY: 5, RecordKind.COORDINATION: 20})  # fmt: skip
        project = Picker(rng, {Project.COMPREHENSIVE: 40, Project.COLLABORATION: 40,
                               Project.OUTREACH: 10, Project.PARTICIPATION: 10})  # fmt: skip
        now = timezone.now()
        # The first case gets exactly 300 records (the benchmark's timeline page).
        cases = self.cases
        heavy = cases[0]
        r0 = self._next_id(SupportRecord)
        self.heavy_case_id = heavy[0]

        def rows():
            rid = r0
            for k in range(300):
                cid, lead, staff, opened = heavy
                yield (rid, cid, self._aware(opened + dt.timedelta(days=k % 700), k * 60),
                       kind(), project(), lead, staff, 30, rng.choice(NARRATIVES), now)  # fmt: skip
                rid += 1
            for _ in range(total - 300):
                cid, lead, staff, opened = cases[1 + int(rng.random() * (len(cases) - 1))]
                span = max(1, (self.today - opened).days)
                at = self._aware(opened + dt.timedelta(days=int(rng.random() * span)),
                                 int(rng.random() * 9 * 3600))  # fmt: skip
                yield (rid, cid, at, kind(), project(), lead, staff,
                       rng.choice((10, 15, 30, 45, 60, 90)), rng.choice(NARRATIVES), now)  # fmt: skip
                rid += 1

        self._copy(
            SupportRecord,
            ["id", "case_id", "occurred_at", "kind", "project", "agency_id", "staff_id",
             "minutes", "narrative", "created_at"],
            rows(),
        )  # fmt: skip

    # ---------------------------------------------------------------- meetings

    def _meetings(self):
        rng = self.rng
        n = self.counts["meetings"]
        kinds = Picker(rng, {MeetingKind.SUPPORT_MEETING: 30, MeetingKind.MULTILAYER_MEETING: 30,
                             MeetingKind.CASE_CONFERENCE: 30, MeetingKind.DEPARTMENT_LIAISON: 10})  # fmt: skip
        now = timezone.now()
        desk_staff = self.staff[self.desk.pk]
        m0, mm0 = self._next_id(Meeting), self._next_id(MeetingMember)
        rows, members = [], []
        mm = mm0
        for i in range(n):
            mid = m0 + i
            day = self.today - dt.timedelta(days=int(i * 365 * 3 / n))
            starts = self._aware(day, 3600 * rng.randint(1, 6))
            chair = rng.choice(desk_staff)
            past = day < self.today
            rows.append((
                mid, 1, kinds(), f"第{i + 1}回 会議", starts, starts + dt.timedelta(hours=1),
                "架空市役所 会議室", chair, self.desk.pk,
                MeetingStatus.FINALISED if past else MeetingStatus.SCHEDULED,
                starts + dt.timedelta(days=2) if past else None, chair if past else None,
                None, None, "", chair, now, now,
            ))  # fmt: skip
            invited = {chair, *rng.sample(desk_staff, 2)}
            for agency in rng.sample(self.partners, 3):
                invited.add(self.staff[agency.pk][0])
            for user in sorted(invited):
                agency = next(a for a, users in self.staff.items() if user in users)
                members.append((mm, mid, user, agency, starts, None, chair, now))
                mm += 1
        self._copy(
            Meeting,
            ["id", "version", "kind", "title", "starts_at", "ends_at", "place", "chair_id",
             "organising_agency_id", "status", "finalised_at", "finalised_by_id",
             "cancelled_at", "cancelled_by_id", "cancel_reason", "created_by_id", "created_at",
             "updated_at"],
            rows,
        )  # fmt: skip
        self._copy(
            MeetingMember,
            ["id", "meeting_id", "user_id", "agency_id", "acknowledged_at",
             "acknowledgement_recorded_by_id", "added_by_id", "added_at"],
            members,
        )  # fmt: skip

    # ---------------------------------------------------------------- referrals

    def _referrals(self):
        """繋ぎ for ~10% of cases, each resting on an exemption note (no grant rows: the
        receiver's access in this synthetic city comes from the consent shares above)."""
        rng = self.rng
        now = timezone.now()
        status = Picker(rng, {ReferralStatus.SENT: 20, ReferralStatus.ACCEPTED: 30,
                              ReferralStatus.IN_PROGRESS: 20, ReferralStatus.COMPLETED: 20,
                              ReferralStatus.DECLINED: 10})  # fmt: skip
        partner_ids = [a.pk for a in self.partners]
        r0 = self._next_id(Referral)
        rows, persons = [], []
        through = Referral.persons.through
        t0 = self._next_id(through)
        rid = r0
        for cid, lead, staff, opened in self.cases:
            if rng.random() >= 0.1:
                continue
            to = rng.choice([p for p in partner_ids if p != lead])
            sent = self._aware(opened, 3600)
            st = status()
            rows.append((
                rid, cid, lead, staff, to, "複合的な課題があり、専門的な支援が必要。",
                "初回面談への同行をお願いしたい。", GrantScope.SUMMARY, None, "life",
                "生命・身体の保護のため緊急に共有する。", st, sent,
                opened + dt.timedelta(days=7),
                None, None if st == ReferralStatus.SENT else sent + dt.timedelta(days=2),
                sent + dt.timedelta(days=2) if st != ReferralStatus.SENT else None,
                None, "", "", None, now,
            ))  # fmt: skip
            persons.append(
                (t0 + len(persons), rid, self.household_persons[self.case_household[cid]][0])
            )
            rid += 1
        self._copy(
            Referral,
            ["id", "case_id", "from_agency_id", "from_staff_id", "to_agency_id", "reason",
             "request", "scope", "consent_id", "exemption_reason", "exemption_note", "status",
             "sent_at", "answer_due_on", "overdue_since", "answered_at", "accepted_at",
             "ended_at", "decline_reason", "response_note", "support_record_id", "created_at"],
            rows,
        )  # fmt: skip
        self._copy(through, ["id", "referral_id", "person_id"], persons)
