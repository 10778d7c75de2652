from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.model_mixins import CreatedByStamp, CreatedStamp, optional_date, optional_fk, user_link
from common.models import Versioned
from community.choices import (
    AGE_BANDS,
    MULTIGENERATIONAL_BANDS,
    IssueSource,
    IssueStatus,
    ResourceKind,
)
from households.models import District


class CommunityResourceQuerySet(models.QuerySet):
    def active_between(self, start, end):
        """Resources running at some time in [start, end]."""
        return self.filter(Q(started_on__isnull=True) | Q(started_on__lte=end)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=start)
        )


class CommunityResource(CreatedByStamp, Versioned):
    """地域資源: a place where people meet (サロン, 子ども食堂, 通いの場, 協議体, …)."""

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("種類"), max_length=20, choices=ResourceKind.choices)
    district = optional_fk(District, _("行政区"), related_name="community_resources")
    organiser = models.CharField(_("運営者"), max_length=200)
    place = models.CharField(_("場所"), max_length=300, blank=True)
    schedule = models.CharField(
        _("開催日時"), max_length=200, help_text=_("例: 毎月第2水曜 10時〜")
    )
    contact = models.CharField(_("連絡先"), max_length=200, blank=True)
    description = models.TextField(_("内容"), blank=True)
    started_on = optional_date(_("開始日"))
    ended_on = optional_date(_("終了日"))
    history = HistoricalRecords()

    objects = CommunityResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("地域資源")
        verbose_name_plural = _("地域資源")
        ordering = ["kind", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def is_running(self) -> bool:
        return self.ended_on is None


class ActivityLog(CreatedStamp, Versioned):
    """One meeting of a resource: how many took part by age band, and volunteers."""

    resource = models.ForeignKey(
        CommunityResource,
        verbose_name=_("地域資源"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    held_on = models.DateField(_("開催日"), db_index=True)
    children = models.PositiveIntegerField(_("子ども（0〜17歳）"), default=0)
    youth = models.PositiveIntegerField(_("若者（18〜39歳）"), default=0)
    middle_aged = models.PositiveIntegerField(_("中高年（40〜64歳）"), default=0)
    elderly = models.PositiveIntegerField(_("高齢者（65歳以上）"), default=0)
    volunteers = models.PositiveIntegerField(_("ボランティア"), default=0)
    note = models.TextField(_("内容・気づき"), blank=True)
    recorded_by = user_link(_("記録者"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("活動記録")
        verbose_name_plural = _("活動記録")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.resource} {self.held_on}"

    @property
    def participants(self) -> int:
        return sum(getattr(self, band) for band, _label in AGE_BANDS)

    @property
    def bands_present(self) -> int:
        return sum(1 for band, _label in AGE_BANDS if getattr(self, band))

    @property
    def is_multigenerational(self) -> bool:
        return self.bands_present >= MULTIGENERATIONAL_BANDS


class CommunityIssue(CreatedStamp, Versioned):
    """地域課題 / 制度の狭間. Raised from meetings or cases as counts only: no names and
    no links to cases, so it can be discussed openly in the 協議体."""

    title = models.CharField(_("課題"), max_length=200)
    description = models.TextField(_("内容"))
    district = optional_fk(
        District, _("行政区"), related_name="community_issues", help_text=_("町全体の課題なら空欄")
    )
    source = models.CharField(_("提起の経路"), max_length=20, choices=IssueSource.choices)
    case_count = models.PositiveIntegerField(
        _("背景にあるケースの数"),
        null=True,
        blank=True,
        help_text=_("件数のみ。氏名やケースを特定できる内容は書かないでください。"),
    )
    status = models.CharField(
        _("状況"),
        max_length=20,
        choices=IssueStatus.choices,
        default=IssueStatus.RAISED,
        db_index=True,
    )
    raised_on = models.DateField(_("提起日"), db_index=True)
    resolved_on = optional_date(_("解決日"), db_index=True)
    raised_by = user_link()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("地域課題")
        verbose_name_plural = _("地域課題")
        ordering = ["-raised_on", "-pk"]

    def __str__(self):
        return self.title


class IssueAction(CreatedStamp):
    """A dated step taken on a community issue."""

    issue = models.ForeignKey(CommunityIssue, on_delete=models.CASCADE, related_name="actions")
    taken_on = models.DateField(_("日付"))
    description = models.TextField(_("取り組んだこと"))
    by = user_link(_("記録者"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("地域課題への取り組み")
        verbose_name_plural = _("地域課題への取り組み")
        ordering = ["-taken_on", "-pk"]

    def __str__(self):
        return f"{self.issue} {self.taken_on}"
