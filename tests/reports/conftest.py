"""A known dataset for the monthly statistics, built through the services.

The report month is 令和6年5月 (May 2024); the desk opened on 2023-06-01, so the three
columns are 当月 (2024-05-01〜05-31), 年度累計 (2024-04-01〜05-31) and 開設以来
(2023-06-01〜2024-05-31). Records also fall just outside each edge (before the opening,
in June, 23:59 and 00:00 in Japan) to prove the bounds. EXPECTED lists every figure,
worked out by hand in the comments beside each record.

Every person, household, case and text has a distinctive name (SECRETS) so a test can
prove that none of them reaches the PDF or the Excel file.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from cases import services as case_services
from cases.choices import CasePersonRole, CaseStatus, RecordKind
from households import services as household_services
from households.choices import Relationship
from intake import services as intake_services
from intake.choices import CameFrom, Channel, Outcome
from meetings import services as meeting_services
from meetings.choices import MeetingKind, Topic
from referrals import services as referral_services
from referrals.choices import ReferralStatus
from tests.factories import AgencyFactory, ConsentFactory, HouseholdFactory, PersonFactory, staff
from tests.factories_intake import category

MONTH = dt.date(2024, 5, 1)
OPENED = "2023-06-01"

SECRETS = [
    "漆原",
    "瑠璃子",
    "琥珀",
    "翡翠",
    "珊瑚",
    "瑪瑙",
    "黒曜",
    "秘密町",
    "漆原家の借金問題",
    "闇金から三百万円",
    "窓口 花子",
    "課長 次郎",
    "包括 三郎",
]


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    """A moment in Japan."""
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DESK_OPENED_ON = OPENED
    return settings.MEDIA_ROOT


def _household(desk, desk_agency, name, sizes_given, *, moved_out=0):
    """A household of len(sizes_given) persons; moved_out of them left it (ended membership)."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, name=f"{name}さん世帯", address="秘密町1-2-3"
    )
    persons = []
    for i, given in enumerate(sizes_given):
        persons.append(
            PersonFactory(
                household=household,
                actor=desk,
                family_name=name,
                given_name=given,
                family_name_kana="ウルシハラ",
                given_name_kana="ルリコ",
                relationship=Relationship.HEAD if i == 0 else Relationship.CHILD,
            )
        )
    for person in persons[len(persons) - moved_out :]:
        membership = person.household_memberships.get(until__isnull=True)
        household_services.membership_update(
            actor=desk, membership=membership, until=dt.date(2024, 3, 31)
        )
    return household, persons


