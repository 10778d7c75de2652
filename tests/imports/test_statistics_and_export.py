"""The statistics of an imported history equal those of the same history typed in
through the services; an export imports again into an empty database with the same
statistics; the export hides what the exporter may not see and is logged."""

import datetime as dt
import io

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from cases import services as case_services
from cases import sharing
from cases.choices import CasePersonRole, CaseStatus
from households import services as household_services
from households.models import Household
from imports import export, services
from imports.models import BatchStatus, DeskExport
from intake import services as intake_services
from intake.models import ConsultationCategory
from referrals import services as referral_services
from reports.periods import ReportPeriod
from reports.statistics import period_statistics
from tests.imports.helpers import upload
from tests.imports.test_imports import book_bytes, ledger

pytestmark = pytest.mark.django_db

PERIODS = [ReportPeriod.for_month(dt.date(2024, 5, 1)), ReportPeriod.for_fiscal_year(2024)]


class Rollback(Exception):
    pass


def at(y, m, d, hh=9, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


def figures(agency):
    out = {}
    for period in PERIODS:
        stats = period_statistics(period, agency)
        for key, table in stats.tables.items():
            out[(period.kind, key)] = [(row.label, row.values) for row in table.rows]
        out[(period.kind, "trend")] = stats.trend
    return out


def type_in(manager, desk, desk_agency, partner_agency, *, more=False):
    """ledger() of test_imports, typed in through the services."""
    cat = {c.name: c for c in ConsultationCategory.objects.all()}
    household = household_services.household_create(
        actor=manager, agency=desk_agency, name="山田さん世帯", address="本町1-1"
    )
    p1 = household_services.person_add_to_household(
        actor=manager,
        agency=desk_agency,
        household=household,
        relationship="head",
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        birth_date=dt.date(1950, 4, 1),
    )
    p2 = household_services.person_add_to_household(
        actor=manager,
        agency=desk_agency,
        household=household,
        relationship="child",
        family_name="山田",
        given_name="一郎",
        family_name_kana="ヤマダ",
        given_name_kana="イチロウ",
        birth_date=dt.date(1980, 1, 2),
    )
    household_services.consent_record(
        actor=manager,
        person=p1,
        agencies=[partner_agency],
        purpose="共有",
        method="signed",
        obtained_on=dt.date(2024, 4, 1),
    )
    consultation = intake_services.consultation_create(
        actor=manager,
        agency=desk_agency,
        received_at=at(2024, 5, 10),
        channel="phone",
        came_from="self",
        household=household,
        persons=[p1, p2],
        categories=[cat["収入・生活費"], cat["債務"]],
        primary_category=cat["収入・生活費"],
        summary="借金の相談",
        outcome="ongoing",
    )
    case = case_services.case_open(
        actor=manager,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="山田家の支援",
        opened_on=dt.date(2024, 5, 10),
        persons=[(p1, CasePersonRole.MEMBER), (p2, CasePersonRole.MEMBER)],
        consultation=consultation,
    )
    case_services.record_create(
        actor=manager,
        case=case,
        agency=desk_agency,
        occurred_at=at(2024, 5, 11, 10, 30),
        kind="phone",
        project="2",
        narrative="電話で状況を聞いた",
        staff=desk,
    )
    referral = referral_services.referral_send(
        actor=manager,
        case=case,
        to_agency=partner_agency,
        persons=[p1, p2],
        reason="介護の相談",
        request="訪問",
        scope="summary",
        consent=sharing.covering_consents(case, partner_agency).first(),
        sent_at=at(2024, 5, 26),
    )
    referral_services.referral_transition(
        actor=manager,
        referral=referral,
        to_status="accepted",
        system=True,
        on=dt.date(2024, 5, 27),
    )
    if more:  # a second household: closed, reopened, a member who moved out, 住所秘匿
        h2 = household_services.household_create(
            actor=manager,
            agency=desk_agency,
            name="佐藤さん世帯",
            address="秘密町9",
            is_address_confidential=True,
        )
        q1 = household_services.person_add_to_household(
            actor=manager,
            agency=desk_agency,
            household=h2,
            relationship="head",
            family_name="佐藤",
            family_name_kana="サトウ",
            birth_date=dt.date(1970, 1, 1),
        )
        q2 = household_services.person_add_to_household(
            actor=manager,
            agency=desk_agency,
            household=h2,
            relationship="child",
            family_name="佐藤",
            family_name_kana="サトウ",
            given_name_kana="ジロウ",
        )
        membership = q2.household_memberships.get()
        household_services.membership_update(
            actor=manager, membership=membership, until=dt.date(2024, 3, 31)
        )
        c2 = intake_services.consultation_create(
            actor=manager,
            agency=desk_agency,
            received_at=at(2024, 4, 20),
            channel="desk",
            came_from="family",
            household=h2,
            persons=[q1],
            categories=[cat["DV・虐待"]],
            primary_category=cat["DV・虐待"],
            summary="避難",
            outcome="ongoing",
        )
        case2 = case_services.case_open(
            actor=manager,
            household=h2,
            lead_agency=desk_agency,
            lead_staff=desk,
            title="佐藤家",
            opened_on=dt.date(2024, 4, 20),
            persons=[(q1, CasePersonRole.MEMBER)],
            consultation=c2,
        )
        case_services.case_transition(
            actor=manager,
            case=case2,
            to_status=CaseStatus.CLOSED,
            on=dt.date(2024, 5, 2),
            close_reason_kind="goal_reached",
        )
        case_services.case_transition(
            actor=manager, case=case2, to_status=CaseStatus.SUPPORTING, on=dt.date(2024, 5, 20)
        )
        case_services.case_transition(
            actor=manager,
            case=case2,
            to_status=CaseStatus.CLOSED,
            on=dt.date(2024, 5, 30),
            close_reason_kind="moved_away",
            reason="県外へ",
        )
        case_services.record_create(
            actor=manager,
            case=case2,
            agency=desk_agency,
            occurred_at=at(2024, 4, 21),
            kind="visit",
            project="3",
            narrative="訪問",
        )


def import_bytes(manager, data, capture):
    batch = services.batch_preview(actor=manager, upload=upload(data))
    assert batch.error_rows == 0, [r.errors for r in batch.rows.exclude(errors=[])]
    with capture(execute=True):
        services.batch_commit(actor=manager, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.error
    return batch


def test_imported_history_has_the_statistics_of_the_same_history_typed_in(
    desk,
    manager,
    partner,
    desk_agency,
    partner_agency,
    categories,
    medical,
    django_capture_on_commit_callbacks,
):
    with pytest.raises(Rollback), transaction.atomic():
        type_in(manager, desk, desk_agency, partner_agency)
        typed = figures(desk_agency), figures(None)
        raise Rollback
    assert not Household.objects.exists()
    import_bytes(manager, book_bytes(ledger()), django_capture_on_commit_callbacks)
    imported = figures(desk_agency), figures(None)
    assert imported == typed
    month_counts = dict(imported[0][("month", "counts")])
    assert month_counts["相談件数"][0] == 1  # not an empty comparison


def test_export_imports_again_into_an_empty_database_with_the_same_statistics(
    desk,
    manager,
    partner,
    desk_agency,
    partner_agency,
    categories,
    medical,
    django_capture_on_commit_callbacks,
):
    with pytest.raises(Rollback), transaction.atomic():
        type_in(manager, desk, desk_agency, partner_agency, more=True)
        before = figures(desk_agency)
        data, person_ids = export.build_workbook(user=manager, agency=desk_agency)
        raise Rollback
    assert not Household.objects.exists()  # an empty database (the masters stay)
    assert len(person_ids) == 4
    import_bytes(manager, data, django_capture_on_commit_callbacks)
    assert figures(desk_agency) == before
    closed = dict(before[("fiscal_year", "counts")])["終結件数"]
    assert closed[0] == 1
    # and exporting the imported data gives the same ledgers (keys aside)
    again, _ids = export.build_workbook(user=manager, agency=desk_agency)
    first, second = load_workbook(io.BytesIO(data)), load_workbook(io.BytesIO(again))
    for sheet in ("世帯・世帯員", "相談受付", "ケース", "支援経過", "繋ぎ"):
        assert first[sheet].max_row == second[sheet].max_row, sheet


def test_export_writes_contact_only_where_the_exporter_may_see_it(
    desk, manager, partner, desk_agency, partner_agency, categories, medical, monkeypatch
):
    type_in(manager, desk, desk_agency, partner_agency, more=True)
    data, _ids = export.build_workbook(user=manager, agency=desk_agency)
    sheet = load_workbook(io.BytesIO(data))["世帯・世帯員"]
    addresses = {r[1]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert addresses == {"山田さん世帯": "本町1-1", "佐藤さん世帯": "秘密町9"}  # desk leads both

    def hidden(user, household):
        return not household.is_address_confidential

    monkeypatch.setattr(export, "may_see_contact", hidden)
    data, _ids = export.build_workbook(user=manager, agency=desk_agency)
    assert b"\xe7\xa7\x98\xe5\xaf\x86\xe7\x94\xba9" not in data  # no 秘密町9 anywhere
    sheet = load_workbook(io.BytesIO(data))["世帯・世帯員"]
    addresses = {r[1]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert addresses == {"山田さん世帯": "本町1-1", "佐藤さん世帯": None}


def test_export_through_the_pages_is_logged_per_person(
    desk,
    manager,
    partner,
    desk_agency,
    partner_agency,
    categories,
    medical,
    client_for,
    django_capture_on_commit_callbacks,
):
    type_in(manager, desk, desk_agency, partner_agency)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:export_request"))
    exported = DeskExport.objects.get()
    assert response.url == reverse("imports:export_detail", args=[exported.pk])
    status = client.get(reverse("imports:export_status", args=[exported.pk])).content.decode()
    assert "Excelをダウンロード" in status
    download = client.get(reverse("imports:export_download", args=[exported.pk]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book["ケース"]["C2"].value == "山田家の支援"
    logged = AccessLog.objects.filter(user=manager, outcome=AccessLog.Outcome.EXPORT)
    assert set(logged.exclude(person_id=None).values_list("person_id", flat=True)) == set(
        exported.person_ids
    )
    assert len(exported.person_ids) == 2
    # another manager's export is not theirs: 404
    assert (
        client_for(desk).get(reverse("imports:export_download", args=[exported.pk])).status_code
        == 404
    )
