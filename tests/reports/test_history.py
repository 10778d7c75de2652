"""Issue 15: a past period's figures come from dated history, for any period.

One desk's fiscal year (令和6年度, April 2024 to March 2025; the desk opened on
2023-04-01) is built through the services: cases opened and ended in different
months, reopened within a month and across months, a household member moving out and
another moving in, referrals answered days after they were sent, a plan put in force,
a 繋ぎ to an agency outside the system and one typed twice. The figures are worked out
by hand from this timeline (day of every act):

    case  household (members)          opened      ended / reopened
    K6    HE (e1)                      2023-06-01  open throughout
    K4    HD (d1..d4)                  2023-10-01  中断 2024-04-20
    K1    HA (a1 a2 a3; a3 leaves 8/20) 2024-04-10  終結 6/20, reopened 9/05, 終結 2025-02-10
    K2    HB (b1; b2 moves in 10/05)   2024-05-15  plan in force 6/01, open throughout
    K3    HC (c1 c2, met at intake)    2024-07-01  終結 7/25, reopened 7/28, 終結 11/30
    K5    HC                           2025-01-15  open

The same history is then built twice more: entered live (each act on its day, with the
clock at that day and no dates given) and typed in later with back-dated acts; every
table of every month, quarter, the year and a range is the same. Re-running every past
month after later events (a reopening, moves, a closure, answers) changes nothing.
"""

import datetime as dt
import importlib
from contextlib import contextmanager, nullcontext
from unittest import mock

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.choices import CasePersonRole, CaseStatus, RecordKind
from cases.models import SupportRecord
from common.services import save_as
from households import services as household_services
from households.choices import Relationship
from households.models import Household
from intake import services as intake_services
from intake.choices import CameFrom, Channel, Outcome
from referrals import services as referral_services
from reports.periods import ReportPeriod, add_months
from reports.statistics import monthly_statistics, period_statistics
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_intake import category

pytestmark = pytest.mark.django_db

OPENED = "2023-04-01"
FY_MONTHS = [add_months(dt.date(2024, 4, 1), i) for i in range(12)]


