"""訂正 of finalised minutes: the chair corrects with a reason; the minutes page shows
the earlier version struck through with who, when and why; others (a member, desk staff
who is not the chair, an outsider) cannot, and refusals change nothing."""

import pytest
from django.urls import reverse

from common.models import Correction
from meetings import services
from meetings.models import AgendaItem


@pytest.fixture
def finalised(desk, support_meeting):
    item = support_meeting.case_item
    services.minutes_save(
        actor=desk, item=item, discussion="長男の就労について協議", decisions="次回までに訪問"
    )
    services.meeting_finalise(actor=desk, meeting=support_meeting)
    item.refresh_from_db()
    return support_meeting, item


def _post(client, meeting, item, **overrides):
    data = {
        "discussion": item.discussion,
        "decisions": item.decisions,
        "reason": "決定事項の日付を誤って記載した",
        "version": item.version,
    }
    data.update(overrides)
    url = reverse("meetings:minutes_correct", args=[meeting.pk, item.pk])
    return client.post(url, data)


def test_the_chair_corrects_and_the_page_shows_both_versions(client_for, desk, finalised):
    meeting, item = finalised
    client = client_for(desk)

    response = _post(client, meeting, item, decisions="次回までに家庭訪問（同行）")

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decisions == "次回までに家庭訪問（同行）"
    last = item.history.order_by("-history_id").first()
    assert last.history_user == desk and "決定事項の日付" in last.history_change_reason
    page = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert "<del>次回までに訪問</del>" in page and "次回までに家庭訪問（同行）" in page
    assert "決定事項の日付を誤って記載した" in page and "訂正者" in page


def _unchanged(item):
    fresh = AgendaItem.objects.get(pk=item.pk)
    return (
        fresh.decisions == "次回までに訪問"
        and fresh.version == item.version
        and not Correction.objects.exists()
    )


def test_refusals_change_nothing(client_for, desk, partner, coordinator, outsider, finalised):
    meeting, item = finalised

    no_reason = _post(client_for(desk), meeting, item, decisions="別の内容", reason="")
    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors["reason"] == ["訂正の理由を入力してください。"]
    unchanged = _post(client_for(desk), meeting, item)
    assert "訂正する項目が変わっていません。" in unchanged.content.decode()
    stale = _post(client_for(desk), meeting, item, decisions="別の内容", version=item.version - 1)
    assert "さんが保存しました" in stale.content.decode()
    for user in (partner, coordinator, outsider):  # a member; desk staff, not the chair
        assert _post(client_for(user), meeting, item, decisions="別の内容").status_code == 404

    assert _unchanged(item)


def test_minutes_not_yet_finalised_are_edited_not_corrected(client_for, desk, support_meeting):
    item = support_meeting.case_item
    url = reverse("meetings:minutes_correct", args=[support_meeting.pk, item.pk])

    assert client_for(desk).get(url).status_code == 404
