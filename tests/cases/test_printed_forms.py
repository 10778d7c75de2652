"""アセスメントシート and フェイスシート: real A4 PDFs read back with pdftotext; 住所秘匿
withheld from a reader outside the lead agency; 404 for those who cannot see the case
or household; the export logged."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from cases import services
from cases.choices import CaseStatus
from cases.models import AssessmentIssue
from tests.cases.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.pdf_helpers import embedded_fonts, page_size_mm, pdf_text


@pytest.fixture
def assessed(scenario, desk):
    case, person, _plan = scenario["confidential"]
    issue = AssessmentIssue.objects.create(name="8050問題", order=1)
    assessment = services.assessment_create(
        actor=desk,
        case=case,
        assessed_on=dt.date(2025, 4, 10),
        household_overview="母と長男の二人暮らし。家計が苦しい。",
        issues=[issue],
        members=[{"person": person, "situation": "就労していない", "strengths": "料理が得意"}],
    )
    return case, person, assessment


def test_assessment_sheet_for_the_lead_shows_the_address(tmp_path, client_for, desk, assessed):
    case, person, assessment = assessed
    url = reverse("cases:assessment_pdf", args=[case.pk, assessment.pk])

    response = client_for(desk).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(tmp_path, response.content)
    for expected in ["アセスメントシート", "世帯全体の状況", "令和7年4月10日", person.full_name]:
        assert expected in text, expected
    assert "母と長男の二人暮らし" in text and "8050問題" in text and "料理が得意" in text
    assert SECRET_ADDRESS in text
    assert page_size_mm(tmp_path, response.content) == (210, 297)
    assert any("CJK" in f or "Noto" in f for f in embedded_fonts(tmp_path, response.content))
    exported = AccessLog.objects.filter(user=desk, outcome=AccessLog.Outcome.EXPORT)
    assert exported.filter(object_type="cases.case", object_id=str(case.pk)).exists()
    assert exported.filter(person_id=person.pk).exists()


def test_assessment_sheet_hides_the_secret_address_from_a_partner(
    tmp_path, client_for, partner, assessed
):
    case, person, assessment = assessed
    url = reverse("cases:assessment_pdf", args=[case.pk, assessment.pk])

    response = client_for(partner).get(url)

    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    assert "アセスメントシート" in text and person.full_name in text
    assert SECRET_ADDRESS not in text and SECRET_PHONE not in text
    assert "（秘匿）" in text


def test_assessment_sheet_is_404_for_an_outsider_and_of_another_case(
    client_for, outsider, desk, assessed, scenario
):
    case, _person, assessment = assessed
    other_case = scenario["own"][0]

    assert (
        client_for(outsider)
        .get(reverse("cases:assessment_pdf", args=[case.pk, assessment.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(desk)
        .get(reverse("cases:assessment_pdf", args=[other_case.pk, assessment.pk]))
        .status_code
        == 404
    )


def test_facesheet_lists_members_cases_roles_and_consents(tmp_path, client_for, desk, scenario):
    case, person, _plan = scenario["confidential"]
    services.case_transition(actor=desk, case=case, to_status=CaseStatus.ASSESSMENT)
    url = reverse("cases:facesheet_pdf", args=[case.household_id])

    response = client_for(desk).get(url)

    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    for expected in [
        "フェイスシート",
        "世帯員",
        "続柄",
        "関わっている機関",
        "本人同意",
        "支援中のケース",
    ]:
        assert expected in text, expected
    assert person.full_name in text and case.title in text
    assert "45歳" in text or "44歳" in text or "46歳" in text  # born 1980-05-05
    assert SECRET_ADDRESS in text and SECRET_PHONE in text
    assert page_size_mm(tmp_path, response.content) == (210, 297)
    assert AccessLog.objects.filter(
        user=desk, person_id=person.pk, outcome=AccessLog.Outcome.EXPORT
    ).exists()


def test_facesheet_hides_the_secret_address_from_a_partner(tmp_path, client_for, partner, scenario):
    case, person, _plan = scenario["confidential"]

    response = client_for(partner).get(reverse("cases:facesheet_pdf", args=[case.household_id]))

    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    assert "フェイスシート" in text and person.full_name in text
    assert SECRET_ADDRESS not in text and SECRET_PHONE not in text
    assert "（秘匿）" in text


def test_facesheet_is_404_for_an_outsider(client_for, outsider, scenario):
    case, _person, _plan = scenario["confidential"]

    response = client_for(outsider).get(reverse("cases:facesheet_pdf", args=[case.household_id]))

    assert response.status_code == 404
    assert not AccessLog.objects.filter(user=outsider, outcome=AccessLog.Outcome.EXPORT).exists()