@pytest.fixture(autouse=True)
def desk_opened(settings):
    settings.DESK_OPENED_ON = OPENED


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@contextmanager
def clock(moment: dt.datetime):
    """The present moment is `moment` (every service reads it through timezone.now)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class Desk:
    """Acts of the desk, either live (the clock at the act's day, no date given: each
    service stamps today / now) or typed in later (today's clock, every date given)."""

    def __init__(self, *, live: bool, desk, desk_agency, partner, partner_agency):
        self.live = live
        self.desk, self.agency = desk, desk_agency
        self.partner, self.partner_agency = partner, partner_agency

    def when(self, moment):
        return clock(moment) if self.live else nullcontext()

    def day(self, day: dt.date):
        """What a date field is given: nothing when live (today), the day when typed later."""
        return None if self.live else day

    def household(self, moment, name, given_names):
        with self.when(moment):
            household = HouseholdFactory(
                registered_by_agency=self.agency, actor=self.desk, name=f"{name}さん世帯"
            )
            persons = [
                PersonFactory(
                    household=household,
                    actor=self.desk,
                    family_name=name,
                    given_name=given,
                    relationship=Relationship.HEAD if i == 0 else Relationship.CHILD,
                )
                for i, given in enumerate(given_names)
            ]
        return household, persons

    def move(self, moment, person, household):
        with self.when(moment):
            household_services.membership_create(
                actor=self.desk,
                household=household,
                person=person,
                relationship=Relationship.OTHER_RELATIVE,
                since=self.day(moment.date()),
            )

    def open(self, moment, household, persons):
        with self.when(moment):
            return case_services.case_open(
                actor=self.desk,
                household=household,
                lead_agency=self.agency,
                lead_staff=self.desk,
                title="ケース",
                opened_on=self.day(moment.date()),
                persons=[(p, CasePersonRole.MEMBER) for p in persons],
            )

    def transition(self, moment, case, to_status, **kwargs):
        with self.when(moment):
            return case_services.case_transition(
                actor=self.desk,
                case=case,
                to_status=to_status,
                on=self.day(moment.date()),
                **kwargs,
            )

    def close(self, moment, case):
        return self.transition(moment, case, CaseStatus.CLOSED, close_reason_kind="goal_reached")

    def suspend(self, moment, case):
        return self.transition(moment, case, CaseStatus.SUSPENDED, reason="連絡が途絶えた")

    def reopen(self, moment, case):
        return self.transition(moment, case, CaseStatus.SUPPORTING)

    def consult(self, moment, categories, *, persons=(), household=None, cont=False, **kw):
        cats = [category(c) for c in categories]
        with self.when(moment):
            return intake_services.consultation_create(
                actor=self.desk,
                agency=self.agency,
                received_at=moment,
                channel=Channel.PHONE,
                came_from=CameFrom.SELF,
                household=household,
                persons=list(persons),
                categories=cats,
                primary_category=cats[0],
                summary="主訴",
                outcome=Outcome.ONGOING,
                is_continuation=cont,
                **kw,
            )

    def record(self, moment, case, kind, **kw):
        with self.when(moment):
            return case_services.record_create(
                actor=self.desk,
                case=case,
                agency=self.agency,
                occurred_at=moment,
                kind=kind,
                narrative="記録",
                **kw,
            )

    def refer(self, moment, case, persons):
        with self.when(moment):
            return referral_services.referral_send(
                actor=self.desk,
                case=case,
                to_agency=self.partner_agency,
                persons=persons,
                reason="理由",
                request="依頼",
                scope="summary",
                exemption_reason="life",
                exemption_note="生命の危険",
                sent_at=None if self.live else moment,
            )

    def step(self, moment, referral, to_status, note=""):
        actor = self.partner
        with self.when(moment):
            return referral_services.referral_transition(
                actor=actor,
                referral=referral,
                to_status=to_status,
                note=note,
                on=self.day(moment.date()),
            )

    def plan_in_force(self, moment, case, person):
        consent_day = moment.date() - dt.timedelta(days=10)
        with self.when(moment - dt.timedelta(days=10)):
            consent = household_services.consent_record(
                actor=self.desk,
                person=person,
                agencies=[],
                purpose="支援プランの実施",
                method="signed",
                obtained_on=consent_day,
            )
            plan = case_services.plan_create(
                actor=self.desk, case=case, person_wishes="希望", goals="目標"
            )
            plan = case_services.plan_record_consent(
                actor=self.desk, plan=plan, consent=consent, consented_on=consent_day
            )
        with self.when(moment):
            return case_services.plan_approve(
                actor=self.desk, plan=plan, approved_on=self.day(moment.date())
            )


def build_year(desk: Desk) -> dict:
    """The timeline of the module docstring, in the order it happened."""
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)
    he, (e1,) = desk.household(at(2023, 6, 1, 9), "江口", ["一"])
    k6 = desk.open(at(2023, 6, 1), he, [e1])
    hd, (d1, *_d) = desk.household(at(2023, 10, 1, 9), "出口", ["一", "二", "三", "四"])
    desk.consult(at(2023, 10, 1), ["その他"], household=hd, persons=[d1])
    k4 = desk.open(at(2023, 10, 1), hd, [d1])
    ha, (a1, a2, a3) = desk.household(at(2024, 4, 10, 9), "青木", ["一", "二", "三"])
    desk.consult(at(2024, 4, 10), ["収入・生活費", "債務", "住まい"], household=ha, persons=[a1])
    k1 = desk.open(at(2024, 4, 10), ha, [a1])
    desk.record(at(2024, 4, 11), k1, RecordKind.PHONE)
    r1 = desk.refer(at(2024, 4, 12), k1, [a1])
    # The same 繋ぎ typed again by hand before the form asked for the agency outside the
    # system (a record made directly, as the old form allowed): not a second act.
    with desk.when(at(2024, 4, 12, 15)):
        legacy = SupportRecord(
            case=k1,
            agency=desk.agency,
            staff=desk.desk,
            occurred_at=at(2024, 4, 12, 15),
            kind=RecordKind.REFERRAL,
            narrative="包括へ繋いだ",
        )
        save_as(legacy, desk.desk)
    desk.step(at(2024, 4, 15), r1, "accepted", "担当します")
    desk.suspend(at(2024, 4, 20), k4)
    desk.step(at(2024, 5, 1), r1, "in_progress")
    desk.record(at(2024, 5, 2), k1, RecordKind.REFERRAL, referred_to="県外の架空支援会")
    hb, (b1,) = desk.household(at(2024, 5, 15, 9), "馬場", ["一"])
    desk.consult(at(2024, 5, 15), ["介護"], household=hb, persons=[b1])
    k2 = desk.open(at(2024, 5, 15), hb, [b1])
    desk.plan_in_force(at(2024, 6, 1), k2, b1)
    desk.step(at(2024, 6, 18), r1, "completed", "申請を終えた")
    desk.close(at(2024, 6, 20), k1)
    # A household first met at intake: two persons registered, the call about c1 only.
    person = {"family_name_kana": "チバ", "given_name_kana": "", "birth_date": dt.date(1980, 1, 1)}
    c3 = desk.consult(
        at(2024, 7, 1),
        ["子育て", "家族との関係"],
        new_household={"name": "千葉さん世帯", "address": "", "phone": ""},
        new_persons=[
            {**person, "family_name": "千葉", "given_name": "一", "relationship": "head"},
            {
                **person,
                "family_name": "千葉",
                "given_name": "二",
                "relationship": "child",
                "concerned": False,
            },
        ],
    )
    hc = c3.household
    (c1,) = c3.persons.all()
    k3 = desk.open(at(2024, 7, 1, 11), hc, [c1])
    desk.record(at(2024, 7, 10), k2, RecordKind.PHONE)
    desk.consult(at(2024, 7, 20), ["子育て"], household=hc, persons=[c1], cont=True)
    desk.close(at(2024, 7, 25), k3)
    desk.reopen(at(2024, 7, 28), k3)
    r2 = desk.refer(at(2024, 8, 1), k2, [b1])
    desk.step(at(2024, 8, 3), r2, "declined", "管轄外")
    hx, _x = desk.household(at(2024, 8, 20, 9), "青木", ["別"])
    desk.move(at(2024, 8, 20), a3, hx)
    desk.reopen(at(2024, 9, 5), k1)
    hz, (b2,) = desk.household(at(2024, 9, 1, 9), "馬場", ["二"])
    desk.move(at(2024, 10, 5), b2, hb)
    desk.consult(at(2024, 10, 6), ["介護", "病気や健康、障害"], household=hb, persons=[b1, b2])
    desk.close(at(2024, 11, 30), k3)
    k5 = desk.open(at(2025, 1, 15), hc, [c1])
    desk.close(at(2025, 2, 10), k1)
    return {"K1": k1, "K2": k2, "K3": k3, "K4": k4, "K5": k5, "K6": k6, "a1": a1, "ha": ha}


