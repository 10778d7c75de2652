"""Bad input on the meeting form: Japanese messages beside the fields, nothing saved."""

from django.urls import reverse

from meetings.models import Meeting


def test_meeting_form_bad_input(client_for, desk, desk_agency):
    client = client_for(desk)
    url = reverse("meetings:meeting_create")
    before = Meeting.objects.count()
    cases = [
        (
            {"kind": "support", "date": "2024-02-30", "start_time": "10:00"},
            "2024年2月30日という日付はありません",
        ),
        ({"kind": "support", "date": "H32.1.1", "start_time": "10:00"}, "平成は31年までです"),
        ({"kind": "support", "date": "R6.4.1", "start_time": "25:99"}, "時刻"),
        ({"kind": "support", "date": "", "start_time": "10:00"}, "必須"),
    ]
    for data, message in cases:
        data = {**data, "organising_agency": desk_agency.pk, "chair": desk.pk}
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode(), message
    assert Meeting.objects.count() == before
