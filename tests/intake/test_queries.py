"""Every list answers in a number of queries that does not grow with its rows."""

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.choices import CasePersonRole
from intake.choices import Outcome
from tests.factories import HouseholdFactory, PersonFactory
from tests.factories_intake import ConnectSheetFactory, ConsultationFactory, category


def _consultations(n, *, desk, agency):
    """n consultations, each about a two-person household with two categories; every
    third one is on a case (so case_link is both present and absent)."""
    for i in range(n):
        household = HouseholdFactory(registered_by_agency=agency, actor=desk)
        persons = [PersonFactory(household=household, actor=desk) for _ in range(2)]
        c = ConsultationFactory(
            agency=agency,
            received_by=desk,
            household=household,
            persons=persons,
            categories=[category("介護"), category("債務")],
            outcome=Outcome.ONGOING,
        )
        if i % 3 == 0:
            case_services.case_open(
                actor=desk,
                household=household,
                lead_agency=agency,
                lead_staff=desk,
                title=f"ケース{i}",
                persons=[(persons[0], CasePersonRole.PRINCIPAL)],
                consultation=c,
            )


# The consultation list, as desk staff:
#   1 session, 2 user, 3 the session's 2FA device (django-otp),
#   4 the user's memberships (roles, agency ids, groups, desk staff and the agency they
#     act for, in one query), 5 COUNT for the paginator, 6 COUNT of 未ケース化 for the
#     badge, 7 the page of consultations with household, received_by, agency and
#     case_link joined, 8 prefetch category links with their categories, 9 prefetch
#     persons, 10 the read of the listed consultations (AccessLog, one INSERT).
#   No session save: the idle deadline slides once a minute, not on every request.
CONSULTATION_LIST_QUERIES = 10


@pytest.mark.parametrize("rows", [2, 20])
def test_consultation_list_query_count(
    rows, client_for, desk, desk_agency, django_assert_num_queries
):
    _consultations(rows, desk=desk, agency=desk_agency)
    client = client_for(desk)
    with django_assert_num_queries(CONSULTATION_LIST_QUERIES):
        response = client.get(reverse("intake:consultation_list"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_awaiting_filter_query_count(
    rows, client_for, desk, desk_agency, django_assert_num_queries
):
    _consultations(rows, desk=desk, agency=desk_agency)
    client = client_for(desk)
    # The same queries as the full list; the filter only narrows query 5 and 8.
    with django_assert_num_queries(CONSULTATION_LIST_QUERIES):
        response = client.get(reverse("intake:consultation_list"), {"show": "awaiting"})
    assert len(response.context["page"]) == rows - len(range(0, rows, 3))


# The sheet list:
#   1 session, 2 user, 3 the session's 2FA device, 4 the user's memberships (the agency
#   they act for: may they send sheets at all; desk staff; the roles for the menu),
#   5 COUNT for the paginator, 6 the page of sheets with sender and sender_agency
#   joined, 7 the read of the listed sheets (AccessLog, one INSERT).
SHEET_LIST_QUERIES = 7


@pytest.mark.parametrize("rows", [2, 20])
def test_sheet_list_query_count_for_the_desk(
    rows, client_for, desk, municipal, municipal_agency, other_municipal, django_assert_num_queries
):
    for i in range(rows):
        sender = municipal if i % 2 else other_municipal
        ConnectSheetFactory(sender=sender, sender_agency=sender.primary_agency)
    client = client_for(desk)
    with django_assert_num_queries(SHEET_LIST_QUERIES):
        response = client.get(reverse("intake:sheet_list"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_sheet_list_query_count_for_the_sender(
    rows, client_for, municipal, municipal_agency, django_assert_num_queries
):
    for _ in range(rows):
        ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
    client = client_for(municipal)
    with django_assert_num_queries(SHEET_LIST_QUERIES):
        response = client.get(reverse("intake:sheet_list"))
    assert len(response.context["page"]) == rows
