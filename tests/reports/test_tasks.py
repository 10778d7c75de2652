"""The request row is the source of truth: building (eager Celery here) claims it,
re-checks the requester, writes two files under fixed names, and survives duplicate,
redelivered and lost messages. The real-worker versions are in test_worker.py."""

import datetime as dt
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from accounts import services as account_services
from accounts.choices import Role
from accounts.models import ActionLog
from accounts.system import system_user
from reports import build, services, tasks
from reports.choices import ReportStatus
from reports.models import MonthlyReport
from reports.statistics import monthly_statistics
from tests.factories_reports import MonthlyReportFactory, finish_report

pytestmark = pytest.mark.django_db


def files_of(report) -> list[str]:
    root = Path(settings.MEDIA_ROOT) / "reports"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def fast_documents():
    """Stand-in documents: these tests are about the row, not the PDF (test_statistics
    renders the real ones)."""
    with (
        mock.patch.object(build, "report_pdf", return_value=b"%PDF-stand-in") as pdf,
        mock.patch.object(build, "report_xlsx", return_value=b"PK-stand-in"),
    ):
        yield pdf


def test_task_options_guard_against_lost_and_duplicate_messages():
    task = tasks.reports_build_monthly_task
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.max_retries == 3
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility == 3600
    assert task.time_limit <= visibility / 4 and task.soft_time_limit < task.time_limit
    assert services.stuck_after().total_seconds() > task.time_limit  # never requeue a live build
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["reports-monthly-previous-month"]["task"] == (
        "reports.tasks.reports_schedule_monthly_task"
    )
    assert schedule["reports-requeue-stuck"]["task"] == "reports.tasks.reports_requeue_stuck_task"


def test_a_request_is_built_after_commit(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(actor=manager, month=dt.date(2024, 5, 1))
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.progress == 100
    assert report.attempts == 1 and report.error == ""
    assert report.finished_at and report.expires_at > timezone.now() + dt.timedelta(days=89)
    assert files_of(report) == [
        f"2024/{report.pk}/monthly-2024-05-all-agencies.pdf",
        f"2024/{report.pk}/monthly-2024-05-all-agencies.xlsx",
    ]
    assert report.pdf.read().startswith(b"%PDF")
    assert [h.status for h in report.history.order_by("history_id")] == [
        "queued",
        "running",
        "done",
    ]
    assert report.history.first().history_user == system_user()
    actions = list(
        ActionLog.objects.filter(
            object_type="reports.monthlyreport", object_id=str(report.pk)
        ).values_list("action", flat=True)
    )
    assert actions == ["reports.report.requested", "reports.report.done"]


def test_running_the_task_again_changes_nothing(manager, fast_documents):
    report = finish_report(MonthlyReportFactory(requested_by=manager))
    before = files_of(report)
    assert tasks.reports_build_monthly_task.apply(args=[report.pk]).get() == build.SKIPPED
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.attempts == 1
    assert files_of(report) == before
    fast_documents.assert_not_called()


def test_a_second_message_for_a_live_build_is_dropped(manager):
    report = MonthlyReportFactory(requested_by=manager)
    assert services.report_claim(report_id=report.pk, token="first", worker="w1") is not None
    # Another message (requeued, or duplicated by the broker) finds it held: skipped.
    assert services.report_claim(report_id=report.pk, token="second", worker="w2") is None
    # The same message again means its worker died: it takes over at once.
    again = services.report_claim(report_id=report.pk, token="first", worker="w3")
    assert again is not None and again.attempts == 2 and again.worker == "w3"
    # Anyone takes over once the holder has been silent past the stuck timeout.
    MonthlyReport.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - services.stuck_after() - dt.timedelta(seconds=1)
    )
    third = services.report_claim(report_id=report.pk, token="third", worker="w4")
    assert third is not None and third.claim_token == "third"
    # The old holder finds its claim lost and cannot finish.
    with pytest.raises(services.ClaimLost):
        services.report_progress(report=again, token="first", progress=50)
    assert not services.report_finish(report=again, token="first", pdf_name="x", xlsx_name="y")


