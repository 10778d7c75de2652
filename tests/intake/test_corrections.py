"""訂正 of a consultation: with a reason, the statistics count the corrected values, the
page shows the earlier version struck through, the 変更履歴 shows both; refusals leave
the database as it was with a Japanese message beside the field."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from common.models import Correction
from intake.models import Consultation
from reports.statistics import monthly_statistics
from tests.factories_intake import ConsultationFactory, category

MAY = dt.date(2025, 5, 1)


@pytest.fixture
def month(desk, desk_agency, household, members):
    """May 2025: two consultations about 介護 and one about 住まい."""
    at = timezone.make_aware(dt.datetime(2025, 5, 12, 10, 30))
    made = [
        ConsultationFactory(
            agency=desk_agency,
            received_by=desk,
            received_at=at + dt.timedelta(days=i),
            household=household,
            persons=[members[0]],
            categories=[category(name)],
        )
        for i, name in enumerate(["介護", "介護", "住まい"])
    ]
    return made


def _categories(month_day):
    table = monthly_statistics(month_day).tables["categories"]
    return {r.label: r.values[0] for r in table.rows if not r.is_total}


def _post(client, consultation, **overrides):
    links = list(consultation.category_links.all())
    local = timezone.localtime(consultation.received_at)
    data = {
        "received_on": local.date().isoformat(),
        "received_time": local.strftime("%H:%M"),
        "channel": consultation.channel,
        "came_from": consultation.came_from,
        "categories": [link.category_id for link in links],
        "primary_category": next(link.category_id for link in links if link.is_primary),
        "summary": consultation.summary,
        "wishes": consultation.wishes,
        "urgency": consultation.urgency,
        "outcome": consultation.outcome,
        "reason": "受付時に相談内容の区分を誤って選んでいた",
        "version": consultation.version,
    }
    data.update(overrides)
    return client.post(reverse("intake:consultation_correct", args=[consultation.pk]), data)


def test_a_corrected_category_changes_the_statistics_and_both_versions_are_shown(
    client_for, desk, month
):
    care, housing = category("介護"), category("住まい")
    before = _categories(MAY)
    assert before[care.statistics_group] == 2 and before[housing.statistics_group] == 1
    client = client_for(desk)

    response = _post(client, month[0], categories=[housing.pk], primary_category=housing.pk)

    assert response.status_code == 302
    after = _categories(MAY)
    assert after[care.statistics_group] == 1
    assert after[housing.statistics_group] == 2
    correction = Correction.objects.get(object_id=month[0].pk)
    assert correction.corrected_by == desk
    assert correction.reason == "受付時に相談内容の区分を誤って選んでいた"
    record = month[0].history.order_by("-history_id").first()
    assert record.history_user == desk and "受付時に相談内容" in record.history_change_reason

    page = client.get(reverse("intake:consultation_detail", args=[month[0].pk])).content.decode()
    assert "<del>介護（主）</del>" in page and "住まい（主）" in page
    assert "受付時に相談内容の区分を誤って選んでいた" in page and str(desk) in page

    history = client.get(reverse("intake:consultation_history", args=[month[0].pk]))
    text = history.content.decode()
    assert "<del>介護</del>" in text  # the removed category, struck through
    assert "住まい" in text and "相談内容" in text and str(desk) in text


def test_a_corrected_date_moves_the_consultation_to_another_month(client_for, desk, month):
    counts = monthly_statistics(MAY).tables["counts"].row("相談受付 延べ件数").values[0]
    assert counts == 3

    response = _post(client_for(desk), month[2], received_on="2025-06-02")

    assert response.status_code == 302
    assert monthly_statistics(MAY).tables["counts"].row("相談受付 延べ件数").values[0] == 2
    june = monthly_statistics(dt.date(2025, 6, 1)).tables["counts"]
    assert june.row("相談受付 延べ件数").values[0] == 1


def _unchanged(consultation):
    fresh = Consultation.objects.get(pk=consultation.pk)
    return (
        fresh.version == consultation.version
        and list(fresh.category_links.values_list("category_id", flat=True))
        == [category("介護").pk]
        and not Correction.objects.exists()
    )


def test_a_correction_without_reason_is_refused_beside_the_field(client_for, desk, month):
    response = _post(
        client_for(desk),
        month[0],
        reason="  ",
        categories=[category("住まい").pk],
        primary_category=category("住まい").pk,
    )

    assert response.status_code == 200
    assert "訂正の理由を入力してください。" in response.content.decode()
    assert response.context["form"].errors["reason"]
    assert _unchanged(month[0])


def test_a_stale_correction_is_refused(client_for, desk, coordinator, month):
    loaded_version = month[0].version
    _post(client_for(coordinator), month[0], summary="先に訂正した")

    response = _post(
        client_for(desk),
        month[0],
        version=loaded_version,
        summary="後から訂正",
        categories=[category("住まい").pk],
        primary_category=category("住まい").pk,
    )

    assert response.status_code == 200
    assert "さんが保存しました" in response.content.decode()
    fresh = Consultation.objects.get(pk=month[0].pk)
    assert fresh.summary == "先に訂正した"
    assert Correction.objects.count() == 1


def test_only_the_receiving_agency_corrects(client_for, partner, outsider, month):
    for user in (partner, outsider):
        response = _post(
            client_for(user),
            month[0],
            categories=[category("住まい").pk],
            primary_category=category("住まい").pk,
        )
        assert response.status_code == 404
    assert _unchanged(month[0])


def test_the_history_page_is_404_for_an_outsider(client_for, outsider, month):
    url = reverse("intake:consultation_history", args=[month[0].pk])
    assert client_for(outsider).get(url).status_code == 404