@pytest.fixture
def dataset(db, desk_agency, partner_agency, outsider_agency, desk, manager, partner):
    # The category master list comes from a data migration; a transactional test run
    # earlier on a reused database may have flushed it. Seeding again is idempotent.
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)
    medical = AgencyFactory(name="架空町立病院", kind=AgencyKind.MEDICAL)
    medical_staff = staff(medical, Role.PARTNER_STAFF, username="medical")
    outsider_staff = staff(outsider_agency, Role.PARTNER_STAFF, username="shakyo")

    def consult(
        when,
        came_from,
        categories,
        *,
        persons=(),
        household=None,
        cont=False,
        by=desk,
        agency=desk_agency,
    ):
        cats = [category(c) for c in categories]
        return intake_services.consultation_create(
            actor=by,
            agency=agency,
            received_at=when,
            channel=Channel.PHONE,
            came_from=came_from,
            household=household,
            persons=list(persons),
            categories=cats,
            primary_category=cats[0],
            summary="闇金から三百万円",
            outcome=Outcome.ONGOING,
            is_continuation=cont,
        )

    def open_case(
        household, persons, opened_on, *, lead=desk, agency=desk_agency, title="漆原家の借金問題"
    ):
        return case_services.case_open(
            actor=lead,
            household=household,
            lead_agency=agency,
            lead_staff=lead,
            title=title,
            opened_on=opened_on,
            persons=[(p, CasePersonRole.MEMBER) for p in persons],
        )

    def close(case, on, actor=desk):
        return case_services.case_transition(
            actor=actor,
            case=case,
            to_status=CaseStatus.CLOSED,
            on=on,
            close_reason_kind="goal_reached",
        )

    def reopen(case, on, actor=desk):
        return case_services.case_transition(
            actor=actor, case=case, to_status=CaseStatus.SUPPORTING, on=on
        )

    def record(case, when, kind, project, *, by=desk, agency=desk_agency):
        return case_services.record_create(
            actor=by,
            case=case,
            agency=agency,
            occurred_at=when,
            kind=kind,
            project=project,
            narrative="闇金から三百万円",
        )

    def refer(
        case,
        to_agency,
        sent_at,
        *,
        by=desk,
        accepted_by=None,
        accepted_at=None,
        declined_by=None,
        declined_on=None,
    ):
        referral = referral_services.referral_send(
            actor=by,
            case=case,
            to_agency=to_agency,
            persons=[cp.person for cp in case.case_persons.all()],
            reason="理由",
            request="依頼",
            scope="summary",
            exemption_reason="life",
            exemption_note="生命の危険",
            sent_at=sent_at,
        )
        if accepted_by is not None:
            # An answer given in 2024, recorded with the day it was given (the step's
            # date: history typed in later keeps its own days).
            referral = referral_services.referral_transition(
                actor=accepted_by,
                referral=referral,
                to_status=ReferralStatus.ACCEPTED,
                on=accepted_at.date(),
            )
        if declined_by is not None:
            referral = referral_services.referral_transition(
                actor=declined_by,
                referral=referral,
                to_status=ReferralStatus.DECLINED,
                note="対応不可",
                on=declined_on,
            )
        return referral

    def meeting(kind, when, cases, *, cancel=False):
        m = meeting_services.meeting_create(
            actor=desk, kind=kind, starts_at=when, chair=desk, organising_agency=desk_agency
        )
        for case in cases:
            meeting_services.agenda_item_add(actor=desk, meeting=m, topic=Topic.CASE, case=case)
        if cancel:
            meeting_services.meeting_cancel(actor=desk, meeting=m, reason="台風")
        return m

    # Households (current members): H1 1, H2 2, H3 3 (a 4th moved out), H4 5, H5 4, H6 6, H7 2.
    h1, (a,) = _household(desk, desk_agency, "漆原", ["瑠璃子"])
    h2, (b1, b2) = _household(desk, desk_agency, "漆原", ["琥珀", "翡翠"])
    h3, (c1, *_c) = _household(desk, desk_agency, "漆原", ["珊瑚", "一", "二", "三"], moved_out=1)
    h4, (d1, *_d) = _household(desk, desk_agency, "漆原", ["瑪瑙", "一", "二", "三", "四"])
    h5, (e1, *_e) = _household(desk, desk_agency, "漆原", ["黒曜", "一", "二", "三"])
    h6, (f1, *_f) = _household(desk, desk_agency, "漆原", ["六", "一", "二", "三", "四", "五"])
    h7, (g1, _g2) = _household(desk, desk_agency, "漆原", ["七", "一"])

    # Cases (lead: desk unless said).
    c_1 = open_case(h1, [a], dt.date(2024, 5, 10))  # month; open
    c_2 = open_case(h2, [b1, b2], dt.date(2024, 5, 20))  # month; closed 5/28
    close(c_2, dt.date(2024, 5, 28))
    c_3 = open_case(h3, [c1], dt.date(2024, 4, 15))  # FY; closed 6/05 (after the end)
    close(c_3, dt.date(2024, 6, 5))
    c_4 = open_case(h4, [d1], dt.date(2024, 1, 10))  # since; closed 3/01, reopened 3/10
    close(c_4, dt.date(2024, 3, 1))
    reopen(c_4, dt.date(2024, 3, 10))
    c_5 = open_case(h5, [e1], dt.date(2023, 9, 1))  # since; closed 5/15, reopened 6/10
    close(c_5, dt.date(2024, 5, 15))
    reopen(c_5, dt.date(2024, 6, 10))
    c_6 = open_case(h6, [f1], dt.date(2023, 5, 20))  # before the opening; closed 2023-07-01
    close(c_6, dt.date(2023, 7, 1))
    c_7 = open_case(h2, [b1], dt.date(2024, 6, 3))  # after the month
    c_8 = open_case(h7, [g1], dt.date(2024, 5, 5), lead=partner, agency=partner_agency)  # partner's

    # Consultations.
    consult(
        at(2024, 5, 10),
        CameFrom.SELF,
        ["収入・生活費", "債務", "住まい"],
        household=h1,
        persons=[a],
    )
    consult(at(2024, 5, 20), CameFrom.FAMILY, ["介護", "DV・虐待"], household=h2, persons=[b1, b2])
    consult(at(2024, 4, 15), CameFrom.AGENCY, ["子育て"], household=h3, persons=[c1])
    consult(
        at(2024, 5, 2),
        CameFrom.SELF,
        ["子育て", "家族との関係"],
        household=h3,
        persons=[c1],
        cont=True,
    )
    consult(
        at(2024, 5, 5),
        CameFrom.WELFARE_VOLUNTEER,
        ["その他"],
        household=h7,
        persons=[g1],
        by=partner,
        agency=partner_agency,
    )
    consult(at(2024, 5, 25), CameFrom.NEIGHBOUR, ["生活保護相談"])
    consult(at(2023, 5, 15), CameFrom.SELF, ["住まい"])  # before the opening
    consult(at(2024, 6, 1, 0, 0), CameFrom.MUNICIPAL, ["いじめ"])  # June, 00:00 in Japan
    consult(at(2024, 5, 31, 23, 59), CameFrom.OTHER, ["いじめ"], household=h1, persons=[a])
    consult(
        at(2024, 4, 30, 23, 30), CameFrom.FAMILY, ["仕事探し、就職"], household=h2, persons=[b1]
    )
    consult(
        at(2024, 1, 20),
        CameFrom.SELF,
        ["医療・介護費用", "病気や健康、障害"],
        household=h4,
        persons=[d1],
    )

    # Support records (referral_send adds a 繋ぎ record, 事業①, at each sending below).
    record(c_1, at(2024, 5, 11), RecordKind.PHONE, "1")
    record(c_1, at(2024, 5, 12), RecordKind.INTERVIEW, "2")
    record(c_1, at(2024, 5, 31, 23, 30), RecordKind.VISIT, "2")
    record(c_3, at(2024, 4, 20), RecordKind.PHONE, "2")
    record(c_3, at(2024, 5, 3), RecordKind.ACCOMPANY, "4")
    record(c_4, at(2024, 2, 1), RecordKind.COORDINATION, "2")
    record(c_8, at(2024, 5, 6), RecordKind.PHONE, "3", by=partner, agency=partner_agency)
    record(c_2, at(2024, 6, 1, 0, 10), RecordKind.PHONE, "2")  # June
    record(c_6, at(2023, 5, 25), RecordKind.CASE_CONFERENCE, "2")  # before the opening

    # Referrals: (to kind, sent, accepted by 5/31).
    refer(c_1, partner_agency, at(2024, 5, 11), accepted_by=partner, accepted_at=at(2024, 5, 13))
    refer(c_2, medical, at(2024, 5, 29), accepted_by=medical_staff, accepted_at=at(2024, 6, 2))
    refer(
        c_3, partner_agency, at(2024, 4, 16), declined_by=partner, declined_on=dt.date(2024, 4, 18)
    )
    refer(
        c_4,
        outsider_agency,
        at(2024, 1, 15),
        accepted_by=outsider_staff,
        accepted_at=at(2024, 1, 20),
    )
    refer(c_8, desk_agency, at(2024, 5, 7), by=partner)
    refer(c_7, medical, at(2024, 6, 4))  # June

    # Meetings (organised by the desk).
    ConsentFactory(person=a, agencies=[], recorded_by=desk)  # 重層的支援会議 needs consent
    meeting(MeetingKind.SUPPORT_MEETING, at(2024, 5, 14), [c_1, c_2])
    meeting(MeetingKind.SUPPORT_MEETING, at(2024, 4, 10), [c_1, c_3])
    meeting(MeetingKind.MULTILAYER_MEETING, at(2024, 5, 21), [c_1])
    meeting(MeetingKind.SUPPORT_MEETING, at(2024, 5, 28), [c_2], cancel=True)
    meeting(MeetingKind.DEPARTMENT_LIAISON, at(2024, 5, 15), [c_1])
    meeting(MeetingKind.SUPPORT_MEETING, at(2024, 6, 2), [c_1])  # June
    return {"cases": [c_1, c_2, c_3, c_4, c_5, c_6, c_7, c_8], "medical": medical}


