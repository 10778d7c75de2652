from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from cases.models import Case, SupportRecord
from common.model_mixins import (
    ChoiceLabels,
    CreatedByStamp,
    CreatedStamp,
    HandledBy,
    NextStep,
    optional_date,
    optional_fk,
)
from common.models import Versioned
from households.models import District, Person
from participation.choices import (
    WEEKDAYS,
    EndReason,
    FollowUpMethod,
    HostContactMethod,
    HostOutcome,
    OpportunityKind,
    PlacementStatus,
    mask_to_days,
)


class OpportunityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def open_on(self, weekday: int):
        """Open on the weekday (0 = Monday): one bitwise test in SQL."""
        bit = 1 << int(weekday)
        return self.alias(day_bit=models.F("days").bitand(bit)).filter(day_bit=bit)


class Opportunity(CreatedByStamp, Versioned):
    """参加先: a place a person can take part in (居場所, ボランティア, 就労体験, …).

    Not personal data: every case worker sees the list.
    """

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("種類"), max_length=20, choices=OpportunityKind.choices)
    description = models.TextField(_("内容"), blank=True)
    host_name = models.CharField(_("受入先"), max_length=200)
    host_agency = optional_fk(Agency, _("受入先（登録機関）"), related_name="opportunities")
    district = optional_fk(District, _("行政区"), related_name="opportunities")
    place = models.CharField(_("場所"), max_length=300, blank=True)
    days = models.PositiveSmallIntegerField(_("曜日"), default=0)
    hours = models.CharField(_("時間"), max_length=100, blank=True, help_text=_("例: 10:00〜15:00"))
    capacity = models.PositiveSmallIntegerField(_("定員"), null=True, blank=True)
    conditions = models.TextField(_("条件・配慮できること"), blank=True)
    contact = models.CharField(_("連絡先"), max_length=200, blank=True)
    is_active = models.BooleanField(_("受入中"), default=True)
    history = HistoricalRecords()

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("参加先")
        verbose_name_plural = _("参加先")
        ordering = ["kind", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def day_list(self) -> list[int]:
        return mask_to_days(self.days)

    @property
    def days_display(self) -> str:
        labels = dict(WEEKDAYS)
        return "・".join(str(labels[d]) for d in self.day_list)


class HostDevelopment(HandledBy, NextStep, CreatedStamp, Versioned):
    """受入先開拓: a visit or hearing with a company or 法人 that might take people in."""

    contacted_on = models.DateField(_("日付"), db_index=True)
    organisation = models.CharField(_("相手先"), max_length=200)
    host_agency = optional_fk(Agency, _("相手先（登録機関）"), related_name="+")
    method = models.CharField(_("方法"), max_length=20, choices=HostContactMethod.choices)
    outcome = models.CharField(_("結果"), max_length=20, choices=HostOutcome.choices)
    outcome_note = models.TextField(_("内容"))
    opportunity = optional_fk(
        Opportunity, _("生まれた参加先"), related_name="host_logs", on_delete=models.SET_NULL
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("受入先開拓の記録")
        verbose_name_plural = _("受入先開拓の記録")
        ordering = ["-contacted_on", "-pk"]

    def __str__(self):
        return f"{self.contacted_on} {self.organisation}"


class Placement(CreatedByStamp, Versioned):
    """A person's way into an opportunity: 調整中 → 体験中 → 定着 → 終了 (with a reason).

    Visible to desk staff and to those who may see the linked case's records.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("本人"), on_delete=models.PROTECT, related_name="placements"
    )
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("参加先"), on_delete=models.PROTECT, related_name="placements"
    )
    case = optional_fk(Case, _("ケース"), related_name="placements")
    agency = models.ForeignKey(
        Agency, verbose_name=_("調整する機関"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状況"),
        max_length=20,
        choices=PlacementStatus.choices,
        default=PlacementStatus.COORDINATING,
        db_index=True,
    )
    coordinating_on = models.DateField(_("調整開始日"), db_index=True)
    trial_started_on = optional_date(_("体験開始日"), db_index=True)
    settled_on = optional_date(_("定着日"), db_index=True)
    ended_on = optional_date(_("終了日"), db_index=True)
    end_reason_kind = models.CharField(
        _("終了の理由"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_reason = models.TextField(_("終了の理由の詳細"), blank=True)
    note = models.TextField(_("本人の希望・配慮すること"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参加支援")
        verbose_name_plural = _("参加支援")
        ordering = ["-coordinating_on", "-pk"]

    def __str__(self):
        return f"{self.person} / {self.opportunity}"


class PlacementFollowUp(ChoiceLabels, HandledBy, CreatedStamp):
    """定着支援: a follow-up with the person or the host after the placement began."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="follow_ups")
    followed_on = models.DateField(_("日付"), db_index=True)
    method = models.CharField(_("方法"), max_length=20, choices=FollowUpMethod.choices)
    note = models.TextField(_("内容"))
    agency = models.ForeignKey(
        Agency, verbose_name=_("機関"), on_delete=models.PROTECT, related_name="+"
    )
    support_record = models.OneToOneField(
        SupportRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placement_follow_up",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("定着支援の記録")
        verbose_name_plural = _("定着支援の記録")
        ordering = ["-followed_on", "-pk"]

    def __str__(self):
        return f"{self.followed_on} {self.get_method_display()}"
