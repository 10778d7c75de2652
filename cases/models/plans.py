"""Working a case: assessments, versioned support plans with their roles and reviews."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from cases.choices import PlanStatus, ReviewOutcome
from cases.models.case import Case
from common.model_mixins import ChoiceLabels
from common.models import Versioned
from households.models import Consent, Person


class AssessmentIssue(models.Model):
    """Configurable list of issues an assessment can mark (8050, ダブルケア, …)."""

    name = models.CharField(_("課題"), max_length=100, unique=True)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("アセスメントの課題")
        verbose_name_plural = _("アセスメントの課題")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class Assessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("実施日"))
    household_overview = models.TextField(_("世帯全体の状況"))
    issues = models.ManyToManyField(AssessmentIssue, verbose_name=_("世帯の課題"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[issues])

    class Meta:
        verbose_name = _("アセスメント")
        verbose_name_plural = _("アセスメント")
        ordering = ["-assessed_on", "-pk"]


class AssessmentMember(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    situation = models.TextField(_("状況"), blank=True)
    strengths = models.TextField(_("強み・できていること"), blank=True)
    issues = models.ManyToManyField(
        AssessmentIssue, verbose_name=_("課題"), blank=True, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[issues])


class SupportPlan(Versioned):
    """支援プラン, versioned: each revision is a new row with number+1."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveIntegerField(_("版"))
    status = models.CharField(
        _("状態"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    person_wishes = models.TextField(_("本人の希望"))
    goals = models.TextField(_("目標"))
    review_on = models.DateField(_("評価予定日"), null=True, blank=True, db_index=True)
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("本人同意"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
    )
    consented_on = models.DateField(_("同意日"), null=True, blank=True)
    approved_on = models.DateField(_("承認日"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The day the plan came into force (実施開始), given when it is activated; history
    # typed in later keeps the day it really happened.
    activated_on = models.DateField(_("実施開始日"), null=True, blank=True, db_index=True)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("支援プラン")
        verbose_name_plural = _("支援プラン")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="plan_number_once")]

    def __str__(self):
        return f"{self.case} 第{self.number}版"


class PlanRole(models.Model):
    """役割分担: 困りごと × 支援機関 × 支援方法, with a due date."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="roles")
    concern = models.CharField(_("困りごと"), max_length=300)
    agency = models.ForeignKey(
        Agency, verbose_name=_("支援機関"), on_delete=models.PROTECT, related_name="plan_roles"
    )
    method = models.TextField(_("支援方法"))
    person = models.ForeignKey(
        Person,
        verbose_name=_("対象者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(_("期限"), null=True, blank=True)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]


class PlanReview(ChoiceLabels, models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("評価日"))
    evaluation = models.TextField(_("評価"))
    outcome = models.CharField(_("評価の結果"), max_length=20, choices=ReviewOutcome.choices)
    next_review_on = models.DateField(_("次回評価日"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