# Every figure of the desk-wide report for MONTH: (当月, 年度累計, 開設以来).
EXPECTED = {
    "counts": {
        # Cases opened before the desk opened (c_6) and after the month (c_7) are out.
        "相談件数": [3, 4, 6],  # c_1 c_2 c_8 | + c_3 | + c_4 c_5
        # Ended in the period and still ended on 5/31, whenever opened (issue 15: was
        # [1, 1, 2], the cohort of cases opened in the period): c_2 (5/28) and c_5
        # (opened 2023-09, closed 5/15, reopened only in June) in every column; c_4
        # (closed 3/01, reopened 3/10) is open again on 5/31.
        "終結件数": [2, 2, 2],
        # Open on 5/31, whenever opened (was [2, 3, 4]): c_1 c_8, c_3 (closed only on
        # 6/05), c_4 (reopened). 開設以来: 6 = 2 + 4.
        "継続件数": [4, 4, 4],
        "相談受付 延べ件数": [6, 8, 9],
        "うち継続相談": [1, 1, 1],
        "相談受付 実人数": [5, 5, 6],  # a b1 b2 c1 g1 | same | + d1
    },
    "categories": {
        # One consultation ticked 収入・生活費 and 債務, both in this row: one pair
        # (consultation × row), not two (issue 15: was [2, 2, 2], total [10, 12, 14]).
        "収入・生活費・借金": [1, 1, 1],
        "介護・障がい・病気": [1, 1, 2],
        "生活保護相談": [1, 1, 1],
        "住まい": [1, 1, 1],
        "仕事探し": [0, 1, 1],
        "医療・介護費用": [0, 0, 1],
        "家族関係": [1, 1, 1],
        "離婚・ひとり親": [0, 0, 0],
        "DV・虐待": [1, 1, 1],
        "引きこもり・不登校・いじめ": [1, 1, 1],
        "子育て": [1, 2, 2],
        "地域との関係": [0, 0, 0],
        "その他": [1, 1, 1],
        "計": [9, 11, 13],
    },
    "came_from": {
        "本人": [2, 2, 3],
        "家族": [1, 2, 2],
        "関係機関": [0, 1, 1],
        "民生委員": [1, 1, 1],
        "近隣": [1, 1, 1],
        "庁内他課": [0, 0, 0],
        "その他": [1, 1, 1],
        "計": [6, 8, 9],
    },
    # (sent, accepted) per column.
    "referrals": {
        "役場関係課": [1, 0, 1, 0, 1, 0],
        "社会福祉協議会": [0, 0, 0, 0, 1, 1],
        "医療機関": [1, 0, 1, 0, 1, 0],
        "地域包括支援センター": [1, 1, 2, 1, 2, 1],
        "計": [3, 1, 4, 1, 5, 2],
    },
    "support": {
        "電話": [2, 3, 3],
        "面談": [1, 1, 1],
        "訪問": [1, 1, 1],
        "同行": [1, 1, 1],
        "ケース会議": [0, 0, 0],
        "繋ぎ": [3, 4, 5],
        "連絡調整・情報共有": [0, 0, 1],
        "計": [8, 10, 12],
    },
    "projects": {
        "① 包括的相談支援": [4, 5, 6],
        "② 多機関協働": [2, 3, 4],
        "③ アウトリーチ等を通じた継続的支援": [1, 1, 1],
        "④ 参加支援": [1, 1, 1],
        "⑤ 地域づくりに向けた支援": [0, 0, 0],
        "計": [8, 10, 12],
    },
    "meetings": {
        "支援会議 開催回数": [1, 2, 2],
        "支援会議 検討ケース（実件数）": [2, 3, 3],
        "支援会議 検討ケース（延べ）": [2, 4, 4],
        "重層的支援会議 開催回数": [1, 1, 1],
        "重層的支援会議 検討ケース（実件数）": [1, 1, 1],
        "重層的支援会議 検討ケース（延べ）": [1, 1, 1],
        "計 開催回数": [2, 3, 3],
        "計 検討ケース（実件数）": [2, 3, 3],
        "計 検討ケース（延べ）": [3, 5, 5],
    },
    # Members on the household's last supported day in the period (5/31, or the day
    # its case ended: H2 5/28, H5 5/15), from membership dates.
    "households": {
        "1人": [1, 1, 1],  # H1
        "2人": [2, 2, 2],  # H2 H7
        "3人": [1, 1, 1],  # H3 (one of four moved out on 2024-03-31)
        "4人": [1, 1, 1],  # H5
        # H4. H6's case (opened 2023-05-20, before the desk opened) is outside every case
        # figure now, as in 相談件数 (issue 15: was [1, 1, 2], total [6, 6, 7]).
        "5人以上": [1, 1, 1],
        "不明（その日の世帯員なし）": [0, 0, 0],
        "計（支援した世帯）": [6, 6, 6],
    },
    # Referral steps on the days they were taken, plans by activated_on (none here).
    "progress": {
        "繋ぎ 送付": [3, 4, 5],  # c_1 c_2 c_8 | + c_3 (4/16) | + c_4 (1/15); c_7's in June
        "繋ぎ 受理": [1, 1, 2],  # c_1's on 5/13 | same | + c_4's on 1/20; c_2's on 6/02
        "繋ぎ 辞退": [0, 1, 1],  # c_3's on 4/18
        "繋ぎ 対応開始": [0, 0, 0],
        "繋ぎ 完了": [0, 0, 0],
        "繋ぎ 取消": [0, 0, 0],
        "支援プラン 実施開始": [0, 0, 0],
    },
    "outreach": {
        "把握した対象者": [0, 0, 0],
        "接触の試み（延べ）": [0, 0, 0],
        "うち本人・家族と接触できた": [0, 0, 0],
        "支援につながった対象者": [0, 0, 0],
        "世帯訪問調査（延べ）": [0, 0, 0],
    },
}
# The 12 months ending with MONTH: cases opened per month (c_5 in 2023-09, c_4 in 2024-01,
# c_3 in 2024-04, c_1 c_2 c_8 in 2024-05).
EXPECTED_TREND = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 3]

