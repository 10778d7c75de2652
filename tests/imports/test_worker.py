"""A real Celery worker against Redis and PostgreSQL commits an import and builds an
export (the pattern of tests/reports/test_worker.py: a worker subprocess on a queue of
its own, pointed at the test database). A duplicated commit message writes nothing
twice. Skipped without PostgreSQL and Redis, except in CI."""

import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from households.models import Household, Person
from imports import services
from imports.models import BatchStatus, DeskExport, ExportStatus, ImportBatch, RowState
from imports.tasks import imports_commit_task
from tests.imports.helpers import book_bytes, upload
from tests.imports.test_imports import ledger
from tests.reports.test_worker import Workers, redis_client, wait_for  # noqa: F401

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(redis_client, transactional_db, settings, media_root, tmp_path):  # noqa: F811
    queue = f"imports-test-{uuid.uuid4().hex[:12]}"
    settings.IMPORTS_CELERY_QUEUE = queue
    app = imports_commit_task.app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # publish to Redis, as in production
    log_dir = tmp_path / "worker-logs"
    log_dir.mkdir()
    pool = Workers(queue, Path(media_root), log_dir)
    pool.env["REPORTS_TEST_DELAY_SECONDS"] = "0"
    yield pool
    for process in pool.processes:
        pool.kill(process)
    app.conf.task_always_eager = eager
    redis_client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def test_a_worker_commits_the_import_once_and_builds_the_export(
    workers,
    manager,
    desk,
    partner,
    categories,
    medical,
    redis_client,  # noqa: F811
):
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(ledger())))
    services.batch_commit(actor=manager, batch=batch)  # the message leaves at commit
    assert redis_client.llen(workers.queue) == 1  # in Redis, not run in-process
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.QUEUED
    # the same message again, as a redelivery would bring it
    imports_commit_task.apply_async(args=[batch.pk], queue=workers.queue)
    workers.start("importer")

    def finished():
        row = ImportBatch.objects.get(pk=batch.pk)
        return row if row.status in (BatchStatus.DONE, BatchStatus.FAILED) else None

    done = wait_for(finished, "the worker to commit the import", workers)
    assert done.status == BatchStatus.DONE, done.error
    assert done.written_rows == 6
    assert set(done.rows.values_list("state", flat=True)) == {RowState.WRITTEN}
    wait_for(lambda: redis_client.llen(workers.queue) == 0, "the second message", workers)
    # the second message found the batch claimed and done: nothing twice
    assert Household.objects.count() == 1 and Person.objects.count() == 2
    assert Household.objects.get().history.get().history_user == manager

    export = services.export_request(actor=manager)
    built = wait_for(
        lambda: DeskExport.objects.filter(pk=export.pk, status=ExportStatus.DONE).first(),
        "the worker to build the export",
        workers,
    )
    book = load_workbook(built.file.path)
    assert book["ケース"]["C2"].value == "山田家の支援"
    assert len(built.person_ids) == 2
