"""Writes for the monthly statistics requests (STYLE 2): one function per use case.

The MonthlyReport row is the source of truth; Celery messages only say "look at row N".
A message is sent after the request commits (transaction.on_commit), and whatever
happens to it (lost in a Redis restart, delivered twice, redelivered after a worker
died) the row decides:

- report_claim: a build starts only by claiming the row (SELECT … FOR UPDATE SKIP
  LOCKED, then queued → running with the message's id as claim token). A second
  message for a row that another live worker holds is dropped. The same message
  delivered again (its worker died: reject_on_worker_lost, or Redis's visibility
  timeout) takes the row over, as does anyone once the holder's heartbeat is older
  than REPORTS_STUCK_AFTER_SECONDS.
- report_progress: moves progress and the heartbeat, refusing when the claim is lost.
- report_finish / report_fail: only the claim holder ends the build.
- report_requeue_stuck (beat): rows queued or running without a sign of life for
  REPORTS_STUCK_AFTER_SECONDS go back to queued with a fresh message; after
  REPORTS_MAX_ATTEMPTS builds, or when a request is older than
  REPORTS_GIVE_UP_AFTER_SECONDS, they fail with a message asking to request again.

Status changes are saved with save_as (history names the user, the system user for
the worker's steps). progress and heartbeat_at are excluded from the history and are
the only fields moved with QuerySet.update(), as a conditional UPDATE on the claim.
"""

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.system import system_user
from common.services import save_as
from common.wareki import format_date, format_month
from reports import selectors
from reports.choices import PENDING_STATUSES, PeriodKind, ReportStatus
from reports.models import MonthlyReport
from reports.periods import ReportPeriod, add_months, desk_opened_on

logger = logging.getLogger(__name__)


class ReportRefused(ValidationError):
    """A refused request; the message is Japanese and says why."""


class ClaimLost(Exception):
    """Another worker took the report over (this one was presumed dead)."""


def stuck_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "REPORTS_STUCK_AFTER_SECONDS", 15 * 60))


def give_up_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "REPORTS_GIVE_UP_AFTER_SECONDS", 24 * 3600))


def max_attempts() -> int:
    return getattr(settings, "REPORTS_MAX_ATTEMPTS", 5)


def keep_for() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "REPORTS_KEEP_DAYS", 90))


# The build message is sent by reports.tasks, which imports this module; so this module
# never imports tasks (not even inside a function): tasks registers its sender here when
# it is imported, which ReportsConfig.ready() makes sure of.
_build_sender = None


def register_build_sender(send) -> None:
    """Called once by reports.tasks: send(report_id) queues the build message."""
    global _build_sender
    _build_sender = send


def _enqueue_on_commit(report_id: int) -> None:
    """Send the build message once the row is committed. If the broker cannot be
    reached the row stays queued and reports_requeue_stuck_task sends it later."""

    def send():
        if _build_sender is None:
            logger.warning("report %s: no build sender registered; beat will send it", report_id)
            return
        try:
            _build_sender(report_id)
        except Exception:  # the broker is down: the row is the record, beat resends it
            logger.warning("report %s: could not send the build message", report_id, exc_info=True)

    transaction.on_commit(send)


# ---------------------------------------------------------------- requests


def period_refusal(period: ReportPeriod, *, today: dt.date | None = None) -> str:
    """Why statistics cannot be made for the period, or "" (also used by the form)."""
    today = today or timezone.localdate()
    opened = desk_opened_on()
    if period.kind == PeriodKind.MONTH:
        first = opened.replace(day=1)
        if period.start > today.replace(day=1):
            return _("まだ始まっていない月の統計は作成できません。")
        if period.start < first:
            return _("窓口の開設（%(month)s）より前の月の統計は作成できません。") % {
                "month": format_month(first.year, first.month)
            }
        return ""
    if period.start > today:
        return _("まだ始まっていない期間の統計は作成できません。")
    if period.kind == PeriodKind.RANGE and period.end > today:
        return _("期間の末日に未来の日付は指定できません。")
    if period.end < opened:
        return _("窓口の開設（%(date)s）より前の期間の統計は作成できません。") % {
            "date": format_date(opened)
        }
    return ""


