"""manage.py bench_report: seed a city-scale year and time the monthly statistics.

A benchmark, not a test: it prints how long the statistics queries, the PDF and the
Excel file take for one month of a city (by default 20,000 households, 5,000
consultations and 60,000 support records a month, 300 meetings a year) and how big
the PDF is. Targets on a 2-core machine: statistics < 1 s, PDF < 5 s, PDF < 1 MB.

Run it against a PostgreSQL database of its own (make bench-report uses
postgres://postgres@127.0.0.1:5432/jusou_bench, created and migrated if missing). The
data is seeded once, with a fixed seed; later runs only time. --scale 0.1 seeds a
tenth for a quick look.
"""

import datetime as dt
import random
import statistics as pystats
import time
from itertools import accumulate

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from accounts.models import Agency, Membership, User
from accounts.system import system_user
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
from reports.documents import report_pdf, report_xlsx
from reports.statistics import add_months, month_end, monthly_statistics

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


class Picker:
    """Fast weighted choice with a fixed random source."""

    def __init__(self, rng: random.Random, weights: dict):
        self.rng = rng
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def __call__(self):
        return self.rng.choices(self.values, cum_weights=self.cumulative)[0]


def _bulk(model, rows) -> list:
    # bulk_create is used ONLY in this benchmark's seeding, for speed: it skips the
    # services, simple-history and the action log on purpose (the product never does).
    return model.objects.bulk_create(rows, batch_size=BATCH)


class Command(BaseCommand):
    help = "Seed a city-scale year (once) and time the monthly statistics, PDF and Excel."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=20_000)
        parser.add_argument("--consultations-per-month", type=int, default=5_000)
        parser.add_argument("--records-per-month", type=int, default=60_000)
        parser.add_argument("--meetings", type=int, default=300)
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count")
        parser.add_argument("--seed", type=int, default=20240501)
        parser.add_argument("--repeat", type=int, default=3, help="timed runs of the statistics")
        parser.add_argument(
            "--create-database",
            action="store_true",
            help="create the PostgreSQL database if missing, and migrate",
        )
        parser.add_argument("--pdf-out", default="", help="also write the PDF to this path")

    def handle(self, *args, **options):
        if options["create_database"]:
            self._create_database()
            call_command("migrate", verbosity=0, interactive=False)
        if connection.vendor != "postgresql":
            self.stderr.write(
                "Note: the targets are for PostgreSQL; this database is " + connection.vendor
            )
        scale = options["scale"]
        counts = {
            "households": max(10, int(options["households"] * scale)),
            "consultations": max(10, int(options["consultations_per_month"] * scale)),
            "records": max(10, int(options["records_per_month"] * scale)),
            "meetings": max(2, int(options["meetings"] * scale)),
            "months": options["months"],
        }
        last_month = add_months(timezone.localdate().replace(day=1), -1)
        first_month = add_months(last_month, -(counts["months"] - 1))

        seeded = Agency.objects.filter(name=DESK_NAME).exists()
        if not seeded:
            if Case.objects.exists() or Consultation.objects.exists():
                raise CommandError(
                    "This database already holds other data: run the benchmark on a database "
                    "of its own (BENCH_DATABASE_URL)."
                )
            started = time.perf_counter()
            self._seed(random.Random(options["seed"]), counts, first_month, last_month)
            self.stdout.write(f"seeded in {time.perf_counter() - started:.1f} s")
        else:
            self.stdout.write("benchmark data already seeded; timing only")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self._time(last_month, options)

    # ---------------------------------------------------------------- database

    def _create_database(self):
        db = settings.DATABASES["default"]
        if not db["ENGINE"].endswith("postgresql"):
            return
        import psycopg

        params = {
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
                self.stdout.write(f"created database {db['NAME']}")

    # ---------------------------------------------------------------- seeding

    @transaction.atomic
    def _seed(self, rng, counts, first_month, last_month):
        start = timezone.make_aware(dt.datetime.combine(first_month, dt.time.min))
        end_day = month_end(last_month)
        self.stdout.write(
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
                Membership(
                    user=u, agency=a, role=Role.COUNSELOR if a.is_desk else Role.PARTNER_STAFF
                )
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
        self.stdout.write("  households done")

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
                        accepted_at=sent + dt.timedelta(days=rng.randrange(1, 6))
                        if accepted
                        else None,
                    )
                )
            _bulk(Referral, referrals)
            self.stdout.write(f"  {month:%Y-%m} done ({len(cases_so_far):,} cases so far)")
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
                    AgendaItem(
                        meeting=m, order=order, topic=Topic.CASE, case=case, created_by=chair
                    )
                )
        _bulk(AgendaItem, items)

    # ---------------------------------------------------------------- timing

    def _time(self, month, options):
        desk = Agency.objects.get(name=DESK_NAME)
        rows = {
            "households": Household.objects.count(),
            "persons": Person.objects.count(),
            "consultations": Consultation.objects.count(),
            "category links": ConsultationCategoryLink.objects.count(),
            "cases": Case.objects.count(),
            "support records": SupportRecord.objects.count(),
            "referrals": Referral.objects.count(),
            "meetings": Meeting.objects.count(),
            "agenda items": AgendaItem.objects.count(),
        }
        self.stdout.write("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        self.stdout.write(f"report month: {month:%Y-%m} ({connection.vendor})")

        def timed(func):
            started = time.perf_counter()
            result = func()
            return result, time.perf_counter() - started

        runs = []
        for _i in range(max(1, options["repeat"])):
            stats, seconds = timed(lambda: monthly_statistics(month))
            runs.append(seconds)
        _scoped, scoped_seconds = timed(lambda: monthly_statistics(month, desk))
        _module, import_seconds = timed(lambda: __import__("weasyprint"))
        pdf, pdf_first = timed(lambda: report_pdf(stats))
        _pdf, pdf_second = timed(lambda: report_pdf(stats))
        xlsx, xlsx_seconds = timed(lambda: report_xlsx(stats))
        if options["pdf_out"]:
            with open(options["pdf_out"], "wb") as out:
                out.write(pdf)
        cases = stats.tables["counts"].rows[0].values
        support = stats.tables["support"].rows[-1].values
        columns = "/".join(p.label for p in stats.periods)
        self.stdout.write(f"相談件数 ({columns}): {cases}; 支援内容 計: {support}")
        self.stdout.write(
            f"statistics (whole desk): first {runs[0]:.3f} s, median {pystats.median(runs):.3f} s "
            f"over {len(runs)} runs (target < 1 s)"
        )
        self.stdout.write(f"statistics (the desk agency only): {scoped_seconds:.3f} s")
        self.stdout.write(
            f"PDF: import of WeasyPrint {import_seconds:.2f} s; {pdf_first:.2f} s the first "
            f"in this process (loads the fonts), "
            f"{pdf_second:.2f} s the next (target < 5 s); size {len(pdf) / 1024:.0f} KB "
            f"(target < 1 MB)"
        )
        self.stdout.write(f"Excel: {xlsx_seconds:.2f} s; size {len(xlsx) / 1024:.0f} KB")
