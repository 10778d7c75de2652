from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("作成中")
    DONE = "done", _("完了")
    FAILED = "failed", _("失敗")


# A request in one of these is still on its way: the page keeps polling it.
PENDING_STATUSES = [ReportStatus.QUEUED, ReportStatus.RUNNING]


class PeriodKind(models.TextChoices):
    """What a statistics report covers (reports.periods.ReportPeriod)."""

    MONTH = "month", _("月")
    QUARTER = "quarter", _("四半期")
    FISCAL_YEAR = "fiscal_year", _("年度")
    RANGE = "range", _("期間指定")
