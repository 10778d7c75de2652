"""Issue 19 at intake: 同意あり records a real 本人同意 (asking what it covers), new
households are asked their 行政区, and a つなぐシート taken up registers its person."""

import pytest
from django.urls import reverse

from households.models import Consent, District, Household
from intake.models import Consultation
from tests.factories_intake import ConnectSheetFactory

NEW = reverse("intake:consultation_new")


def _new_household(**extra):
    data = {
        "p1_family_name": "鈴木",
        "p1_given_name": "和子",
        "p1_family_name_kana": "すずき",
        "p1_given_name_kana": "かずこ",
        "p1_birth_date": "S25.3.3",
        "p1_sex": "female",
        "p1_relationship": "head",
        "p1_concerned": "on",
    }
    data.update(extra)
    return data


def test_consent_yes_records_a_consent_with_its_agencies(
    client_for, desk, partner_agency, consultation_data
):
    response = client_for(desk).post(
        NEW,
        consultation_data(
            consent_status="yes",
            consent_agencies=[partner_agency.pk],
            consent_purpose="介護サービスの調整のため",
            consent_method="signed",
            **_new_household(),
        ),
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.person.full_name == "鈴木 和子"
    assert list(consent.agencies.all()) == [partner_agency]
    assert consent.purpose == "介護サービスの調整のため" and consent.method == "signed"
    assert list(Consultation.objects.get().recorded_consents.all()) == [consent]


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"consent_agencies": []}, "consent_agencies", "同意した機関を1つ以上選んでください"),
        ({"consent_purpose": ""}, "consent_purpose", "同意の目的を入力してください。"),
    ],
)
def test_consent_yes_without_what_it_covers_is_refused(
    client_for, desk, partner_agency, consultation_data, overrides, field, message
):
    data = {
        "consent_status": "yes",
        "consent_agencies": [partner_agency.pk],
        "consent_purpose": "共有",
        "consent_method": "oral",
        **_new_household(),
    }
    data.update(overrides)
    response = client_for(desk).post(NEW, consultation_data(**data))
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert Consultation.objects.count() == Consent.objects.count() == Household.objects.count() == 0


def test_new_household_is_asked_its_district(client_for, desk, consultation_data):
    district = District.objects.create(name="本町区")
    client = client_for(desk)
    response = client.post(NEW, consultation_data(**_new_household()))
    assert response.status_code == 200
    assert "行政区を選んでください" in response.content.decode()
    assert Household.objects.count() == 0

    client.post(NEW, consultation_data(nh_district=district.pk, **_new_household()))
    assert Household.objects.get().district == district


def test_taking_up_a_sheet_registers_its_person_with_the_district(
    client_for, desk, municipal, municipal_agency
):
    district = District.objects.create(name="本町区")
    sheet = ConnectSheetFactory(
        sender=municipal, sender_agency=municipal_agency, name="架空 太郎", name_kana="カクウタロウ"
    )
    client = client_for(desk)
    page = client.get(reverse("intake:sheet_detail", args=[sheet.pk]))
    assert page.context["take_up_form"] is not None  # asks for せい/めい and 行政区

    refused = client.post(
        reverse("intake:sheet_take_up", args=[sheet.pk]), {"register_household": "on"}
    )
    assert refused.status_code == 200
    errors = refused.context["take_up_form"].errors
    assert "family_name_kana" in errors and "district" in errors
    assert Consultation.objects.count() == 0

    response = client.post(
        reverse("intake:sheet_take_up", args=[sheet.pk]),
        {
            "register_household": "on",
            "family_name_kana": "かくう",
            "given_name_kana": "たろう",
            "district": district.pk,
        },
    )
    consultation = Consultation.objects.get()
    assert response.url == reverse("intake:consultation_detail", args=[consultation.pk])
    assert consultation.household.district == district
    person = consultation.persons.get()
    assert (person.family_name_kana, person.given_name_kana) == ("カクウ", "タロウ")
    assert person.full_name == "架空 太郎" and person.birth_date == sheet.birth_date


def test_the_only_category_is_the_main_one_and_two_mains_are_refused(
    client_for, desk, consultation_data
):
    from tests.factories_intake import category

    care, debt = category("介護"), category("債務")
    client = client_for(desk)
    two = client.post(
        NEW, consultation_data(categories=[care.pk, debt.pk], primary_category=[care.pk, debt.pk])
    )
    assert "主な相談内容は1つだけ選んでください。" in two.content.decode()
    assert Consultation.objects.count() == 0
    client.post(NEW, consultation_data(categories=[debt.pk], primary_category=""))
    assert Consultation.objects.get().primary_category == debt
