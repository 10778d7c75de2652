"""A desk manager brings the sample ledgers of a fictional desk in through the
browser: the preview shows each error in Japanese beside its row; after the fixed
file is uploaded, the commit runs as a task and the page polls its progress."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from cases.models import Case, SupportRecord
from households.models import Household, Person
from imports import services, tasks
from imports.models import BatchStatus, ImportBatch

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
DATA = Path(__file__).resolve().parents[1] / "imports" / "data"
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def held_messages(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    held = []
    monkeypatch.setattr(services, "_enqueue_on_commit", held.append)
    return held


def test_manager_imports_the_sample_ledgers(
    transactional_db, page, live_url, login, manager, desk, partner, held_messages
):
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_url, "manager", PASSWORD)
    page.get_by_role("link", name="台帳の取込・出力へ").click()
    expect(page.get_by_role("heading", name="台帳の取込・出力", exact=True)).to_be_visible()

    page.get_by_label("台帳のファイル（Excel .xlsx）").set_input_files(
        str(DATA / "sample_desk.xlsx")
    )
    page.get_by_role("button", name="アップロードして確認する").click()
    expect(page.get_by_role("heading", name="取込の確認: sample_desk.xlsx")).to_be_visible()
    body = page.locator("main")
    for message in (
        "平成2年2月30日という日付はありません",
        "相談内容「宇宙の悩み」という区分はありません",
        "「架空町ふしぎ相談所」という機関は登録されていません",
        "ふりがな（せい）がありません",
        "は8行目にもあります",
        "このファイルの前の行",
    ):
        expect(body).to_contain_text(message)
    expect(body).to_contain_text("このままでは何も取り込みません")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "imports-preview-errors.png"))
    assert not Household.objects.exists()  # nothing written by the preview

    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("エラーのある行が")).to_be_visible()
    assert held_messages == [] and not Household.objects.exists()

    page.get_by_role("link", name="直したファイルをアップロードする").click()
    page.get_by_label("台帳のファイル（Excel .xlsx）").set_input_files(
        str(DATA / "sample_desk_fixed.xlsx")
    )
    page.get_by_role("button", name="アップロードして確認する").click()
    expect(page.get_by_text("エラーはありません。")).to_be_visible()
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("取り込みを開始しました。")).to_be_visible()
    status = page.locator(".report-status")
    expect(status).to_contain_text("取込待ち")
    page.screenshot(path=str(SHOTS / "imports-commit-progress.png"))
    batch = ImportBatch.objects.get(status=BatchStatus.QUEUED)
    assert held_messages == [batch.pk]

    assert tasks.imports_commit_task.apply(args=[batch.pk]).get() == BatchStatus.DONE
    expect(status).to_contain_text("取込完了", timeout=15_000)
    page.screenshot(path=str(SHOTS / "imports-commit-done.png"))
    batch.refresh_from_db()
    assert batch.written_rows == batch.total_rows
    assert Household.objects.count() == 81 and Case.objects.count() == 40
    assert Person.objects.count() == batch.rows.filter(ledger="households").count() - 1
    assert SupportRecord.objects.filter(kind="phone").exists()


def test_plan_rows_with_errors_are_shown_in_japanese(
    transactional_db, page, live_url, login, manager, desk, partner, held_messages, tmp_path
):
    from tests.imports.helpers import book_bytes
    from tests.imports.test_imports import ledger

    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)
    sheets = ledger()
    sheets["plans"] = [
        {
            "プランキー": "L1",
            "ケースキー": "K1",
            "目標": "生活の安定",
            "役割": "介護の不安／架空町ふしぎ相談所／見守り",
            "承認日": "R6.5.25",
        }
    ]
    path = tmp_path / "plans.xlsx"
    path.write_bytes(book_bytes(sheets))
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_url, "manager", PASSWORD)
    page.goto(f"{live_url}/imports/")
    page.get_by_label("台帳のファイル（Excel .xlsx）").set_input_files(str(path))
    page.get_by_role("button", name="アップロードして確認する").click()
    body = page.locator("main")
    expect(body).to_contain_text("役割: 「架空町ふしぎ相談所」という機関は登録されていません")
    expect(body).to_contain_text("本人同意のないプランは承認できません")
    row = page.get_by_role("row").filter(has_text="架空町ふしぎ相談所")
    expect(row).to_contain_text("支援プラン")
    SHOTS.mkdir(exist_ok=True)
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "imports-plan-errors.png"))
    assert not Household.objects.exists()
