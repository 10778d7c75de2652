"""Thin tasks (STYLE 2): the rows decide, the messages only name them."""

import uuid

from celery import shared_task

from imports import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, time_limit=900)
def imports_commit_task(self, batch_id: int) -> str:
    return services.batch_run(batch_id=batch_id, token=self.request.id or uuid.uuid4().hex)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900)
def imports_export_task(export_id: int) -> str:
    return services.export_build(export_id=export_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def imports_purge_expired_exports_task() -> int:
    """Beat, daily: files of expired desk exports are deleted."""
    return services.export_purge_expired()