def later_events(desk: Desk, people: dict) -> None:
    """After the year: things that must not change it."""
    desk.reopen(at(2025, 4, 2), people["K1"])  # reopening a case closed in February
    desk.reopen(at(2025, 4, 10), people["K3"])
    hy, _y = desk.household(at(2025, 5, 1, 9), "青木", ["新"])
    desk.move(at(2025, 5, 1), people["a1"], hy)  # a member moves out of HA
    desk.close(at(2025, 5, 20), people["K2"])
    desk.suspend(at(2025, 6, 1), people["K5"])
    desk.open(at(2025, 6, 2), people["ha"], [])


@pytest.fixture
def cast(desk, desk_agency, partner, partner_agency):
    def make(live: bool) -> Desk:
        return Desk(
            live=live,
            desk=desk,
            desk_agency=desk_agency,
            partner=partner,
            partner_agency=partner_agency,
        )

    return make


def figures(stats) -> dict:
    return {key: {row.label: row.values for row in t.rows} for key, t in stats.tables.items()}


def every_report() -> dict:
    """Every table of every month, quarter, the year and a range of 令和6年度."""
    reports = {f"month {m:%Y-%m}": ReportPeriod.for_month(m) for m in FY_MONTHS}
    reports |= {f"quarter {q}": ReportPeriod.for_quarter(2024, q) for q in (1, 2, 3, 4)}
    reports["year"] = ReportPeriod.for_fiscal_year(2024)
    reports["range"] = ReportPeriod.for_range(dt.date(2024, 6, 15), dt.date(2024, 9, 10))
    return {name: figures(period_statistics(period)) for name, period in reports.items()}


