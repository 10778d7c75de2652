"""支援プラン rows import through the case services, replayed within their case's
course: drawn up with the person's consent, approved, put in force (the roles' agencies
granted the case on that consent), revised by the next version, ended with the case.
Bad rows get Japanese errors in the preview and nothing is written."""

import datetime as dt

import pytest

from cases.choices import CaseStatus, GrantBasis, PlanStatus
from cases.models import Case, CaseStatusChange, SupportPlan
from imports import services
from imports.models import BatchStatus, RowState
from tests.imports.helpers import book_bytes, upload
from tests.imports.test_imports import PARTNER, commit, ledger

pytestmark = pytest.mark.django_db

ROLE = f"介護の不安／{PARTNER}／訪問での見守り"


def with_plans(plans, course="2024-09-30 終結（課題の解決・目標達成）"):
    sheets = ledger()
    sheets["cases"][0]["状況の経過"] = course
    sheets["plans"] = plans
    return sheets


def plan(key, **values):
    return {"プランキー": key, "ケースキー": "K1", "目標": "生活の安定", **values}


@pytest.fixture
def setup(desk, manager, partner, categories, medical):
    return manager


def test_plans_are_replayed_within_the_case_course(
    setup, manager, partner_agency, django_capture_on_commit_callbacks
):
    sheets = with_plans(
        [
            plan(
                "L1",
                役割=ROLE,
                **{
                    "同意した人（世帯員キー）": "P1",
                    "同意日": "2024-05-20",
                    "承認日": "2024-05-25",
                    "実施開始日": "R6.6.1",
                },
            ),
            plan(
                "L2",
                役割=ROLE,
                **{
                    "同意した人（世帯員キー）": "P1",
                    "同意日": "2024-07-01",
                    "承認日": "2024-07-10",
                    "実施開始日": "2024-07-10",
                },
            ),
        ]
    )
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    assert batch.error_rows == 0, [r.errors for r in batch.rows.exclude(errors=[])]
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE, batch.error
    assert set(batch.rows.filter(ledger="plans").values_list("state", flat=True)) == {
        RowState.WRITTEN
    }
    case = Case.objects.get()
    first, second = SupportPlan.objects.filter(case=case).order_by("number")
    assert (first.number, first.status, first.activated_on) == (
        1,
        PlanStatus.REVISED,
        dt.date(2024, 6, 1),
    )
    assert (second.status, second.approved_on, second.activated_on) == (
        PlanStatus.CLOSED,
        dt.date(2024, 7, 10),
        dt.date(2024, 7, 10),
    )
    assert second.previous == first and second.consent.person.name_kana == "ヤマダタロウ"
    assert second.consent.obtained_on == dt.date(2024, 4, 1)  # the person's consent then
    assert [r.agency for r in second.roles.all()] == [partner_agency]
    assert first.history.first().history_user == manager
    # the case moved as it did: plan drawn up, in force, closed
    steps = list(
        CaseStatusChange.objects.filter(case=case)
        .order_by("on", "pk")
        .values_list("to_status", "on")
    )
    assert steps == [
        (CaseStatus.RECEIVED, dt.date(2024, 5, 10)),
        (CaseStatus.PLANNING, dt.date(2024, 5, 20)),
        (CaseStatus.SUPPORTING, dt.date(2024, 6, 1)),
        (CaseStatus.CLOSED, dt.date(2024, 9, 30)),
    ]
    # each version granted the partner its role on the consent; both grants ended
    roles = case.grants.filter(agency=partner_agency, basis=GrantBasis.PLAN_ROLE)
    assert roles.count() == 2 and not roles.filter(revoked_at__isnull=True).exists()

    # a second import of the same file changes nothing
    again = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    assert again.already_rows == again.total_rows


def test_a_plan_of_a_case_imported_before_is_written_alone(
    setup, manager, django_capture_on_commit_callbacks
):
    sheets = with_plans([], course="")
    commit(
        services.batch_preview(actor=manager, upload=upload(book_bytes(sheets))),
        manager,
        django_capture_on_commit_callbacks,
    )
    later = {
        "plans": [
            plan(
                "L1",
                **{
                    "同意した人（世帯員キー）": "P2",
                    "同意日": "2024-06-01",
                    "承認日": "2024-06-02",
                },
            )
        ]
    }
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(later)))
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    # P2 has no consent of their own: the row is refused and nothing is written
    assert batch.status == BatchStatus.FAILED
    assert "「支援プラン」の2行目" in batch.error and "本人同意が見つかりません" in batch.error
    assert not SupportPlan.objects.exists()

    later["plans"][0]["同意した人（世帯員キー）"] = "P1"
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(later)))
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE, batch.error
    written = SupportPlan.objects.get()
    assert written.status == PlanStatus.APPROVED and written.approved_on == dt.date(2024, 6, 2)


def test_bad_plan_rows_are_named_in_japanese(setup, manager):
    sheets = with_plans(
        [
            plan("L1", 役割="介護／架空町ふしぎ相談所／見守り", 承認日="2024-05-25"),
            plan("L2", 役割="困りごとだけ", 実施開始日="2024-06-01"),
        ]
    )
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    errors = {r.key: " ".join(r.errors) for r in batch.rows.filter(ledger="plans")}
    assert "「架空町ふしぎ相談所」という機関は登録されていません" in errors["L1"]
    assert "本人同意のないプランは承認できません" in errors["L1"]
    assert "「困りごと／機関名／支援方法」の形にしてください" in errors["L2"]
    assert "実施開始日があるときは承認日も入力してください" in errors["L2"]
    assert not SupportPlan.objects.exists()
