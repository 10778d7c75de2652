from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from reports.choices import PENDING_STATUSES, PeriodKind, ReportStatus
from reports.periods import ReportPeriod


class MonthlyReportQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=PENDING_STATUSES)


class MonthlyReport(models.Model):
    """A request for one period's statistics (PDF and Excel): a month, a quarter, a
    年度 or a range of days, for 全機関 or one agency. The row is the source of
    truth: the Celery task only ever acts on what this row says, so a lost, duplicated
    or redelivered message cannot lose a request or make a second file.

    Status moves queued → running → done / failed (reports.services); a request stuck
    in queued or running is put back to queued by reports_requeue_stuck_task. progress
    and heartbeat_at change every few seconds while a worker builds the report and are
    left out of the history on purpose (they are not decisions of anyone).
    """

    # The period asked for (reports.periods.ReportPeriod): its kind and first and last
    # day. month is the first day of the month it ends in (for a monthly report, the
    # month itself); rows made before other periods existed are monthly ones.
    period_kind = models.CharField(
        _("期間の種類"), max_length=12, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    period_start = models.DateField(_("期間の初日"))
    period_end = models.DateField(_("期間の末日"))
    month = models.DateField(_("対象月"), help_text=_("期間の最後の月の初日"))
    scope_agency = models.ForeignKey(
        Agency,
        verbose_name=_("集計対象の機関"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("空欄は全機関（システムに登録されているすべての機関）"),
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="report_period_in_order",
            )
        ]

    def __str__(self):
        return f"{self.period_label} {self.scope_label}"

    @property
    def period(self) -> ReportPeriod:
        return ReportPeriod(self.period_kind, self.period_start, self.period_end)

    @property
    def period_label(self) -> str:
        """令和6年5月分, 令和6年度 第1四半期（4月〜6月）, 令和6年度, or the range."""
        return self.period.title

    month_label = period_label  # the name of earlier versions

    @property
    def document_title(self) -> str:
        return self.period.document_title

    @property
    def scope_label(self) -> str:
        """What the figures include: 全機関, or the agency's name."""
        return self.scope_agency.name if self.scope_agency_id else str(_("全機関"))

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