# ---------------------------------------------------------------- the hand-worked year

# 相談件数 / 終結件数 / 継続件数 of each month: (当月, 年度累計, 開設以来), worked out from
# the timeline. 終結: ended in the period and still ended on its last day, whenever
# opened (K3, closed 7/25 and reopened 7/28, is 継続 in July; K1, closed 6/20, counts
# for June although it was reopened in September); 継続: open on the last day.
CASES_BY_MONTH = {
    #           opened       ended        open at the end
    "2024-04": ((1, 1, 3), (1, 1, 1), (2, 2, 2)),  # K1 | K4 中断 4/20 | K6 K1
    "2024-05": ((1, 2, 4), (0, 1, 1), (3, 3, 3)),  # K2 | | K6 K1 K2
    "2024-06": ((0, 2, 4), (1, 2, 2), (2, 2, 2)),  # | K1 6/20 | K6 K2
    "2024-07": ((1, 3, 5), (0, 2, 2), (3, 3, 3)),  # K3 (closed and reopened in July)
    "2024-08": ((0, 3, 5), (0, 2, 2), (3, 3, 3)),
    "2024-09": ((0, 3, 5), (0, 1, 1), (4, 4, 4)),  # K1 reopened 9/05
    "2024-10": ((0, 3, 5), (0, 1, 1), (4, 4, 4)),
    "2024-11": ((0, 3, 5), (1, 2, 2), (3, 3, 3)),  # K3 終結 11/30
    "2024-12": ((0, 3, 5), (0, 2, 2), (3, 3, 3)),
    "2025-01": ((1, 4, 6), (0, 2, 2), (4, 4, 4)),  # K5
    "2025-02": ((0, 4, 6), (1, 3, 3), (3, 3, 3)),  # K1 終結 2/10
    "2025-03": ((0, 4, 6), (0, 3, 3), (3, 3, 3)),
}

