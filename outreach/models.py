from django.conf import settings
from django.db import models
from django.db.models import Q
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
from households.models import District, Household, Person
from outreach.choices import (
    OPEN_TARGET_STATUSES,
    ContactMethod,
    TargetSource,
    TargetStatus,
    VisitResult,
)


class OutreachTargetQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_TARGET_STATUSES)


class OutreachTarget(CreatedByStamp, Versioned):
    """アウトリーチ対象: a person or household not yet in support.

    Either may be unknown at first; then `description` holds what is known ("駅前の
    アパート2階の高齢男性"). Targets exist before any consent, so only the desk and the
    assigned agency see them (outreach.selectors.targets_visible_to).
    """

    household = optional_fk(Household, _("世帯"), related_name="outreach_targets")
    person = optional_fk(Person, _("対象者"), related_name="outreach_targets")
    description = models.CharField(
        _("対象者の手がかり"),
        max_length=300,
        blank=True,
        help_text=_(
            "氏名や世帯が分からないときに、分かっていること（例: 駅前アパート2階の高齢男性）"
        ),
    )
    district = optional_fk(District, _("行政区"), related_name="outreach_targets")
    source = models.CharField(_("把握の経路"), max_length=20, choices=TargetSource.choices)
    source_detail = models.CharField(
        _("経路の詳細"), max_length=200, blank=True, help_text=_("例: 〇〇地区の民生委員から")
    )
    concern = models.TextField(_("気になること"))
    status = models.CharField(
        _("状況"),
        max_length=20,
        choices=TargetStatus.choices,
        default=TargetStatus.IDENTIFIED,
        db_index=True,
    )
    status_note = models.TextField(_("状況のメモ・中断の理由"), blank=True)
    found_on = models.DateField(_("把握日"), db_index=True)
    assigned_agency = models.ForeignKey(
        Agency,
        verbose_name=_("担当機関"),
        on_delete=models.PROTECT,
        related_name="outreach_targets",
    )
    case = optional_fk(Case, _("つながったケース"), related_name="outreach_targets")
    connected_on = optional_date(_("支援につながった日"), db_index=True)
    visit = models.OneToOneField(
        "outreach.VisitRecord",
        verbose_name=_("世帯訪問調査の記録"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="target",
    )
    history = HistoricalRecords()

    objects = OutreachTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("アウトリーチ対象")
        verbose_name_plural = _("アウトリーチ対象")
        ordering = ["-found_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(person__isnull=False) | ~Q(description=""),
                name="outreach_target_identifiable",
            ),
        ]
        indexes = [models.Index(fields=["assigned_agency", "status"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.full_name
        if self.household_id:
            return self.household.name
        return self.description

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TARGET_STATUSES


class ContactAttempt(ChoiceLabels, HandledBy, NextStep, CreatedStamp):
    """接触の試み: a visit, call, letter or accompanied visit, by whom and with what result.

    When the target is on a case the writer may record on, the attempt is also a 支援経過
    (事業 ③) and `support_record` points at it, so statistics count it once.
    """

    target = models.ForeignKey(OutreachTarget, on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(_("日付"), db_index=True)
    method = models.CharField(_("方法"), max_length=20, choices=ContactMethod.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("機関"), on_delete=models.PROTECT, related_name="+"
    )
    companions = models.CharField(
        _("同行者"), max_length=200, blank=True, help_text=_("例: 民生委員 〇〇さん")
    )
    reached = models.BooleanField(_("本人・家族と接触できた"), default=False)
    result = models.TextField(_("結果"))
    support_record = models.OneToOneField(
        SupportRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outreach_contact",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("接触の記録")
        verbose_name_plural = _("接触の記録")
        ordering = ["-contacted_on", "-pk"]

    def __str__(self):
        return f"{self.contacted_on} {self.get_method_display()}"


class VisitCampaign(CreatedByStamp, Versioned):
    """世帯訪問調査: districts visited in turn over a period by named agencies."""

    name = models.CharField(_("調査名"), max_length=200)
    districts = models.ManyToManyField(
        District, verbose_name=_("対象の行政区"), related_name="visit_campaigns"
    )
    starts_on = models.DateField(_("開始日"))
    ends_on = models.DateField(_("終了日"))
    visiting_agencies = models.ManyToManyField(
        Agency, verbose_name=_("訪問する機関"), related_name="visit_campaigns"
    )
    note = models.TextField(_("備考"), blank=True)
    history = HistoricalRecords(m2m_fields=[districts, visiting_agencies])

    class Meta:
        verbose_name = _("世帯訪問調査")
        verbose_name_plural = _("世帯訪問調査")
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return self.name


class VisitRecord(Versioned):
    """One household's row in a campaign; empty result = not visited yet."""

    campaign = models.ForeignKey(VisitCampaign, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey(
        Household, verbose_name=_("世帯"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("結果"), max_length=20, choices=VisitResult.choices, blank=True)
    visited_on = optional_date(_("訪問日"))
    note = models.TextField(_("メモ"), blank=True)
    visited_by = optional_fk(settings.AUTH_USER_MODEL, _("訪問者"), related_name="+")
    agency = optional_fk(Agency, _("訪問した機関"), related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("訪問記録")
        verbose_name_plural = _("訪問記録")
        ordering = ["household__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="visit_once_per_household"
            )
        ]

    def __str__(self):
        return f"{self.campaign} / {self.household}"
