"""変更履歴 of a case and a plan: who changed what, from what to what, in Japanese field
names and choice labels; asked of the same getter as the object's page; read logged."""

from django.urls import reverse

from accounts.models import AccessLog
from cases import services
from cases.choices import RiskLevel


def test_case_history_shows_the_change_with_labels(client_for, desk, coordinator, scenario):
    case, person, _plan = scenario["shared"]
    services.case_update(
        actor=coordinator, case=case, title="sharedケース（改名）", risk_level=RiskLevel.HIGH
    )

    response = client_for(desk).get(reverse("cases:case_history", args=[case.pk]))

    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "ケース名" in text and "<del>sharedケース</del>" in text and "sharedケース（改名）" in text
    )
    assert "リスク" in text and "<del>中</del>" in text and "高" in text
    assert str(coordinator) in text and "作成" in text
    assert "high" not in text  # choices by label, never the stored value
    assert AccessLog.objects.filter(
        user=desk, person_id=person.pk, detail=f"case:{case.pk}"
    ).exists()


def test_case_history_is_404_where_the_case_page_is(client_for, outsider, partner, scenario):
    own = scenario["own"][0]
    for user in (outsider, partner):  # the partner sees the shared case, not this one
        response = client_for(user).get(reverse("cases:case_history", args=[own.pk]))
        assert response.status_code == 404
    shared = scenario["shared"][0]
    assert (
        client_for(partner).get(reverse("cases:case_history", args=[shared.pk])).status_code == 200
    )


def test_plan_history_shows_goals_changed(client_for, desk, scenario):
    case, _person, plan = scenario["own"]
    services.plan_update(actor=desk, plan=plan, goals="就労に向けた準備", expected_version=None)

    response = client_for(desk).get(reverse("cases:plan_history", args=[case.pk, plan.pk]))

    assert response.status_code == 200
    text = response.content.decode()
    assert "目標" in text and "<del>生活の安定</del>" in text and "就労に向けた準備" in text


def test_plan_history_of_another_case_is_404(client_for, desk, outsider, scenario):
    case, _person, plan = scenario["own"]
    other = scenario["shared"][0]
    assert (
        client_for(desk).get(reverse("cases:plan_history", args=[other.pk, plan.pk])).status_code
        == 404
    )
    assert (
        client_for(outsider).get(reverse("cases:plan_history", args=[case.pk, plan.pk])).status_code
        == 404
    )