# Every row of these tables for two months; rows not listed are all zero. Columns:
# 当月, 前年同月, 年度累計, 前年度同期, 開設以来.
EXPECTED = {
    "2024-07": {
        "counts": {
            "相談件数": [1, 0, 3, 1, 5],  # K3 | - | K1 K2 K3 | K6 | + K6 K4
            "終結件数": [0, 0, 2, 0, 2],  # K3 reopened | | K4 K1 | | K4 K1
            "継続件数": [3, 1, 3, 1, 3],  # K6 K2 K3 | K6 on 2023-07-31 | ...
            "相談受付 延べ件数": [2, 0, 4, 0, 5],
            "うち継続相談": [1, 0, 1, 0, 1],
            # c1 only (c2 was registered with the household, not consulted about) |
            # a1 b1 c1 | + d1
            "相談受付 実人数": [1, 0, 3, 0, 4],
        },
        "categories": {
            "収入・生活費・借金": [0, 0, 1, 0, 1],  # 収入・生活費 and 債務: one pair
            "介護・障がい・病気": [0, 0, 1, 0, 1],
            "住まい": [0, 0, 1, 0, 1],
            "家族関係": [1, 0, 1, 0, 1],
            "子育て": [2, 0, 2, 0, 2],
            "その他": [0, 0, 0, 0, 1],
            "計": [3, 0, 6, 0, 7],
        },
        # sent, accepted per column: R1 (4/12, accepted 4/15).
        "referrals": {
            "地域包括支援センター": [0, 0, 0, 0, 1, 1, 0, 0, 1, 1],
            "計": [0, 0, 0, 0, 1, 1, 0, 0, 1, 1],
        },
        # R1's record 4/12 (the copy typed by hand that day is not counted), the
        # outside agency 5/02.
        "support": {
            "電話": [1, 0, 2, 0, 2],
            "繋ぎ": [0, 0, 2, 0, 2],
            "計": [1, 0, 4, 0, 4],
        },
        "projects": {
            "① 包括的相談支援": [0, 0, 1, 0, 1],
            "② 多機関協働": [1, 0, 3, 0, 3],
            "計": [1, 0, 4, 0, 4],
        },
        "progress": {
            "繋ぎ 送付": [0, 0, 1, 0, 1],
            "繋ぎ 受理": [0, 0, 1, 0, 1],
            "繋ぎ 対応開始": [0, 0, 1, 0, 1],
            "繋ぎ 完了": [0, 0, 1, 0, 1],
            "支援プラン 実施開始": [0, 0, 1, 0, 1],
        },
        "came_from": {"本人": [2, 0, 4, 0, 5], "計": [2, 0, 4, 0, 5]},
        # Members on each household's last supported day in the period: HA 3 on 6/20
        # (a3 left only on 8/20), HD 4 on 4/20, HB 1, HC 2, HE 1.
        "households": {
            "1人": [2, 1, 2, 1, 2],  # HB HE | HE (2023-07-31) | HB HE | HE | HB HE
            "2人": [1, 0, 1, 0, 1],  # HC
            "3人": [0, 0, 1, 0, 1],  # HA on 6/20
            "4人": [0, 0, 1, 0, 1],  # HD on 4/20
            "計（支援した世帯）": [3, 1, 5, 1, 5],
        },
    },
    "2024-10": {
        "counts": {
            "相談件数": [0, 1, 3, 2, 5],  # | K4 (2023-10-01) | K1 K2 K3 | K6 K4
            "終結件数": [0, 0, 1, 0, 1],  # | | K4 (K1 reopened)
            "継続件数": [4, 2, 4, 2, 4],  # K6 K1 K2 K3 | K6 K4 on 2023-10-31
            "相談受付 延べ件数": [1, 1, 5, 1, 6],
            "うち継続相談": [0, 0, 1, 0, 1],
            "相談受付 実人数": [2, 1, 4, 1, 5],  # b1 b2 | d1 | a1 b1 c1 b2 | + d1
        },
        "categories": {
            "収入・生活費・借金": [0, 0, 1, 0, 1],
            # 介護 and 病気や健康、障害 in one consultation: one pair
            "介護・障がい・病気": [1, 0, 2, 0, 2],
            "住まい": [0, 0, 1, 0, 1],
            "家族関係": [0, 0, 1, 0, 1],
            "子育て": [0, 0, 2, 0, 2],
            "その他": [0, 1, 0, 1, 1],
            "計": [1, 1, 7, 1, 8],
        },
        "referrals": {
            "地域包括支援センター": [0, 0, 0, 0, 2, 1, 0, 0, 2, 1],
            "計": [0, 0, 0, 0, 2, 1, 0, 0, 2, 1],
        },
        "support": {
            "電話": [0, 0, 2, 0, 2],
            "繋ぎ": [0, 0, 3, 0, 3],
            "計": [0, 0, 5, 0, 5],
        },
        "projects": {
            "① 包括的相談支援": [0, 0, 2, 0, 2],  # the records R1 and R2 wrote
            "② 多機関協働": [0, 0, 3, 0, 3],
            "計": [0, 0, 5, 0, 5],
        },
        "progress": {
            "繋ぎ 送付": [0, 0, 2, 0, 2],
            "繋ぎ 受理": [0, 0, 1, 0, 1],
            "繋ぎ 辞退": [0, 0, 1, 0, 1],
            "繋ぎ 対応開始": [0, 0, 1, 0, 1],
            "繋ぎ 完了": [0, 0, 1, 0, 1],
            "支援プラン 実施開始": [0, 0, 1, 0, 1],
        },
        "came_from": {"本人": [1, 1, 5, 1, 6], "計": [1, 1, 5, 1, 6]},
        # October: HA 2 (a3 gone), HB 2 (b2 moved in 10/05), HC 2, HE 1. October
        # 2023: HE 1, HD 4. The year: HD 4 (4/20), HA 2, HB 2, HC 2, HE 1.
        "households": {
            "1人": [1, 1, 1, 1, 1],
            "2人": [3, 0, 3, 0, 3],
            "4人": [0, 1, 1, 1, 1],
            "計（支援した世帯）": [4, 2, 5, 2, 5],
        },
    },
}

