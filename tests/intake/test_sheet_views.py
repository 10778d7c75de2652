import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import AccessLog
from intake import services
from intake.choices import Channel, SheetStatus
from intake.models import ConnectSheet, Consultation
from tests.factories import staff
from tests.factories_intake import ConnectSheetFactory


def sheet_data(**overrides):
    data = {
        "name_kana": "かくう じろう",
        "name": "架空 次郎",
        "birth_date": "S50.6.1",
        "age": "",
        "sex": "male",
        "address": "架空町大字本町3番地",
        "home_phone": "096-293-2222",
        "mobile_phone": "",
        "email": "",
        "visitor_name": "架空 花子",
        "visitor_phone": "090-1234-5678",
        "visitor_relationship": "妻",
        "topics": ["tax", "living_cost"],
        "topic_other": "",
        "details": "固定資産税の滞納相談。収入が減り生活費も足りないとのこと。",
        "contact_method": "home_phone",
        "contact_hours": "平日10時〜12時",
        "consent_given": "on",
        "consent_date": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class TestSend:
    def test_municipal_staff_send_a_sheet(self, client_for, municipal, municipal_agency):
        response = client_for(municipal).post(reverse("intake:sheet_new"), sheet_data())

        sheet = ConnectSheet.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("intake:sheet_detail", args=[sheet.pk])
        assert sheet.sender == municipal and sheet.sender_agency == municipal_agency
        assert sheet.name_kana == "カクウ ジロウ"  # the space kept for せい/めい
        assert sheet.birth_date == dt.date(1975, 6, 1)
        today = timezone.localdate()
        assert sheet.age == today.year - 1975 - ((today.month, today.day) < (6, 1))
        assert sheet.topics == ["tax", "living_cost"]
        assert sheet.status == SheetStatus.SENT

    def test_case_workers_may_send_too(self, client_for, partner):
        response = client_for(partner).post(reverse("intake:sheet_new"), sheet_data())
        assert response.status_code == 302
        assert ConnectSheet.objects.get().sender == partner

    def test_without_consent_is_refused_with_an_explanation(self, client_for, municipal):
        response = client_for(municipal).post(
            reverse("intake:sheet_new"), sheet_data(consent_given=None, consent_date="")
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "本人の同意がなく、法令上の例外の記録もないため送れません" in html
        assert "白紙のシートを印刷" in html
        assert reverse("intake:sheet_blank_pdf") in html
        assert ConnectSheet.objects.count() == 0

    @pytest.mark.parametrize(
        "overrides, field, message",
        [
            ({"consent_date": ""}, "consent_date", "本人が同意した日を入力してください。"),
            ({"name_kana": "架空"}, "name_kana", "ふりがなは、ひらがなかカタカナで"),
            ({"birth_date": "2999-1-1"}, "birth_date", "未来の日付は入力できません。"),
            ({"age": "30"}, "age", "生年月日から計算した年齢"),
            ({"home_phone": "12-34"}, "home_phone", "電話番号の形式が正しくありません"),
            ({"topics": []}, "topics", "相談内容を1つ以上選んでください。"),
            ({"topics": ["other"]}, "topic_other", "「その他」の内容を入力してください。"),
            (
                {"contact_method": "mobile"},
                "mobile_phone",
                "携帯電話の番号を入力してください。",
            ),
            ({"details": ""}, "details", "具体的な内容を入力してください。"),
        ],
    )
    def test_invalid_input_saves_nothing(self, client_for, municipal, overrides, field, message):
        response = client_for(municipal).post(reverse("intake:sheet_new"), sheet_data(**overrides))
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert any(message in e for e in errors[field]), errors
        assert ConnectSheet.objects.count() == 0

    def test_age_alone_is_kept(self, client_for, municipal):
        client_for(municipal).post(reverse("intake:sheet_new"), sheet_data(birth_date="", age="48"))
        sheet = ConnectSheet.objects.get()
        assert sheet.birth_date is None and sheet.age == 48

    def test_administrator_without_agency_gets_404(self, client_for, admin_user):
        response = client_for(admin_user).post(reverse("intake:sheet_new"), sheet_data())
        assert response.status_code == 404
        assert ConnectSheet.objects.count() == 0


class TestWhoSeesWhichSheet:
    def test_sender_sees_only_own_sheets(
        self, client_for, municipal, municipal_agency, other_municipal
    ):
        mine = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency, name="自分 の")
        theirs = ConnectSheetFactory(
            sender=other_municipal,
            sender_agency=other_municipal.primary_agency,
            name="他人 の",
        )
        client = client_for(municipal)

        listed = client.get(reverse("intake:sheet_list"))
        assert list(listed.context["page"]) == [mine]
        assert "他人 の" not in listed.content.decode()
        assert client.get(reverse("intake:sheet_detail", args=[mine.pk])).status_code == 200
        assert client.get(reverse("intake:sheet_detail", args=[theirs.pk])).status_code == 404
        assert client.get(reverse("intake:sheet_pdf", args=[theirs.pk])).status_code == 404

    def test_colleague_of_the_same_department_does_not_see_it(
        self, client_for, municipal, municipal_agency
    ):
        colleague = staff(municipal_agency, Role.MUNICIPAL_STAFF, username="colleague")
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        response = client_for(colleague).get(reverse("intake:sheet_detail", args=[sheet.pk]))
        assert response.status_code == 404

    def test_desk_sees_all_sheets_unanswered_first(
        self, client_for, desk, desk_agency, municipal, municipal_agency, other_municipal
    ):
        answered = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        services.sheet_return(actor=desk, sheet=answered, note="担当課で対応してください")
        first = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        second = ConnectSheetFactory(
            sender=other_municipal, sender_agency=other_municipal.primary_agency
        )

        page = client_for(desk).get(reverse("intake:sheet_list")).context["page"]

        assert list(page) == [second, first, answered]

    def test_detail_read_is_logged(self, client_for, desk, municipal, municipal_agency):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        client_for(desk).get(reverse("intake:sheet_detail", args=[sheet.pk]))
        assert AccessLog.objects.filter(
            user=desk, object_type="intake.connectsheet", object_id=str(sheet.pk)
        ).exists()

    @pytest.mark.parametrize("persona", ["partner", "outsider"])
    def test_case_workers_outside_the_desk_get_404(
        self, request, client_for, municipal, municipal_agency, persona
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        user = request.getfixturevalue(persona)
        assert (
            client_for(user).get(reverse("intake:sheet_detail", args=[sheet.pk])).status_code == 404
        )

    def test_sender_sees_status_but_nothing_of_the_consultation(
        self, client_for, desk, desk_agency, municipal, municipal_agency
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        consultation = services.sheet_take_up(actor=desk, sheet=sheet, agency=desk_agency)
        client = client_for(municipal)

        detail = client.get(reverse("intake:sheet_detail", args=[sheet.pk])).content.decode()
        listing = client.get(reverse("intake:sheet_list")).content.decode()

        assert "窓口で受付済み" in detail and "窓口で受付済み" in listing
        url = reverse("intake:consultation_detail", args=[consultation.pk])
        assert url not in detail and url not in listing
        assert client.get(url).status_code == 404


class TestTakeUpAndReturn:
    def test_desk_takes_up_a_sheet(
        self, client_for, desk, desk_agency, municipal, municipal_agency
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)

        response = client_for(desk).post(reverse("intake:sheet_take_up", args=[sheet.pk]))

        consultation = Consultation.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("intake:consultation_detail", args=[consultation.pk])
        assert consultation.channel == Channel.MUNICIPAL
        assert consultation.agency == desk_agency
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.TAKEN_UP and sheet.consultation == consultation

    def test_sender_cannot_take_up_own_sheet(self, client_for, municipal, municipal_agency):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        response = client_for(municipal).post(reverse("intake:sheet_take_up", args=[sheet.pk]))
        assert response.status_code == 403
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.SENT
        assert Consultation.objects.count() == 0

    @pytest.mark.parametrize("persona", ["partner", "outsider", "other_municipal", "admin_user"])
    def test_others_get_404_and_nothing_changes(
        self, request, client_for, municipal, municipal_agency, persona
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        client = client_for(request.getfixturevalue(persona))
        assert client.post(reverse("intake:sheet_take_up", args=[sheet.pk])).status_code == 404
        response = client.post(reverse("intake:sheet_return", args=[sheet.pk]), {"note": "x"})
        assert response.status_code == 404
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.SENT and sheet.desk_note == ""
        assert Consultation.objects.count() == 0

    def test_take_up_twice_is_refused(
        self, client_for, desk, desk_agency, municipal, municipal_agency
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        client = client_for(desk)
        client.post(reverse("intake:sheet_take_up", args=[sheet.pk]))
        response = client.post(reverse("intake:sheet_take_up", args=[sheet.pk]), follow=True)
        assert "すでに受付済み" in response.content.decode()
        assert Consultation.objects.count() == 1

    def test_return_with_a_note_is_shown_to_the_sender(
        self, client_for, desk, municipal, municipal_agency
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        response = client_for(desk).post(
            reverse("intake:sheet_return", args=[sheet.pk]),
            {"note": "生活保護の担当につないでください"},
        )
        assert response.status_code == 302
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.RETURNED
        html = client_for(municipal).get(reverse("intake:sheet_detail", args=[sheet.pk]))
        html = html.content.decode()
        assert "差し戻し" in html and "生活保護の担当につないでください" in html

    def test_return_without_a_note_changes_nothing(
        self, client_for, desk, municipal, municipal_agency
    ):
        sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
        response = client_for(desk).post(
            reverse("intake:sheet_return", args=[sheet.pk]), {"note": ""}
        )
        assert response.status_code == 200
        assert "差し戻しの理由を入力してください。" in response.content.decode()
        sheet.refresh_from_db()
        assert sheet.status == SheetStatus.SENT
