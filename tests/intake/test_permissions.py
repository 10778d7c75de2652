"""Every intake URL (and the intake views in cases) as every persona.

The desk's consultation and case, and a sheet sent by the 税務課 庁内職員, are the
objects asked about. A consultation or sheet the user may not see answers 404; a sheet
the sender sees but only the desk acts on answers 403.
"""

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.choices import CasePersonRole
from intake.models import ConnectSheet, Consultation
from tests.auth_helpers import login_verified
from tests.factories_intake import ConnectSheetFactory, ConsultationFactory

PERSONAS = [
    "desk",
    "coordinator",
    "manager",
    "partner",
    "outsider",
    "municipal",
    "other_municipal",
    "admin_user",
    "anonymous",
]

OK, REDIRECT, FORBIDDEN, NOT_FOUND, LOGIN = 200, 302, 403, 404, "login"

DESK_ONLY = {
    "desk": OK,
    "coordinator": OK,
    "manager": OK,
    "partner": NOT_FOUND,
    "outsider": NOT_FOUND,
    "municipal": NOT_FOUND,
    "other_municipal": NOT_FOUND,
    "admin_user": NOT_FOUND,
    "anonymous": LOGIN,
}
CASE_WORKERS = DESK_ONLY | {"partner": OK, "outsider": OK}
ANY_MEMBER = CASE_WORKERS | {"municipal": OK, "other_municipal": OK}
SHEET_READERS = DESK_ONLY | {"municipal": OK}
DESK_ACTS = DESK_ONLY | {"desk": REDIRECT, "coordinator": REDIRECT, "manager": REDIRECT}
SHEET_ACTIONS = DESK_ACTS | {"municipal": FORBIDDEN}

# (name, method, url builder, expected by persona)
MATRIX = [
    (
        "consultation_list",
        "get",
        lambda o: reverse("intake:consultation_list"),
        CASE_WORKERS | {"municipal": REDIRECT, "other_municipal": REDIRECT},
    ),
    ("consultation_new", "get", lambda o: reverse("intake:consultation_new"), CASE_WORKERS),
    (
        "consultation_detail",
        "get",
        lambda o: reverse("intake:consultation_detail", args=[o["consultation"].pk]),
        DESK_ONLY,
    ),
    (
        "consultation_edit",
        "get",
        lambda o: reverse("intake:consultation_edit", args=[o["consultation"].pk]),
        DESK_ONLY,
    ),
    (
        "household_members",
        "get",
        lambda o: reverse("intake:household_members") + f"?household={o['household'].pk}",
        DESK_ONLY,
    ),
    ("sheet_list", "get", lambda o: reverse("intake:sheet_list"), ANY_MEMBER),
    ("sheet_new", "get", lambda o: reverse("intake:sheet_new"), ANY_MEMBER),
    ("sheet_blank_pdf", "get", lambda o: reverse("intake:sheet_blank_pdf"), ANY_MEMBER),
    (
        "sheet_detail",
        "get",
        lambda o: reverse("intake:sheet_detail", args=[o["sheet"].pk]),
        SHEET_READERS,
    ),
    (
        "sheet_pdf",
        "get",
        lambda o: reverse("intake:sheet_pdf", args=[o["sheet"].pk]),
        SHEET_READERS,
    ),
    (
        "sheet_take_up",
        "post",
        lambda o: reverse("intake:sheet_take_up", args=[o["sheet"].pk]),
        SHEET_ACTIONS,
    ),
    (
        "sheet_return",
        "post",
        lambda o: reverse("intake:sheet_return", args=[o["sheet"].pk]),
        SHEET_ACTIONS,
    ),
    (
        "cases:consultation_add",
        "get",
        lambda o: reverse("cases:consultation_add", args=[o["case"].pk]),
        DESK_ONLY,
    ),
    (
        "cases:consultation_link",
        "get",
        lambda o: reverse("cases:consultation_link", args=[o["consultation"].pk]),
        DESK_ONLY,
    ),
]


@pytest.fixture
def objects(desk, desk_agency, household, members, municipal, municipal_agency):
    consultation = ConsultationFactory(
        agency=desk_agency, received_by=desk, household=household, persons=members
    )
    case = case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="山田さん世帯の支援",
        persons=[(members[0], CasePersonRole.PRINCIPAL)],
    )
    sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
    return {"consultation": consultation, "case": case, "sheet": sheet, "household": household}


def _state():
    return (
        Consultation.objects.count(),
        list(ConnectSheet.objects.values_list("pk", "status", "desk_note")),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name, method, url, expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_matrix(request, client, objects, persona, name, method, url, expected):
    # Every persona exists in every run, so "other_municipal" etc. are real users.
    users = {p: request.getfixturevalue(p) for p in PERSONAS if p != "anonymous"}
    if persona != "anonymous":
        login_verified(client, users[persona])
    before = _state()

    data = {"note": "担当課で対応してください"} if method == "post" else None
    response = getattr(client, method)(url(objects), data)

    want = expected[persona]
    if want == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == want, (name, persona)
    if method == "post" and want != REDIRECT:
        assert _state() == before
