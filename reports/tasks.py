"""Celery tasks of the monthly statistics (thin: the work is in reports.build and
reports.services).

reports_build_monthly_task is safe to run more than once for one request: the row is
claimed before any work and the files have fixed names. acks_late with
reject_on_worker_lost puts the message back when the process running it is killed
(acks_late alone would acknowledge it as failed and lose it); time_limit stays well
below the broker's visibility timeout (3600 s) so Redis never hands a message that
is still being worked on to a second worker. Transient database errors are retried
at most three times; anything else marks the report failed.
"""

import logging
import os
import socket
import uuid

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from common.pdf import JapaneseFontMissing
from reports import build, services

logger = logging.getLogger(__name__)

TIME_LIMIT = 600  # seconds; the broker's visibility_timeout is 3600
SOFT_TIME_LIMIT = 540
MAX_RETRIES = 3
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
    max_retries=MAX_RETRIES,
)
def reports_build_monthly_task(self, report_id: int) -> str:
    token = self.request.id or uuid.uuid4().hex
    worker = f"{self.request.hostname or socket.gethostname()}:{os.getpid()}"
    try:
        return build.build_monthly_report(report_id, token=token, worker=worker)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("report %s: giving up after %s retries", report_id, MAX_RETRIES)
            _fail(report_id, token, _("データベースに接続できず、統計を作成できませんでした。"))
            return "failed"
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
    except JapaneseFontMissing as exc:
        _fail(report_id, token, str(exc))
        return "failed"
    except SoftTimeLimitExceeded:
        logger.error("report %s: time limit reached", report_id)
        _fail(report_id, token, _("時間内に統計を作成できませんでした。"))
        return "failed"
    except Exception:
        logger.exception("report %s: build failed", report_id)
        _fail(report_id, token, _("統計の作成中にエラーが発生しました。"))
        return "failed"


def _send_build(report_id: int) -> None:
    """The build message for one report, on REPORTS_CELERY_QUEUE when set."""
    options = {}
    queue = getattr(settings, "REPORTS_CELERY_QUEUE", None)
    if queue:
        options["queue"] = queue
    reports_build_monthly_task.apply_async(args=[report_id], **options)


services.register_build_sender(_send_build)


def _fail(report_id: int, token: str, message: str) -> None:
    try:
        services.report_fail(report_id=report_id, token=token, error=message)
    except Exception:  # the database may be what failed; beat will find the row
        logger.exception("report %s: could not record the failure", report_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reports_schedule_monthly_task() -> int | None:
    """Beat, on the 1st: the previous month's 全機関 report."""
    report = services.report_schedule_previous_month()
    return report.pk if report is not None else None


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reports_requeue_stuck_task() -> list[int]:
    """Beat, every few minutes: requests stuck in queued or running are sent again."""
    return services.report_requeue_stuck()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reports_purge_expired_task() -> int:
    """Beat, daily: files of expired reports are deleted."""
    return services.report_purge_expired()