# The partner agency's own figures (scope = 地域包括支援センター).
EXPECTED_PARTNER = {
    "counts": {
        "相談件数": [1, 1, 1],
        "終結件数": [0, 0, 0],
        "継続件数": [1, 1, 1],
        "相談受付 延べ件数": [1, 1, 1],
        "うち継続相談": [0, 0, 0],
        "相談受付 実人数": [1, 1, 1],
    },
    "categories": {"その他": [1, 1, 1], "計": [1, 1, 1]},
    "came_from": {"民生委員": [1, 1, 1], "計": [1, 1, 1]},
    "referrals": {"役場関係課": [1, 0, 1, 0, 1, 0], "計": [1, 0, 1, 0, 1, 0]},
    "support": {"電話": [1, 1, 1], "繋ぎ": [1, 1, 1], "計": [2, 2, 2]},
    "projects": {
        "① 包括的相談支援": [1, 1, 1],
        "③ アウトリーチ等を通じた継続的支援": [1, 1, 1],
        "計": [2, 2, 2],
    },
    "meetings": {"計 開催回数": [0, 0, 0], "計 検討ケース（延べ）": [0, 0, 0]},
    "households": {"2人": [1, 1, 1], "計（支援した世帯）": [1, 1, 1]},
    "progress": {"繋ぎ 送付": [1, 1, 1]},  # the referral of c_8 to the desk (5/07)
}