@transaction.atomic
def report_request(
    *, actor, month: dt.date | None = None, period: ReportPeriod | None = None, agency=None
) -> MonthlyReport:
    """A manager or coordinator asks for one period's statistics: a month (month, any
    day in it) or any ReportPeriod (a quarter, a 年度, a range of days); agency=None:
    全機関. A request for the same period and scope still on its way is returned instead
    of a second one. Side effects: action log; the build message after commit."""
    if not selectors.may_request(actor, agency):
        raise ReportRefused(_("この範囲の統計を依頼する権限がありません。"))
    if period is None:
        period = ReportPeriod.for_month(month)
    refusal = period_refusal(period)
    if refusal:
        raise ReportRefused(refusal)
    # Two web processes may take the same request at once (a double click spread by
    # the load balancer): the requester's row, locked until commit, makes the second
    # wait and then find the first's pending report instead of adding its own.
    list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
    pending = MonthlyReport.objects.filter(
        requested_by=actor,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        scope_agency=agency,
        status__in=PENDING_STATUSES,
    ).first()
    if pending is not None:
        return pending
    report = MonthlyReport(
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        month=period.end.replace(day=1),
        scope_agency=agency,
        requested_by=actor,
        enqueued_at=timezone.now(),
    )
    save_as(report, actor)
    log_action(
        actor=actor,
        action="reports.report.requested",
        obj=report,
        period=period.kind,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        scope=agency.pk if agency is not None else "all",
    )
    _enqueue_on_commit(report.pk)
    return report


def report_schedule_previous_month(*, today: dt.date | None = None) -> MonthlyReport | None:
    """Beat on the 1st: the 全機関 report of the previous month, requested by the
    system user. Idempotent: nothing new when one exists that did not fail."""
    today = today or timezone.localdate()
    month = add_months(today.replace(day=1), -1)
    actor = system_user()
    if month < desk_opened_on().replace(day=1):
        return None
    exists = (
        MonthlyReport.objects.filter(
            requested_by=actor,
            period_kind=PeriodKind.MONTH,
            month=month,
            scope_agency__isnull=True,
        )
        .exclude(status=ReportStatus.FAILED)
        .exists()
    )
    if exists:
        return None
    return report_request(actor=actor, month=month)


# ---------------------------------------------------------------- the build's steps


def _takeable(report: MonthlyReport, token: str, now: dt.datetime) -> bool:
    if report.status == ReportStatus.QUEUED:
        return True
    if report.status != ReportStatus.RUNNING:
        return False
    if report.claim_token == token:
        return True  # this very message again: its previous run died
    last_sign = report.heartbeat_at or report.started_at or report.enqueued_at
    return last_sign < now - stuck_after()


def report_claim(*, report_id: int, token: str, worker: str) -> MonthlyReport | None:
    """Claim the row for one build, or None when it is not this message's to build
    (done, failed, gone, or held by a live worker)."""
    with transaction.atomic():
        report = (
            MonthlyReport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("scope_agency", "requested_by")
            .filter(pk=report_id)
            .first()
        )
        now = timezone.now()
        if report is None or not _takeable(report, token, now):
            return None
        report.status = ReportStatus.RUNNING
        report.claim_token = token
        report.worker = worker[:200]
        report.attempts += 1
        report.started_at = now
        report.heartbeat_at = now
        report.finished_at = None
        report.progress = 0
        report.error = ""
        save_as(report, system_user())
    remove_partial_files(report)
    return report


def report_progress(*, report: MonthlyReport, token: str, progress: int) -> None:
    """Record progress (and that the worker lives); raise ClaimLost if taken over."""
    updated = MonthlyReport.objects.filter(
        pk=report.pk, status=ReportStatus.RUNNING, claim_token=token
    ).update(progress=progress, heartbeat_at=timezone.now())
    if not updated:
        raise ClaimLost(report.pk)
    report.progress = progress


@transaction.atomic
def report_finish(*, report: MonthlyReport, token: str, pdf_name: str, xlsx_name: str) -> bool:
    """The holder marks the report done with its two files. Side effects: action log."""
    current = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if current.status != ReportStatus.RUNNING or current.claim_token != token:
        return False
    now = timezone.now()
    current.status = ReportStatus.DONE
    current.progress = 100
    current.heartbeat_at = now
    current.finished_at = now
    current.expires_at = now + keep_for()
    current.pdf.name = pdf_name
    current.xlsx.name = xlsx_name
    actor = system_user()
    save_as(current, actor)
    log_action(actor=actor, action="reports.report.done", obj=current)
    return True


