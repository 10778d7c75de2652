"""One rule for passing a person's details to the desk (issue 13 item 6).

A partner's referral into the desk (referrals:to_desk) carries the person's name, birth
date and contact, as a つなぐシート (intake:sheet_new) does. Both need the same recorded
basis: the person's consent (with its day), or a legal exemption with its reason
(households.access.require_basis_to_pass_on).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog
from households.choices import ExemptionReason
from intake.models import ConnectSheet, Consultation, ConsultationCategory
from tests.intake.test_sheet_views import sheet_data

REFUSED = "本人の同意がなく、法令上の例外の記録もないため送れません"
REASON = "本人が自宅で倒れているおそれがあり、家族とも連絡が取れない"


@pytest.fixture
def other_category(db):
    category, _ = ConsultationCategory.objects.get_or_create(
        name="その他", defaults={"statistics_group": "その他"}
    )
    return category


def _to_desk(desk_agency, category, **overrides):
    data = {
        "desk_agency": desk_agency.pk,
        "person_name": "高橋 一郎",
        "person_name_kana": "たかはし いちろう",
        "person_birth_date": "S35.1.2",
        "person_contact": "090-1111-2222 架空町大字本町1番地",
        "categories": [category.pk],
        "summary": "借金の相談をしたい",
        "urgency": "soon",
        "consent_status": "unknown",
        "consent_date": "",
        "exemption_reason": "",
        "exemption_note": "",
    }
    data.update(overrides)
    return data


def test_partner_without_consent_or_exemption_is_refused_and_nothing_saved(
    client_for, partner, desk, desk_agency, other_category
):
    client = client_for(partner)
    actions = ActionLog.objects.count()
    for consent_status in ("unknown", "no"):
        response = client.post(
            reverse("referrals:to_desk"),
            _to_desk(desk_agency, other_category, consent_status=consent_status),
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert REFUSED in html
        assert "高橋 一郎" in html  # what was typed stays in the form
    assert not Consultation.objects.exists()
    assert ActionLog.objects.count() == actions


def test_partner_with_consent_needs_its_day(client_for, partner, desk_agency, other_category):
    response = client_for(partner).post(
        reverse("referrals:to_desk"), _to_desk(desk_agency, other_category, consent_status="yes")
    )
    assert "本人が同意した日を入力してください。" in response.content.decode()
    assert not Consultation.objects.exists()


def test_partner_with_consent_is_accepted_and_the_day_recorded(
    client_for, partner, desk_agency, other_category
):
    day = timezone.localdate() - dt.timedelta(days=1)
    response = client_for(partner).post(
        reverse("referrals:to_desk"),
        _to_desk(desk_agency, other_category, consent_status="yes", consent_date=day.isoformat()),
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert (consultation.consent_status, consultation.consent_on) == ("yes", day)
    assert consultation.exemption_reason == ""


def test_an_exemption_without_its_reason_is_refused(
    client_for, partner, desk_agency, other_category
):
    response = client_for(partner).post(
        reverse("referrals:to_desk"),
        _to_desk(desk_agency, other_category, exemption_reason=ExemptionReason.LIFE),
    )
    assert "法令上の例外とする具体的な理由を入力してください。" in response.content.decode()
    assert not Consultation.objects.exists()


def test_partner_with_an_exemption_and_its_reason_is_accepted_and_the_reason_recorded(
    client_for, partner, partner_agency, desk_agency, other_category
):
    response = client_for(partner).post(
        reverse("referrals:to_desk"),
        _to_desk(
            desk_agency,
            other_category,
            consent_status="no",
            exemption_reason=ExemptionReason.LIFE,
            exemption_note=REASON,
        ),
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.caller_agency == partner_agency
    assert consultation.exemption_reason == ExemptionReason.LIFE
    assert consultation.exemption_note == REASON
    action = ActionLog.objects.get(action="intake.consultation.created")
    assert action.data["exemption_reason"] == ExemptionReason.LIFE


def test_the_service_refuses_too(partner, partner_agency, desk_agency, other_category):
    """The rule holds below the form: a caller that skips the form is refused alike."""
    from referrals import services

    with pytest.raises(services.ReferralRefused, match=REFUSED):
        services.desk_referral_create(
            actor=partner,
            from_agency=partner_agency,
            desk_agency=desk_agency,
            person_name="高橋 一郎",
            person_birth_date=dt.date(1960, 1, 2),
            person_contact="090-1111-2222",
            summary="相談",
            categories=[other_category],
        )
    assert not Consultation.objects.exists()


# ------------------------------------------------------------- the same rule on the sheet


def test_a_sheet_with_an_exemption_and_its_reason_is_sent_and_the_reason_recorded(
    client_for, municipal
):
    response = client_for(municipal).post(
        reverse("intake:sheet_new"),
        sheet_data(
            consent_given=None,
            consent_date="",
            exemption_reason=ExemptionReason.LIFE,
            exemption_note=REASON,
        ),
    )
    assert response.status_code == 302
    sheet = ConnectSheet.objects.get()
    assert not sheet.consent_given
    assert (sheet.exemption_reason, sheet.exemption_note) == (ExemptionReason.LIFE, REASON)


def test_a_sheet_without_consent_or_exemption_gives_the_same_refusal(client_for, municipal):
    response = client_for(municipal).post(
        reverse("intake:sheet_new"), sheet_data(consent_given=None, consent_date="")
    )
    assert REFUSED in response.content.decode()
    assert not ConnectSheet.objects.exists()


def test_taking_up_a_sheet_sent_on_an_exemption_carries_the_reason(
    desk, municipal, municipal_agency
):
    from intake import services
    from tests.factories_intake import ConnectSheetFactory

    sheet = ConnectSheetFactory(
        sender=municipal,
        sender_agency=municipal_agency,
        consent_given=False,
        consent_date=None,
        exemption_reason=ExemptionReason.LAW,
        exemption_note=REASON,
    )
    consultation = services.sheet_take_up(actor=desk, sheet=sheet, agency=desk.primary_agency)
    assert (consultation.exemption_reason, consultation.exemption_note) == (
        ExemptionReason.LAW,
        REASON,
    )


def test_an_exemption_asks_for_the_password_when_it_is_not_fresh(
    client_for, partner, desk_agency, other_category
):
    from tests.auth_helpers import make_stale

    client = client_for(partner)
    make_stale(client)
    data = _to_desk(
        desk_agency, other_category, exemption_reason=ExemptionReason.LIFE, exemption_note=REASON
    )
    response = client.post(reverse("referrals:to_desk"), data)
    assert "パスワードをもう一度入力してください" in response.content.decode()
    assert not Consultation.objects.exists()
    response = client.post(
        reverse("referrals:to_desk"), {**data, "reauth_password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert Consultation.objects.get().exemption_note == REASON
