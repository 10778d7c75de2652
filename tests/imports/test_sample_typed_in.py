"""Done when (issue 16): the sample ledger set of a fictional desk (tests/imports/data,
615 rows) imports, and its statistics equal the typed-in equivalent: the same history
entered as the desk's staff would, through the domain services one act at a time (no
imports code: the rows of make_sample.build are read here directly, 和暦 parsed by
common.wareki, the partner accepting its referrals itself)."""

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.choices import CasePersonRole, CaseStatus, CloseReason, Project, RecordKind
from common.wareki import parse_date
from households import services as household_services
from households.choices import ExemptionReason, Relationship
from households.models import Household
from intake import services as intake_services
from intake.choices import CameFrom, Channel, Outcome
from intake.models import ConsultationCategory
from referrals import services as referral_services
from reports.periods import ReportPeriod
from reports.statistics import period_statistics
from tests.imports.test_statistics_and_export import Rollback, import_bytes

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
PERIODS = [
    ReportPeriod.for_month(dt.date(2024, 5, 1)),
    ReportPeriod.for_month(dt.date(2024, 6, 1)),
    ReportPeriod.for_fiscal_year(2024),
]


def sample():
    spec = importlib.util.spec_from_file_location("make_sample", DATA / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figures(agency) -> dict:
    out = {}
    for period in PERIODS:
        for key, table in period_statistics(period, agency).tables.items():
            out[(period.slug, key)] = [(row.label, row.values) for row in table.rows]
    return out


def code(choices, label: str) -> str:
    return {str(lab): value for value, lab in choices.choices}[label]


def moment(text: str) -> dt.datetime:
    day, _, clock = text.partition(" ")
    hour, minute = (int(x) for x in (clock or "09:00").split(":"))
    return timezone.make_aware(dt.datetime.combine(parse_date(day), dt.time(hour, minute)))


def type_in(sheets, *, desk, partner, desk_agency, partner_agency, names):
    """The fixed sample, as the desk's staff would type it."""
    categories = {c.name: c for c in ConsultationCategory.objects.all()}
    households, persons, consultations, cases = {}, {}, {}, {}
    for row in sheets["households"]:
        if row["世帯キー"] not in households:
            households[row["世帯キー"]] = household_services.household_create(
                actor=desk, agency=desk_agency, name=row["世帯の呼び名"], address=row["住所"]
            )
        twin = [
            p
            for key, p in persons.items()
            if p.name_kana == row["せい（ふりがな）"] + row["めい（ふりがな）"]
            and p.birth_date == parse_date(row["生年月日"])
        ]
        if twin:  # the same person typed again under another key: recognised, not added
            persons[row["世帯員キー"]] = twin[0]
            continue
        persons[row["世帯員キー"]] = household_services.person_add_to_household(
            actor=desk,
            agency=desk_agency,
            household=households[row["世帯キー"]],
            relationship=code(Relationship, row["続柄"]),
            family_name=row["姓"],
            given_name=row["名"],
            family_name_kana=row["せい（ふりがな）"],
            given_name_kana=row["めい（ふりがな）"],
            birth_date=parse_date(row["生年月日"]),
        )
    for row in sheets["consultations"]:
        chosen = [categories[n] for n in names if n in row["相談内容"]]
        consultations[row["相談キー"]] = intake_services.consultation_create(
            actor=desk,
            agency=desk_agency,
            received_at=moment(row["受付日"]),
            channel=code(Channel, row["相談方法"]),
            came_from=code(CameFrom, row["相談者"]),
            household=households[row["世帯キー"]],
            persons=[persons[row["対象者キー"]]],
            categories=chosen,
            primary_category=categories[row["主な相談内容"]],
            summary=row["主訴"],
            outcome=code(Outcome, row["対応結果"]),
            is_continuation=row["継続相談"] == "はい",
        )
    for row in sheets["cases"]:
        case = case_services.case_open(
            actor=desk,
            household=households[row["世帯キー"]],
            lead_agency=desk_agency,
            lead_staff=desk,
            title=row["ケース名"],
            opened_on=parse_date(row["開始日"]),
            persons=[(persons[row["対象者キー"]], CasePersonRole.MEMBER)],
            consultation=consultations[row["相談キー"]],
        )
        if row["終結日"]:
            case = case_services.case_transition(
                actor=desk,
                case=case,
                to_status=CaseStatus.CLOSED,
                on=parse_date(row["終結日"]),
                close_reason_kind=code(CloseReason, row["終結理由"]),
                reason="",
            )
        cases[row["ケースキー"]] = case
    for row in sheets["records"]:
        case_services.record_create(
            actor=desk,
            case=cases[row["ケースキー"]],
            agency=desk_agency,
            occurred_at=moment(row["日時"]),
            kind=code(RecordKind, row["種別"]),
            narrative=row["内容"],
            project=code(Project, row["事業"]),
        )
    for row in sheets["referrals"]:
        case = cases[row["ケースキー"]]
        referral = referral_services.referral_send(
            actor=desk,
            case=case,
            to_agency=partner_agency,
            persons=[cp.person for cp in case.case_persons.all()],
            reason=row["繋ぐ理由"],
            request=row["依頼したいこと"],
            scope="summary",
            exemption_reason=code(ExemptionReason, row["根拠"]),
            exemption_note=row["例外の理由"],
            sent_at=moment(row["送付日"]),
        )
        referral_services.referral_accept(
            actor=partner, referral=referral, on=parse_date(row["受理日"])
        )


def test_the_sample_ledgers_have_the_statistics_of_the_same_history_typed_in(
    desk,
    manager,
    partner,
    desk_agency,
    partner_agency,
    categories,
    medical,
    django_capture_on_commit_callbacks,
):
    make_sample = sample()
    sheets = make_sample.build(fixed=True)
    # 615 rows with the errors; fixed, the consultation typed twice is gone
    assert sum(len(rows) for rows in sheets.values()) == 614
    with pytest.raises(Rollback), transaction.atomic():
        type_in(
            sheets,
            desk=desk,
            partner=partner,
            desk_agency=desk_agency,
            partner_agency=partner_agency,
            names=make_sample.CATEGORIES,
        )
        typed = figures(desk_agency), figures(None)
        raise Rollback
    assert not Household.objects.exists()

    batch = import_bytes(
        manager, (DATA / "sample_desk_fixed.xlsx").read_bytes(), django_capture_on_commit_callbacks
    )
    assert batch.total_rows == 614 and batch.written_rows == 614
    imported = figures(desk_agency), figures(None)
    for scope in (0, 1):
        for key, rows in typed[scope].items():
            assert imported[scope][key] == rows, (scope, key)
    counts = dict(typed[0][("fiscal-2024", "counts")])
    assert counts["相談件数"][0] == 40 and counts["終結件数"][0] == 10  # not empty