@transaction.atomic
def report_fail(*, report_id: int, token: str | None, error: str) -> bool:
    """End the build as failed (token None: whoever holds it). Side effects: action log."""
    current = MonthlyReport.objects.select_for_update().filter(pk=report_id).first()
    if current is None or current.status not in PENDING_STATUSES:
        return False
    if token is not None and current.claim_token != token:
        return False
    current.status = ReportStatus.FAILED
    current.error = error[:1000]
    current.finished_at = timezone.now()
    actor = system_user()
    save_as(current, actor)
    log_action(actor=actor, action="reports.report.failed", obj=current)
    return True


def report_requeue_stuck(*, now: dt.datetime | None = None) -> list[int]:
    """Beat: put stuck requests back in the queue (or give up on them). Returns the ids
    sent again. Each row is re-checked under its lock, so a worker claiming it at the
    same moment wins and the row is left alone."""
    now = now or timezone.now()
    stale = now - stuck_after()
    running_stale = Q(status=ReportStatus.RUNNING) & (
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, enqueued_at__lt=stale)
    )
    candidates = list(
        MonthlyReport.objects.filter(
            Q(status=ReportStatus.QUEUED, enqueued_at__lt=stale) | running_stale
        ).values_list("pk", flat=True)
    )
    requeued = []
    actor = None
    for pk in candidates:  # a handful of stuck rows, each needs its own locked write
        with transaction.atomic():
            report = MonthlyReport.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if report is None or report.status not in PENDING_STATUSES:
                continue
            if report.status == ReportStatus.RUNNING and not _takeable(report, "", now):
                continue
            if report.status == ReportStatus.QUEUED and report.enqueued_at >= stale:
                continue
            actor = actor or system_user()
            if report.attempts >= max_attempts() or report.created_at < now - give_up_after():
                report.status = ReportStatus.FAILED
                report.finished_at = now
                report.error = _("統計を作成できませんでした。もう一度依頼してください。")
                save_as(report, actor)
                log_action(actor=actor, action="reports.report.failed", obj=report, stuck=True)
                continue
            report.status = ReportStatus.QUEUED
            report.claim_token = ""
            report.worker = ""
            report.progress = 0
            report.enqueued_at = now
            save_as(report, actor)
            log_action(actor=actor, action="reports.report.requeued", obj=report)
            _enqueue_on_commit(report.pk)
            requeued.append(report.pk)
    return requeued


def report_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Beat: delete the files of reports past their expiry; the row stays as a record."""
    now = now or timezone.now()
    expired = MonthlyReport.objects.filter(status=ReportStatus.DONE, expires_at__lt=now).exclude(
        pdf="", xlsx=""
    )
    count = 0
    actor = None
    for report in expired:  # at most a few a day
        actor = actor or system_user()
        with transaction.atomic():
            for field in (report.pdf, report.xlsx):
                if field.name:
                    default_storage.delete(field.name)
            report.pdf.name = ""
            report.xlsx.name = ""
            save_as(report, actor)
            log_action(actor=actor, action="reports.report.purged", obj=report)
        count += 1
    return count


# ---------------------------------------------------------------- files


def report_file_name(report: MonthlyReport, extension: str) -> str:
    """The same name for every build of one request, so a rebuild replaces the file.
    Named for what it holds: the period (monthly-2024-05, quarterly-2024-q1,
    fiscal-2024, range-20240401-20240615) and the scope (all-agencies: every agency
    in the system; agency<id>: that agency's own work)."""
    scope = f"agency{report.scope_agency_id}" if report.scope_agency_id else "all-agencies"
    return f"reports/{report.month:%Y}/{report.pk}/{report.period.slug}-{scope}.{extension}"


def write_report_file(name: str, data: bytes, token: str) -> None:
    """Write atomically: a partial file under a hidden name, then rename over the final
    one. A worker killed half-way leaves only a .part file, removed at the next claim.
    (Needs a filesystem storage: settings.STORAGES["default"] is FileSystemStorage.)"""
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{token[:40]}.part")
    partial.write_bytes(data)
    partial.replace(path)


def remove_partial_files(report: MonthlyReport) -> None:
    directory = Path(default_storage.path(report_file_name(report, "pdf"))).parent
    if directory.is_dir():
        for leftover in directory.glob(".*.part"):
            leftover.unlink(missing_ok=True)
