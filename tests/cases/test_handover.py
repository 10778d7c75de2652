"""引継ぎ: the manager hands a worker's open cases to another worker of the agency."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from cases.choices import RecordKind
from cases.models import Case, Reminder, SupportRecord
from tests.factories import staff
from tests.factories_referrals import make_case


@pytest.fixture
def receiver(desk_agency):
    return staff(desk_agency, Role.COUNSELOR, username="receiver", display_name="受取 六子")


@pytest.fixture
def two_cases(desk, desk_agency):
    first, *_ = make_case(desk=desk, desk_agency=desk_agency, family="佐藤")
    second, *_ = make_case(desk=desk, desk_agency=desk_agency, family="鈴木", title="鈴木家")
    return first, second


def test_manager_hands_all_open_cases_over(client_for, manager, desk, receiver, two_cases):
    client = client_for(manager)
    url = reverse("cases:handover") + f"?worker={desk.pk}"
    html = client.get(url).content.decode()
    assert two_cases[0].title in html and two_cases[1].title in html
    response = client.post(
        url,
        {
            "cases": [str(c.pk) for c in two_cases],
            "to_staff": str(receiver.pk),
            "note": "長男への訪問は火曜午後が良い",
        },
    )
    assert response.status_code == 302
    for case in two_cases:
        assert Case.objects.get(pk=case.pk).lead_staff == receiver
        note = SupportRecord.objects.filter(case=case, kind=RecordKind.COORDINATION).get()
        assert "【引継ぎ】" in note.narrative and "火曜午後" in note.narrative
        assert Reminder.objects.filter(
            recipient=receiver, kind=Reminder.Kind.HANDOVER, subject=f"case:{case.pk}"
        ).exists()
    # The note is on the case's timeline.
    timeline = client_for(receiver).get(reverse("cases:case_detail", args=[two_cases[0].pk]))
    assert "【引継ぎ】" in timeline.content.decode()


def test_handover_without_note_changes_nothing(client_for, manager, desk, receiver, two_cases):
    client = client_for(manager)
    url = reverse("cases:handover") + f"?worker={desk.pk}"
    records = SupportRecord.objects.count()
    response = client.post(url, {"cases": [str(two_cases[0].pk)], "to_staff": str(receiver.pk)})
    assert response.status_code == 200
    assert "引継ぎの内容（メモ）を入力してください。" in response.content.decode()
    assert Case.objects.get(pk=two_cases[0].pk).lead_staff == desk
    assert SupportRecord.objects.count() == records
    assert not Reminder.objects.exists()


def test_only_the_agencys_manager_may_hand_over(client_for, desk, partner, receiver, two_cases):
    for user in (desk, partner):
        client = client_for(user)
        url = reverse("cases:handover") + f"?worker={desk.pk}"
        assert client.get(url).status_code == 404
        client.post(
            url, {"cases": [str(two_cases[0].pk)], "to_staff": str(receiver.pk), "note": "x"}
        )
    assert Case.objects.get(pk=two_cases[0].pk).lead_staff == desk


def test_receiver_of_another_agency_is_refused(client_for, manager, desk, partner, two_cases):
    client = client_for(manager)
    url = reverse("cases:handover") + f"?worker={desk.pk}"
    response = client.post(
        url, {"cases": [str(two_cases[0].pk)], "to_staff": str(partner.pk), "note": "引継ぎ"}
    )
    assert "引継ぎ先を一覧から選んでください。" in response.content.decode()
    assert Case.objects.get(pk=two_cases[0].pk).lead_staff == desk
