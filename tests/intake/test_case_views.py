"""cases/views_intake.py: 継続相談 on a case, and linking a consultation to a case."""

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.choices import CasePersonRole
from cases.models import CaseConsultation, CasePerson
from intake.choices import Outcome
from intake.models import Consultation
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_intake import ConsultationFactory, category


@pytest.fixture
def case(desk, desk_agency, household, members):
    return case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="山田さん世帯の支援",
        persons=[(members[0], CasePersonRole.PRINCIPAL)],
    )


class TestContinuation:
    def test_form_offers_the_case_household_members(self, client_for, desk, case, members):
        response = client_for(desk).get(reverse("cases:consultation_add", args=[case.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('name="persons"') == 2
        # The case's persons are ticked; there is no household lookup or new household.
        assert f'name="persons" value="{members[0].pk}" checked' in html
        assert "households/lookup" not in html and "新しい世帯" not in html

    def test_records_a_continuation_linked_to_the_case(
        self, client_for, desk, desk_agency, case, members, consultation_data
    ):
        response = client_for(desk).post(
            reverse("cases:consultation_add", args=[case.pk]),
            consultation_data(persons=[members[1].pk], outcome="ongoing"),
        )

        assert response.status_code == 302
        assert response.url == reverse("cases:case_detail", args=[case.pk])
        c = Consultation.objects.get()
        assert c.is_continuation is True
        assert c.household == case.household
        assert c.agency == desk_agency
        assert c.case_link.case == case
        assert list(c.persons.all()) == [members[1]]
        # The person concerned joins the case.
        assert CasePerson.objects.filter(case=case, person=members[1]).exists()

    def test_person_outside_the_household_is_refused(
        self, client_for, desk, desk_agency, case, consultation_data
    ):
        stranger = PersonFactory(
            household=HouseholdFactory(registered_by_agency=desk_agency, actor=desk), actor=desk
        )
        response = client_for(desk).post(
            reverse("cases:consultation_add", args=[case.pk]),
            consultation_data(persons=[stranger.pk]),
        )
        assert response.status_code == 200
        assert Consultation.objects.count() == 0
        assert CaseConsultation.objects.count() == 0

    def test_invalid_input_links_nothing(self, client_for, desk, case, members, consultation_data):
        response = client_for(desk).post(
            reverse("cases:consultation_add", args=[case.pk]),
            consultation_data(persons=[members[0].pk], categories=[], primary_category=""),
        )
        assert response.status_code == 200
        assert "相談内容を1つ以上選んでください。" in response.content.decode()
        assert Consultation.objects.count() == 0

    @pytest.mark.parametrize("persona", ["partner", "outsider", "municipal", "admin_user"])
    def test_others_get_404_and_nothing_is_saved(
        self, request, client_for, case, members, consultation_data, persona
    ):
        client = client_for(request.getfixturevalue(persona))
        url = reverse("cases:consultation_add", args=[case.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, consultation_data(persons=[members[0].pk])).status_code == 404
        assert Consultation.objects.count() == 0


class TestLinkToExistingCase:
    def test_links_and_marks_as_continuation(
        self, client_for, desk, desk_agency, household, members, case
    ):
        c = ConsultationFactory(
            agency=desk_agency,
            received_by=desk,
            household=household,
            persons=[members[1]],
            outcome=Outcome.ONGOING,
            categories=[category("債務")],
        )
        url = reverse("cases:consultation_link", args=[c.pk])
        client = client_for(desk)

        fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert f'value="{case.pk}"' in fragment and "山田さん世帯の支援" in fragment

        response = client.post(url, {"case": case.pk})

        assert response.status_code == 302
        assert response.url == reverse("cases:case_detail", args=[case.pk])
        c.refresh_from_db()
        assert c.case_link.case == case
        assert c.is_continuation is True

    def test_case_of_another_household_cannot_be_chosen(
        self, client_for, desk, desk_agency, household, members, case
    ):
        other = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
        person = PersonFactory(household=other, actor=desk)
        c = ConsultationFactory(
            agency=desk_agency, received_by=desk, household=other, persons=[person]
        )
        response = client_for(desk).post(
            reverse("cases:consultation_link", args=[c.pk]), {"case": case.pk}
        )
        assert response.status_code == 200
        assert "選んだケースには結び付けられません。" in response.content.decode()
        assert CaseConsultation.objects.filter(consultation=c).count() == 0

    def test_outsider_gets_404(
        self, client_for, desk, desk_agency, household, members, case, outsider
    ):
        c = ConsultationFactory(agency=desk_agency, received_by=desk, household=household)
        response = client_for(outsider).post(
            reverse("cases:consultation_link", args=[c.pk]), {"case": case.pk}
        )
        assert response.status_code == 404
        assert CaseConsultation.objects.filter(consultation=c).count() == 0
