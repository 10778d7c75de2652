"""Real Celery workers against Redis and PostgreSQL: a report survives its worker being
killed with SIGKILL in the middle of the build, and a build message lost by Redis.

Each test starts `celery -A config worker` subprocesses on a queue of its own (so
nothing else consumes its messages), pointed at the very test database pytest-django
created (rows are committed: transactional_db). REPORTS_TEST_DELAY_SECONDS makes the
worker pause after each step so it can be killed half-way, after the PDF is written.

Redis restarting between the request and its pick-up is simulated by deleting the
queue's list key: the message is gone, exactly as after a restart without persistence
(restarting the shared Redis itself would disturb everything else using it). The row
stays queued and the requeue beat task sends it again.

Without PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) these tests are skipped, except
in CI (the CI variable set), where they fail instead.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from reports import services, tasks
from reports.choices import ReportStatus
from reports.models import MonthlyReport
from tests.reports.conftest import MONTH, OPENED

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

BOOT_TIMEOUT = 120  # seconds: a cold worker imports Django, Celery and WeasyPrint
STEP_DELAY = "1.5"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"The Celery worker tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def redis_client():
    if connection.vendor != "postgresql":
        _unavailable(
            "needs PostgreSQL: set DATABASE_URL=postgres://… (a worker cannot share SQLite)"
        )
    if not settings.REDIS_URL:
        _unavailable("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        _unavailable(f"Redis does not answer at {settings.REDIS_URL}: {exc}")
    return client


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class Workers:
    """Starts and kills worker subprocesses listening on one private queue."""

    def __init__(self, queue: str, media_root: Path, log_dir: Path):
        self.queue = queue
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(media_root),
            "DESK_OPENED_ON": OPENED,
            "REPORTS_TEST_DELAY_SECONDS": STEP_DELAY,
        }

    def start(self, name: str) -> subprocess.Popen:
        celery = Path(sys.executable).with_name("celery")
        command = [str(celery)] if celery.exists() else [sys.executable, "-m", "celery"]
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [
                *command,
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "--pool=prefork",
                "-Q",
                self.queue,
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the pool too
        )
        process.log = log
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.log.close()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in self.log_dir.glob("*.log")
        )


@pytest.fixture
def workers(redis_client, transactional_db, settings, media_root, tmp_path):
    queue = f"reports-test-{uuid.uuid4().hex[:12]}"
    settings.REPORTS_CELERY_QUEUE = queue
    settings.REPORTS_STUCK_AFTER_SECONDS = 3
    app = tasks.reports_build_monthly_task.app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # publish to Redis, as in production
    log_dir = tmp_path / "worker-logs"
    log_dir.mkdir()
    pool = Workers(queue, Path(media_root), log_dir)
    yield pool
    for process in pool.processes:
        pool.kill(process)
    app.conf.task_always_eager = eager
    # Leave nothing of this queue in Redis: its list, and messages a killed worker held
    # unacknowledged (Redis would hand those back after the visibility timeout).
    redis_client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, raw in redis_client.hgetall("unacked").items():
        with_queue = json.loads(raw)
        if with_queue[-1] == queue:
            redis_client.hdel("unacked", tag)
            redis_client.zrem("unacked_index", tag)


def wait_for(predicate, what: str, workers: Workers, timeout: float = BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{workers.logs()}", pytrace=False)


def report_files(media_root) -> list[Path]:
    root = Path(media_root) / "reports"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def fresh(report) -> MonthlyReport:
    row = MonthlyReport.objects.get(pk=report.pk)
    if row.status == ReportStatus.FAILED:
        pytest.fail(f"the report failed: {row.error}", pytrace=False)
    return row


def assert_one_finished_report(report, media_root):
    report = fresh(report)
    assert report.status == ReportStatus.DONE, report.error
    assert MonthlyReport.objects.count() == 1
    files = report_files(media_root)
    assert [p.suffix for p in files] == [".pdf", ".xlsx"], files  # one PDF, one Excel, no .part
    assert files[0].read_bytes().startswith(b"%PDF")
    assert str(files[0]).endswith(report.pdf.name)
    return report


def test_worker_killed_mid_report_another_worker_finishes_it(workers, manager, media_root):
    first = workers.start("first")
    report = services.report_request(actor=manager, month=MONTH)  # sent after commit
    wait_for(lambda: fresh(report).progress >= 75, "the first worker to write the PDF", workers)
    assert [p.suffix for p in report_files(media_root)] == [".pdf"]
    workers.kill(first)  # SIGKILL to the worker and its pool: no goodbye, no ack

    running = fresh(report)
    assert running.status == ReportStatus.RUNNING and running.worker.startswith("first@")
    # Its message stays unacknowledged in Redis (handed back only after the visibility
    # timeout, an hour); beat's requeue finds the silent row and sends it again.
    workers.start("second")
    wait_for(
        lambda: tasks.reports_requeue_stuck_task() == [report.pk],
        "the requeue task to find the stuck report",
        workers,
        timeout=30,
    )
    wait_for(lambda: fresh(report).status == ReportStatus.DONE, "the second worker", workers)
    done = assert_one_finished_report(report, media_root)
    assert done.attempts == 2 and done.worker.startswith("second@")


def test_killed_pool_process_has_its_message_redelivered(workers, manager, media_root):
    """acks_late + reject_on_worker_lost: the process running the task dies, its
    worker puts the message back, and it is built again (by whichever worker takes it)."""
    first = workers.start("first")
    report = services.report_request(actor=manager, month=MONTH)
    wait_for(lambda: fresh(report).progress >= 75, "the PDF to be written", workers)
    child_pid = int(fresh(report).worker.rsplit(":", 1)[1])
    assert child_pid != first.pid
    os.kill(child_pid, signal.SIGKILL)
    workers.start("second")
    wait_for(lambda: fresh(report).status == ReportStatus.DONE, "the redelivered build", workers)
    done = assert_one_finished_report(report, media_root)
    assert done.attempts == 2
    assert done.history.filter(status=ReportStatus.QUEUED).count() == 1  # no requeue needed


def test_message_lost_by_redis_is_sent_again_by_beat(workers, manager, media_root, redis_client):
    report = services.report_request(actor=manager, month=MONTH)  # no worker is running
    assert redis_client.llen(workers.queue) == 1
    redis_client.delete(workers.queue)  # what a Redis restart without persistence does
    time.sleep(float(settings.REPORTS_STUCK_AFTER_SECONDS) + 0.5)
    assert fresh(report).status == ReportStatus.QUEUED  # the row remembers the request
    assert tasks.reports_requeue_stuck_task() == [report.pk]
    assert redis_client.llen(workers.queue) == 1
    workers.env["REPORTS_TEST_DELAY_SECONDS"] = "0"
    workers.start("after-restart")
    wait_for(lambda: fresh(report).status == ReportStatus.DONE, "the worker", workers)
    done = assert_one_finished_report(report, media_root)
    assert done.attempts == 1
