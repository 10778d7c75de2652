from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from common.wareki import format_month
from reports.choices import PENDING_STATUSES, ReportStatus


class MonthlyReportQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=PENDING_STATUSES)


class MonthlyReport(models.Model):
    """A request for one month's statistics (PDF and Excel). The row is the source of
    truth: the Celery task only ever acts on what this row says, so a lost, duplicated
    or redelivered message cannot lose a request or make a second file.

    Status moves queued → running → done / failed (reports.services); a request stuck
    in queued or running is put back to queued by reports_requeue_stuck_task. progress
    and heartbeat_at change every few seconds while a worker builds the report and are
    left out of the history on purpose (they are not decisions of anyone).
    """

    month = models.DateField(_("対象月"), help_text=_("月の初日"))
    scope_agency = models.ForeignKey(
        Agency,
        verbose_name=_("集計対象の機関"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("空欄は窓口全体"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("依頼者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("進捗（%）"), default=0)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="reports/", max_length=300, blank=True)
    xlsx = models.FileField(_("Excel"), upload_to="reports/", max_length=300, blank=True)
    expires_at = models.DateTimeField(_("保存期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    # Delivery bookkeeping (reports.services): when the last build message was sent,
    # which message and worker hold the claim, how many builds were started.
    enqueued_at = models.DateTimeField(_("送信日時"), default=timezone.now)
    claim_token = models.CharField(max_length=64, blank=True)
    worker = models.CharField(_("作成したワーカー"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("作成の試行回数"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["progress", "heartbeat_at"])

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("月次統計")
        verbose_name_plural = _("月次統計")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_by_requester"),
            models.Index(fields=["status", "enqueued_at"], name="report_by_status"),
        ]

    def __str__(self):
        return f"{self.month_label} {self.scope_label}"

    @property
    def month_label(self) -> str:
        return _("%(month)s分") % {"month": format_month(self.month.year, self.month.month)}

    @property
    def scope_label(self) -> str:
        return self.scope_agency.name if self.scope_agency_id else str(_("窓口全体"))

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status == ReportStatus.DONE

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def can_download(self) -> bool:
        return self.is_done and not self.is_expired and bool(self.pdf) and bool(self.xlsx)