def test_a_build_killed_half_way_is_redone_into_the_same_files(manager, fast_documents):
    """A worker wrote the PDF and died (a .part file of its next write left behind); beat
    requeues the row and the next build replaces the files: one PDF, one Excel."""
    report = MonthlyReportFactory(requested_by=manager)
    claimed = services.report_claim(report_id=report.pk, token="dead", worker="w1")
    pdf_name = services.report_file_name(claimed, "pdf")
    services.write_report_file(pdf_name, b"%PDF-old", "dead")
    partial = Path(settings.MEDIA_ROOT) / services.report_file_name(claimed, "xlsx")
    partial = partial.with_name(f".{partial.name}.dead.part")
    partial.write_bytes(b"half")

    later = timezone.now() + services.stuck_after() + dt.timedelta(minutes=1)
    with mock.patch.object(services, "_enqueue_on_commit") as enqueue:
        assert services.report_requeue_stuck(now=later) == [report.pk]
    enqueue.assert_called_once_with(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.claim_token == ""

    assert tasks.reports_build_monthly_task.apply(args=[report.pk]).get() == build.DONE
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.attempts == 2
    assert files_of(report) == [
        f"2024/{report.pk}/monthly-2024-05-all-agencies.pdf",
        f"2024/{report.pk}/monthly-2024-05-all-agencies.xlsx",
    ]
    assert report.pdf.read() == b"%PDF-stand-in"


def test_requeue_leaves_live_builds_alone_and_gives_up_eventually(manager, settings):
    settings.REPORTS_MAX_ATTEMPTS = 2
    fresh = MonthlyReportFactory(requested_by=manager, month=dt.date(2024, 1, 1))
    running = MonthlyReportFactory(requested_by=manager, month=dt.date(2024, 2, 1))
    services.report_claim(report_id=running.pk, token="t", worker="w")
    worn = MonthlyReportFactory(requested_by=manager, month=dt.date(2024, 3, 1))
    for token in ("a", "b"):
        services.report_claim(report_id=worn.pk, token=token, worker="w")
        MonthlyReport.objects.filter(pk=worn.pk).update(
            heartbeat_at=timezone.now() - dt.timedelta(days=1)
        )
    with mock.patch.object(services, "_enqueue_on_commit") as enqueue:
        assert services.report_requeue_stuck() == []
    enqueue.assert_not_called()
    for r in (fresh, running, worn):
        r.refresh_from_db()
    assert fresh.status == ReportStatus.QUEUED
    assert running.status == ReportStatus.RUNNING
    assert worn.status == ReportStatus.FAILED and "もう一度依頼してください" in worn.error

    # A queued request older than a day is given up too, rather than sent forever.
    later = timezone.now() + services.give_up_after() + dt.timedelta(minutes=1)
    with mock.patch.object(services, "_enqueue_on_commit") as enqueue:
        assert services.report_requeue_stuck(now=later) == []
    fresh.refresh_from_db()
    assert fresh.status == ReportStatus.FAILED


def test_the_requester_is_checked_again_before_building(manager, desk_agency, fast_documents):
    report = MonthlyReportFactory(requested_by=manager)
    account_services.membership_add(
        actor=None, user=manager, agency=desk_agency, role=Role.COUNSELOR
    )
    assert tasks.reports_build_monthly_task.apply(args=[report.pk]).get() == build.REFUSED
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "権限がなくなった" in report.error
    assert files_of(report) == []
    fast_documents.assert_not_called()


@pytest.fixture
def worker_like_eager():
    """Eager Celery that handles Retry as a worker does (re-runs the task) instead of
    raising it into the caller."""
    conf = tasks.reports_build_monthly_task.app.conf
    previous = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = previous


def test_transient_database_errors_are_retried_a_bounded_number_of_times(
    manager, fast_documents, worker_like_eager
):
    report = MonthlyReportFactory(requested_by=manager)
    real = monthly_statistics
    calls = {"n": 0}

    def sometimes(month, agency):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(month, agency)

    with mock.patch.object(build, "monthly_statistics", side_effect=sometimes):
        tasks.reports_build_monthly_task.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.attempts == 3

    hopeless = MonthlyReportFactory(requested_by=manager, month=dt.date(2024, 4, 1))
    with mock.patch.object(build, "monthly_statistics", side_effect=OperationalError("down")):
        tasks.reports_build_monthly_task.apply(args=[hopeless.pk])
    hopeless.refresh_from_db()
    assert hopeless.status == ReportStatus.FAILED
    assert hopeless.attempts == 1 + tasks.MAX_RETRIES
    assert "データベース" in hopeless.error


def test_an_unexpected_error_fails_the_report_without_raising(manager):
    report = MonthlyReportFactory(requested_by=manager)
    with mock.patch.object(build, "report_pdf", side_effect=ValueError("bad svg")):
        assert tasks.reports_build_monthly_task.apply(args=[report.pk]).get() == "failed"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "統計の作成中にエラーが発生しました。"
    assert "bad svg" not in report.error


def test_an_unreachable_broker_leaves_the_request_queued(
    manager, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(
            tasks.reports_build_monthly_task, "apply_async", side_effect=ConnectionError("redis")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = services.report_request(actor=manager, month=dt.date(2024, 5, 1))
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED  # beat's requeue will send it


def test_beat_requests_the_previous_month_once(manager, coordinator):
    with mock.patch.object(services, "_enqueue_on_commit") as enqueue:
        report = services.report_schedule_previous_month(today=dt.date(2024, 6, 1))
        assert services.report_schedule_previous_month(today=dt.date(2024, 6, 1)) is None
    assert enqueue.call_count == 1
    assert report.month == dt.date(2024, 5, 1)
    assert report.requested_by == system_user() and report.scope_agency is None
    # Before the desk opened there is nothing to report.
    assert services.report_schedule_previous_month(today=dt.date(2023, 6, 1)) is None


def test_expired_files_are_purged(manager):
    report = finish_report(MonthlyReportFactory(requested_by=manager))
    assert len(files_of(report)) == 2
    later = report.expires_at + dt.timedelta(seconds=1)
    assert services.report_purge_expired(now=later) == 1
    report.refresh_from_db()
    assert files_of(report) == [] and not report.pdf and not report.can_download
    assert services.report_purge_expired(now=later) == 0
