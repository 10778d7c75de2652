"""訂正 of a support record: the statistics count the corrected kind, the record page
shows the earlier version struck through with who, when and why; refusals (no reason,
not allowed, stale) leave the database as it was."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import RecordKind
from cases.models import SupportRecord
from common.corrections import history_token
from common.models import Correction
from reports.statistics import monthly_statistics
from tests.cases.conftest import make_case

MAY = dt.date(2025, 5, 1)


@pytest.fixture
def month(desk, desk_agency, partner_agency, partner):
    """May 2025 on one case: two 電話 and one 訪問 by the desk; one 面談 by a partner."""
    from cases.choices import GrantScope
    from tests.factories import ConsentFactory

    case, person, _plan = make_case(desk=desk, desk_agency=desk_agency, title="訂正ケース")
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
    )
    at = timezone.make_aware(dt.datetime(2025, 5, 12, 10, 0))
    records = [
        services.record_create(
            actor=desk, case=case, agency=desk_agency, occurred_at=at, kind=kind, narrative=text
        )
        for kind, text in [
            (RecordKind.PHONE, "電話で状況確認"),
            (RecordKind.PHONE, "本当は訪問した"),
            (RecordKind.VISIT, "自宅を訪問"),
        ]
    ]
    theirs = services.record_create(
        actor=partner,
        case=case,
        agency=partner_agency,
        occurred_at=at,
        kind=RecordKind.INTERVIEW,
        narrative="事業所で面談",
    )
    return case, records, theirs


def _kinds(day):
    table = monthly_statistics(day).tables["support"]
    return {r.label: r.values[0] for r in table.rows if not r.is_total}


def _post(client, case, record, **overrides):
    local = timezone.localtime(record.occurred_at)
    data = {
        "occurred_on": local.date().isoformat(),
        "occurred_time": local.strftime("%H:%M"),
        "kind": record.kind,
        "project": record.project,
        "minutes": record.minutes or "",
        "narrative": record.narrative,
        "referred_to": record.referred_to,
        "reason": "種別を電話と誤って記録した",
        "token": history_token(record),
    }
    data.update(overrides)
    return client.post(reverse("cases:record_correct", args=[case.pk, record.pk]), data)


def test_a_corrected_kind_changes_the_statistics_and_the_page_shows_both(client_for, desk, month):
    case, records, _theirs = month
    assert _kinds(MAY)["電話"] == 2 and _kinds(MAY)["訪問"] == 1
    client = client_for(desk)

    response = _post(client, case, records[1], kind=RecordKind.VISIT)

    assert response.status_code == 302
    assert _kinds(MAY)["電話"] == 1 and _kinds(MAY)["訪問"] == 2
    records[1].refresh_from_db()
    assert records[1].kind == RecordKind.VISIT
    last = records[1].history.order_by("-history_id").first()
    assert last.history_user == desk and "種別を電話と誤って" in last.history_change_reason

    page = client.get(reverse("cases:record_detail", args=[case.pk, records[1].pk]))
    text = page.content.decode()
    assert "<del>電話</del> → 訪問" in text
    assert "種別を電話と誤って記録した" in text and str(desk) in text
    assert "訂正者" in text
    # The timeline links the record's page.
    detail = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("cases:record_detail", args=[case.pk, records[1].pk]) in detail


def test_a_corrected_date_moves_the_record_to_another_month(client_for, desk, month):
    case, records, _theirs = month

    _post(client_for(desk), case, records[2], occurred_on="2025-04-30")

    assert _kinds(MAY)["訪問"] == 0
    assert _kinds(dt.date(2025, 4, 1))["訪問"] == 1


def _snapshot(case):
    return sorted(
        SupportRecord.objects.filter(case=case).values_list(
            "pk", "kind", "narrative", "occurred_at"
        )
    )


def test_refused_corrections_change_nothing(client_for, desk, partner, outsider, month):
    case, records, theirs = month
    before = _snapshot(case)

    no_reason = _post(client_for(desk), case, records[0], kind=RecordKind.VISIT, reason="")
    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors["reason"] == ["訂正の理由を入力してください。"]

    # A partner corrects its own records, not the desk's; an outsider sees nothing.
    assert _post(client_for(partner), case, records[0], kind=RecordKind.VISIT).status_code == 404
    assert _post(client_for(outsider), case, records[0], kind=RecordKind.VISIT).status_code == 404

    stale = _post(client_for(desk), case, records[0], kind=RecordKind.VISIT, token=1)
    assert stale.status_code == 200
    assert "さんが保存しました" in stale.content.decode()

    assert _snapshot(case) == before
    assert not Correction.objects.exists()


def test_a_partner_corrects_its_own_record_and_the_lead_may_too(client_for, desk, partner, month):
    case, _records, theirs = month

    response = _post(client_for(partner), case, theirs, narrative="事業所で面談（本人と母）")
    assert response.status_code == 302
    theirs.refresh_from_db()
    response = _post(client_for(desk), case, theirs, narrative="事業所で面談（本人と母、45分）")
    assert response.status_code == 302

    theirs.refresh_from_db()
    assert theirs.narrative == "事業所で面談（本人と母、45分）"
    assert list(
        Correction.objects.filter(object_id=theirs.pk).values_list("corrected_by", flat=True)
    ) == [desk.pk, partner.pk]


def test_a_correction_that_changes_nothing_is_refused(client_for, desk, month):
    case, records, _theirs = month
    before = _snapshot(case)

    response = _post(client_for(desk), case, records[0])

    assert response.status_code == 200
    assert "訂正する項目が変わっていません。" in response.content.decode()
    assert _snapshot(case) == before
    assert records[0].history.count() == 1
    assert not Correction.objects.exists()
