"""The permission matrix: every case, household and intake URL × every persona × each
situation. A case the user may not see answers 404 (not 403), anonymous users are sent
to login, and 住所秘匿 data never reaches anyone but the lead agency."""

import pytest
from django.urls import reverse

from cases.models import AccessGrant, Case, CaseStatusChange, PlanReview, SupportPlan
from tests.auth_helpers import login_verified
from tests.cases.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.system_tools import require

# (url name, kwargs builder, level) — level is the scope the URL needs.
GET_URLS = [
    ("cases:case_detail", lambda c, p, pl: {"pk": c.pk}, "summary"),
    ("cases:case_edit", lambda c, p, pl: {"pk": c.pk}, "change"),
    ("cases:record_add", lambda c, p, pl: {"pk": c.pk}, "records"),
    ("cases:records_pdf", lambda c, p, pl: {"pk": c.pk}, "records"),
    ("cases:assessment_add", lambda c, p, pl: {"pk": c.pk}, "change"),
    ("cases:plan_add", lambda c, p, pl: {"pk": c.pk}, "change"),
    ("cases:plan_detail", lambda c, p, pl: {"pk": c.pk, "plan_pk": pl.pk}, "records"),
    ("cases:plan_edit", lambda c, p, pl: {"pk": c.pk, "plan_pk": pl.pk}, "change"),
    ("cases:plan_pdf", lambda c, p, pl: {"pk": c.pk, "plan_pk": pl.pk}, "records"),
    ("cases:case_share", lambda c, p, pl: {"pk": c.pk}, "change"),
    ("cases:access_preview", lambda c, p, pl: {"pk": c.pk}, "change"),
    ("households:detail", lambda c, p, pl: {"pk": c.household_id}, "records"),
    ("households:edit", lambda c, p, pl: {"pk": c.household_id}, "change"),
    ("households:member_add", lambda c, p, pl: {"pk": c.household_id}, "change"),
    ("households:consent_add", lambda c, p, pl: {"pk": c.household_id}, "change"),
]
POST_URLS = [
    (
        "cases:case_status",
        lambda c, p, pl: {"pk": c.pk},
        {"to_status": "closed", "on": "2024-01-01", "close_reason_kind": "other"},
    ),
    (
        "cases:plan_consent",
        lambda c, p, pl: {"pk": c.pk, "plan_pk": pl.pk},
        {"consent": "1", "consented_on": "2024-01-01"},
    ),
    ("cases:plan_approve", lambda c, p, pl: {"pk": c.pk, "plan_pk": pl.pk}, {}),
    (
        "cases:plan_review",
        lambda c, p, pl: {"pk": c.pk, "plan_pk": pl.pk},
        {"reviewed_on": "2024-01-01", "evaluation": "x", "outcome": "continue"},
    ),
    ("cases:plan_revise", lambda c, p, pl: {"pk": c.pk, "plan_pk": pl.pk}, {}),
    (
        "cases:record_add",
        lambda c, p, pl: {"pk": c.pk},
        {"occurred_on": "2024-01-01", "kind": "phone", "project": "2", "narrative": "不正な記録"},
    ),
]

DESK = {"own": "change", "shared": "change", "withdrawn": "change", "confidential": "change"}
PARTNER = {"own": None, "shared": "records", "withdrawn": None, "confidential": "records"}
NOTHING = {"own": None, "shared": None, "withdrawn": None, "confidential": None}
LEVELS = ["summary", "records", "full", "change"]

PERSONAS = {
    "desk": DESK,
    "coordinator": DESK,
    "manager": DESK,  # a manager of the desk agency sees its cases through that membership
    "partner": PARTNER,
    "outsider": NOTHING,
    "municipal": NOTHING,
    "admin_user": NOTHING,
}


def allowed(have, need):
    return have is not None and LEVELS.index(have) >= LEVELS.index(need)


def db_state():
    return (
        Case.objects.filter(status="closed").count(),
        CaseStatusChange.objects.count(),
        SupportPlan.objects.filter(status="consented").count(),
        PlanReview.objects.count(),
        SupportPlan.objects.count(),
        AccessGrant.objects.count(),
        __import__("cases.models", fromlist=["SupportRecord"]).SupportRecord.objects.count(),
    )


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_matrix(persona, request, client, scenario):
    user = request.getfixturevalue(persona)
    login_verified(client, user)
    expectations = PERSONAS[persona]
    problems = []
    for situation, (case, person, plan) in scenario.items():
        have = expectations[situation]
        for name, kwargs, need in GET_URLS:
            url = reverse(name, kwargs=kwargs(case, person, plan))
            response = client.get(url)
            want = 200 if allowed(have, need) else 404
            if response.status_code != want:
                problems.append(f"{situation} GET {name}: {response.status_code} != {want}")
            if response.status_code == 200 and situation == "confidential" and have != "change":
                body = response.content
                if SECRET_ADDRESS.encode() in body or SECRET_PHONE.encode() in body:
                    problems.append(f"{situation} GET {name}: 住所秘匿 data in the response")
        if not allowed(have, "change"):
            for name, kwargs, data in POST_URLS:
                if allowed(have, "records") and name == "cases:record_add":
                    continue
                before = db_state()
                response = client.post(reverse(name, kwargs=kwargs(case, person, plan)), data)
                if response.status_code != 404:
                    problems.append(f"{situation} POST {name}: {response.status_code} != 404")
                if db_state() != before:
                    problems.append(f"{situation} POST {name}: database changed")
    assert problems == []


def test_anonymous_is_sent_to_login(client, scenario):
    case, person, plan = scenario["own"]
    for name, kwargs, _ in GET_URLS:
        response = client.get(reverse(name, kwargs=kwargs(case, person, plan)))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    for name in ("cases:case_list", "households:search", "home"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("desk", {"自機関ケース", "sharedケース", "withdrawnケース", "confidentialケース"}),
        ("manager", {"自機関ケース", "sharedケース", "withdrawnケース", "confidentialケース"}),
        ("partner", {"sharedケース", "confidentialケース"}),
        ("outsider", set()),
        ("municipal", set()),
        ("admin_user", set()),
    ],
)
def test_case_list_shows_exactly_the_visible_cases(persona, expected, request, client, scenario):
    login_verified(client, request.getfixturevalue(persona))
    response = client.get(reverse("cases:case_list"), {"status": "all"})
    if persona in ("municipal", "admin_user"):
        assert response.status_code == 404
        return
    titles = {c.title for c in response.context["page"]}
    assert titles == expected


def test_confidential_never_in_partner_pdf(client, partner, scenario, tmp_path):
    import subprocess

    case, person, plan = scenario["confidential"]
    login_verified(client, partner)
    for name in ("cases:records_pdf", "cases:plan_pdf"):
        kwargs = (
            {"pk": case.pk} if name == "cases:records_pdf" else {"pk": case.pk, "plan_pk": plan.pk}
        )
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200
        pdf = tmp_path / "out.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(
            [require("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "confidentialケース" in text
        assert SECRET_ADDRESS not in text and "秘匿町" not in text
        assert "9876" not in text


def test_lead_sees_confidential(client, desk, scenario):
    case, person, plan = scenario["confidential"]
    login_verified(client, desk)
    body = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert SECRET_ADDRESS in body and SECRET_PHONE in body
