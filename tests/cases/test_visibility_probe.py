"""How a page of cases tests visibility (cases.sharing.sees_many_cases): a user whose
agencies hold many cases gets each walked case probed, others a hash of their grants.
The choice may change a page's speed, never which cases it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors, sharing
from cases.sharing import visibility
from tests.cases.conftest import make_case
from tests.factories import AgencyFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget(monkeypatch):
    monkeypatch.setattr(visibility, "_many_cases", {})


def _listed(user) -> tuple[list[int], str]:
    with CaptureQueriesContext(connection) as queries:
        rows = [c.pk for c in selectors.case_list(user, status="all")[:31]]
    return rows, "\n".join(q["sql"] for q in queries.captured_queries)


def test_the_many_cases_answer_picks_the_probe_and_keeps_the_rows(
    desk, desk_agency, partner, monkeypatch
):
    cases = [make_case(desk=desk, desk_agency=desk_agency, title=f"件{n}")[0] for n in range(3)]
    AgencyFactory(name="見えない機関")  # its cases, none here, would not show either
    monkeypatch.setattr(visibility, "MANY_CASES", 3)
    assert not sharing.sees_many_cases(desk)  # 3 held: not more than the bound
    hashed, sql = _listed(desk)
    assert "OFFSET 0" not in sql

    monkeypatch.setattr(visibility, "_many_cases", {})
    monkeypatch.setattr(visibility, "MANY_CASES", 2)
    assert sharing.sees_many_cases(desk)
    probed, sql = _listed(desk)
    assert "LIMIT 1 OFFSET 0" in sql
    assert probed == hashed == [c.pk for c in reversed(cases)]
    assert not sharing.sees_many_cases(partner)  # holds none
    assert _listed(partner)[0] == []


def test_the_answer_is_remembered_per_agency_group_set(desk, desk_agency, monkeypatch):
    make_case(desk=desk, desk_agency=desk_agency, title="一件目")
    monkeypatch.setattr(visibility, "MANY_CASES", 1)
    assert not sharing.sees_many_cases(desk)
    make_case(desk=desk, desk_agency=desk_agency, title="二件目")
    colleague = staff(desk_agency)
    assert not sharing.sees_many_cases(colleague)  # the same groups: the same answer
    later = visibility._clock() + visibility.MANY_CASES_SECONDS + 1
    monkeypatch.setattr(visibility, "_clock", lambda: later)
    assert sharing.sees_many_cases(colleague)  # asked again once the answer is old