# Other periods: (相談件数, 終結件数, 継続件数) per column.
OTHER_PERIODS = {
    # 当期 (7〜9月), 前年同期, 年度累計, 前年度同期, 開設以来
    "quarter 2": [(1, 0, 4), (0, 0, 1), (3, 1, 4), (1, 0, 1), (5, 1, 4)],
    # 年度, 前年度 (K6 K4 opened, both open on 2024-03-31), 開設以来
    "year": [(4, 3, 3), (2, 0, 2), (6, 3, 3)],
    # 2024-06-15〜09-10: K3 opened; K1 (closed 6/20) and K3 (7/25) reopened by 9/10.
    # The year before (2023-06-15〜09-10): K6 open.
    "range": [(1, 0, 4), (0, 0, 1), (5, 1, 4)],
}


def _case_rows(table) -> list[tuple[int, int, int]]:
    return list(zip(table["相談件数"], table["終結件数"], table["継続件数"], strict=True))


def test_a_desks_year_every_row_of_every_month(cast):
    build_year(cast(live=False))
    for month in FY_MONTHS:
        stats = monthly_statistics(month)
        keys = [p.key for p in stats.periods]
        assert keys == ["month", "month_prev", "fiscal_year", "fiscal_year_prev", "since_opened"]
        counts = figures(stats)["counts"]
        own = [counts[row][i] for i in (0, 2, 4) for row in ("相談件数", "終結件数", "継続件数")]
        expected = CASES_BY_MONTH[f"{month:%Y-%m}"]
        assert own == [x for column in zip(*expected, strict=True) for x in column], month
        # 開設以来: every case counted is either ended or still open (大津町's identity).
        assert counts["相談件数"][4] == counts["終結件数"][4] + counts["継続件数"][4], month

    for month, tables in EXPECTED.items():
        got = figures(monthly_statistics(dt.date.fromisoformat(f"{month}-01")))
        for key, expected in tables.items():
            for label, values in got[key].items():
                assert values == expected.get(label, [0] * len(values)), (month, key, label)

    reports = every_report()
    for name, expected in OTHER_PERIODS.items():
        rows = _case_rows(reports[name]["counts"])
        assert rows == expected, name


def test_every_period_is_the_same_entered_live_or_typed_in_later(cast):
    with transaction.atomic():
        build_year(cast(live=True))
        live = every_report()
        transaction.set_rollback(True)
    assert Household.objects.count() == 0  # the live history is gone

    build_year(cast(live=False))
    typed_later = every_report()
    assert typed_later.keys() == live.keys()
    for name in live:
        assert typed_later[name] == live[name], name
    # Not vacuous: the year's own figures are the hand-worked ones.
    assert _case_rows(live["year"]["counts"]) == OTHER_PERIODS["year"]


def test_rerunning_past_periods_after_later_events_changes_nothing(cast):
    desk = cast(live=False)
    people = build_year(desk)
    before = every_report()
    later_events(desk, people)
    after = every_report()
    for name in before:
        assert after[name] == before[name], name
    # The later events do show in their own month.
    june = figures(monthly_statistics(dt.date(2025, 6, 1)))["counts"]
    assert june["相談件数"][0] == 1 and june["終結件数"][0] == 1
