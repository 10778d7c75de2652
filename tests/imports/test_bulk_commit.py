"""The 世帯・世帯員 ledger is committed in chunks through the households bulk services
(household_create_bulk, person_add_to_household_bulk): the same rules as row by row
(grants, 住所秘匿, consents, history naming the importer, the hidden-duplicate notice),
a number of queries that does not grow with the rows, and a chunk a service refuses is
written again row by row so the row at fault is named."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ActionLog
from households import services as household_services
from households import services_bulk
from households.access import households_visible_to, may_see_contact
from households.models import Consent, Household, HouseholdMembership, Person
from imports import services
from imports.models import BatchStatus, RowState, SourceKey
from referrals.models import Notification
from tests.factories import HouseholdFactory, PersonFactory
from tests.imports.helpers import book_bytes, upload

pytestmark = pytest.mark.django_db

PARTNER = "架空町地域包括支援センター"


def people(n: int, *, start: int = 1) -> list[dict]:
    """n persons in households of up to three."""
    rows = []
    for i in range(start, start + n):
        household = (i - 1) // 3 + 1
        rows.append(
            {
                "世帯キー": f"H{household}",
                "世帯の呼び名": f"世帯{household}",
                "住所": f"本町{household}番地",
                "電話": "096-000-0000",
                "世帯員キー": f"P{i}",
                "姓": "試験",
                "名": str(i),
                "せい（ふりがな）": "しけん",
                "めい（ふりがな）": f"{'ア' * (i % 9 + 1)}",
                "生年月日": f"19{40 + i % 50}-0{1 + i % 9}-1{i % 9}",
                "続柄": "世帯主" if (i - 1) % 3 == 0 else "子",
            }
        )
    return rows


def run(manager, rows, capture, *, only_good=False):
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes({"households": rows})))
    with capture(execute=True):
        services.batch_commit(actor=manager, batch=batch, only_good=only_good)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def setup(desk, manager, partner, categories):
    return manager


def test_bulk_rows_keep_grants_secrecy_consent_and_history(
    setup, manager, partner, desk, desk_agency, partner_agency, django_capture_on_commit_callbacks
):
    rows = people(5)
    rows[0].update(
        {"住所秘匿": "はい", "同意日": "2024-04-01", "同意の方法": "署名", "同意の共有先": PARTNER}
    )
    rows[1]["離脱日"] = "2024-06-30"
    rows[3]["加入日"] = "R5.4.1"
    batch = run(manager, rows, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE and batch.written_rows == 5
    assert set(batch.rows.values_list("state", flat=True)) == {RowState.WRITTEN}

    hidden, other = Household.objects.order_by("pk")
    assert hidden.is_address_confidential and hidden.phone_digits == "0960000000"
    assert hidden.registered_by_agency == desk_agency
    # the registering agency's three grants, and nobody else's
    assert set(households_visible_to(desk)) == {hidden, other}
    assert not households_visible_to(partner).exists()
    assert may_see_contact(desk, hidden)
    persons = list(Person.objects.order_by("pk"))
    assert [p.name_kana for p in persons[:2]] == ["シケンアア", "シケンアアア"]
    assert all(p.registered_by_agency == desk_agency for p in persons)
    left = HouseholdMembership.objects.get(person=persons[1])
    assert left.until == dt.date(2024, 6, 30) and left.household == hidden
    assert HouseholdMembership.objects.get(person=persons[3]).since == dt.date(2023, 4, 1)
    assert hidden.current_memberships().count() == 2
    consent = Consent.objects.get()
    assert consent.person == persons[0] and list(consent.agencies.all()) == [partner_agency]
    # history names the importer on every row written
    for model in (Household, Person, HouseholdMembership, Consent):
        users = set(model.history.values_list("history_user", flat=True))
        assert users == {manager.pk}, model
    assert ActionLog.objects.filter(action="households.person.created", actor=manager).count() == 5
    assert ActionLog.objects.filter(action="households.household.created").count() == 2
    assert SourceKey.objects.filter(kind="person").count() == 5
    assert SourceKey.objects.filter(kind="membership").count() == 5


def test_queries_do_not_grow_with_the_rows(setup, manager, django_capture_on_commit_callbacks):
    def commit_queries(rows) -> int:
        batch = services.batch_preview(
            actor=manager, upload=upload(book_bytes({"households": rows}))
        )
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.batch_commit(actor=manager, batch=batch)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.DONE
        return len(queries)

    small = commit_queries(people(6))
    large = commit_queries(people(60, start=100))
    assert Person.objects.count() == 66
    # Per chunk: households, their history, grants (+ the permission lookup), action
    # log, source keys; persons, memberships, their histories, action log, source
    # keys, the duplicate check; then the rows' states. Row by row, 60 rows took
    # about 15 queries each.
    assert large - small <= 5, (small, large)


def test_a_person_hidden_elsewhere_is_told_to_its_lead(
    setup, manager, partner, partner_agency, django_capture_on_commit_callbacks
):
    secret = HouseholdFactory(
        registered_by_agency=partner_agency, actor=partner, is_address_confidential=True
    )
    PersonFactory(
        household=secret,
        actor=partner,
        family_name_kana="シケン",
        given_name_kana="アア",
        birth_date=dt.date(1941, 2, 11),
    )
    batch = run(manager, people(3), django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE
    # the importer was offered nothing (the match is in hiding) ...
    assert not batch.rows.exclude(decision="").exists()
    # ... and the hidden household's side is told, naming the importing agency only
    notice = Notification.objects.get(recipient=partner)
    assert "住所秘匿" in notice.verb and "架空町 ふくしの相談窓口" in notice.verb
    assert not Notification.objects.filter(recipient=manager).exists()


def test_a_refused_chunk_is_written_again_row_by_row(
    setup, manager, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []

    def refuse(**kwargs):
        calls.append(len(kwargs["members"]))
        raise ValidationError("refused")

    monkeypatch.setattr(services_bulk, "person_add_to_household_bulk", refuse)
    batch = run(manager, people(4), django_capture_on_commit_callbacks)
    assert calls == [4]
    # the savepoint took the chunk's households away; the rows wrote them again
    assert batch.status == BatchStatus.DONE and batch.written_rows == 4
    assert Household.objects.count() == 2 and Person.objects.count() == 4
    assert SourceKey.objects.filter(kind="household").count() == 2
    assert HouseholdMembership.objects.filter(until__isnull=True).count() == 4


def test_only_good_rows_forget_the_keys_of_a_refused_row(
    setup, manager, django_capture_on_commit_callbacks, monkeypatch
):
    """A row refused after it made a person (here its consent) is rolled back whole;
    a later row naming that person is refused by name, and the rest is written."""
    from tests.imports.test_imports import ledger

    real = household_services.consent_record

    def refuse_p1(**kwargs):
        if kwargs["person"].given_name == "太郎":
            raise ValidationError("同意を記録できません。")
        return real(**kwargs)

    monkeypatch.setattr(household_services, "consent_record", refuse_p1)
    sheets = ledger()
    sheets["records"][0]["種別"] = "テレパシー"  # an error row: only_good is chosen
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    assert batch.error_rows == 1
    batch = run_batch(manager, batch, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE, batch.error
    states = {r.key: (r.state, r.message) for r in batch.rows.all()}
    assert states["H1/P1"][0] == RowState.FAILED and "同意を記録できません" in states["H1/P1"][1]
    assert states["H1/P2"][0] == RowState.WRITTEN
    # the consultation names P1: refused by name, not a crash of the whole batch
    assert states["C1"][0] == RowState.FAILED and "P1" in states["C1"][1]
    assert list(Person.objects.values_list("given_name", flat=True)) == ["一郎"]
    assert not SourceKey.objects.filter(kind="person", key="P1").exists()


def run_batch(manager, batch, capture):
    with capture(execute=True):
        services.batch_commit(actor=manager, batch=batch, only_good=True)
    batch.refresh_from_db()
    return batch
