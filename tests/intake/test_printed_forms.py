"""相談受付票: an A4 PDF read back with pdftotext; 住所秘匿 withheld from a reader of
another agency who sees the consultation through its case; 404 for an outsider."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from cases import services as case_services
from cases.choices import GrantScope
from tests.cases.conftest import SECRET_ADDRESS, SECRET_PHONE, make_case
from tests.factories import ConsentFactory
from tests.factories_intake import ConsultationFactory, category
from tests.pdf_helpers import embedded_fonts, page_size_mm, pdf_text


@pytest.fixture
def secret_consultation(desk, desk_agency, partner_agency):
    """A consultation about a 住所秘匿 household, on a case shared in full with the
    partner agency (so the partner sees the consultation, not the address)."""
    case, person, _plan = make_case(
        desk=desk, desk_agency=desk_agency, title="秘匿ケース", confidential=True
    )
    consultation = ConsultationFactory(
        agency=desk_agency,
        received_by=desk,
        received_at=timezone.make_aware(dt.datetime(2025, 5, 12, 10, 30)),
        household=case.household,
        persons=[person],
        categories=[category("介護"), category("収入・生活費")],
        primary_category=category("介護"),
        summary="母の介護と家計の相談",
    )
    case_services.case_link_consultation(actor=desk, case=case, consultation=consultation)
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    case_services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.FULL, consent=consent
    )
    return consultation, person


def test_consultation_form_for_the_desk(tmp_path, client_for, desk, secret_consultation):
    consultation, person = secret_consultation

    response = client_for(desk).get(reverse("intake:consultation_pdf", args=[consultation.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(tmp_path, response.content)
    for expected in ["相談受付票", "相談方法", "主訴", "対応結果", "令和7年5月12日 10:30"]:
        assert expected in text, expected
    assert person.full_name in text and "母の介護と家計の相談" in text
    assert "■ 介護（主）" in text and "■ 電話" in text and "□ 来所" in text
    assert SECRET_ADDRESS in text and SECRET_PHONE in text
    assert page_size_mm(tmp_path, response.content) == (210, 297)
    assert any("CJK" in f or "Noto" in f for f in embedded_fonts(tmp_path, response.content))
    exported = AccessLog.objects.filter(user=desk, outcome=AccessLog.Outcome.EXPORT)
    assert exported.filter(object_id=str(consultation.pk), detail="consultation_pdf").exists()
    assert exported.filter(person_id=person.pk).exists()


def test_consultation_form_hides_the_secret_address_from_a_partner(
    tmp_path, client_for, partner, secret_consultation
):
    consultation, person = secret_consultation

    response = client_for(partner).get(reverse("intake:consultation_pdf", args=[consultation.pk]))

    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    assert "相談受付票" in text and person.full_name in text
    assert SECRET_ADDRESS not in text and SECRET_PHONE not in text
    assert "（秘匿）" in text


def test_consultation_form_is_404_for_an_outsider(client_for, outsider, secret_consultation):
    consultation, _person = secret_consultation

    response = client_for(outsider).get(reverse("intake:consultation_pdf", args=[consultation.pk]))

    assert response.status_code == 404
    assert not AccessLog.objects.filter(user=outsider, outcome=AccessLog.Outcome.EXPORT).exists()
