"""The case and who may see it: Case, its persons, consultations and status changes,
the sharing ledger (AccessGrant) with guardian's permission tables, and its files."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from cases.choices import (
    OPEN_STATUSES,
    CasePersonRole,
    CaseStatus,
    CloseReason,
    ExemptionReason,
    GrantBasis,
    GrantScope,
    RiskLevel,
)
from common.attachments import AttachmentBase
from common.model_mixins import ChoiceLabels
from common.models import Versioned
from households.models import Consent, Household, Person
from intake.models import Consultation


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(Versioned):
    """ケース: one household's problem-set, followed by a lead agency and 主担当."""

    household = models.ForeignKey(
        Household, verbose_name=_("世帯"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("ケース名"), max_length=200)
    lead_agency = models.ForeignKey(
        Agency, verbose_name=_("主担当機関"), on_delete=models.PROTECT, related_name="led_cases"
    )
    lead_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主担当"),
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    status = models.CharField(
        _("状況"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.RECEIVED,
        db_index=True,
    )
    risk_level = models.CharField(
        _("リスク"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    opened_on = models.DateField(_("開始日"), db_index=True)
    closed_on = models.DateField(_("終結日"), null=True, blank=True, db_index=True)
    close_reason_kind = models.CharField(
        _("終結理由"), max_length=20, choices=CloseReason.choices, blank=True
    )
    close_reason = models.TextField(_("終結理由の詳細"), blank=True)
    collaboration_started_on = models.DateField(_("多機関協働の開始日"), null=True, blank=True)
    collaboration_ended_on = models.DateField(_("多機関協働の終了日"), null=True, blank=True)
    summary = models.TextField(_("ケースの概要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("ケース")
        verbose_name_plural = _("ケース")
        ordering = ["-opened_on", "-pk"]
        permissions = [
            ("view_case_summary", _("ケースの概要を見る")),
            ("view_case_records", _("プランと支援経過を見る")),
            ("view_case_confidential", _("秘匿情報を見る")),
            ("view_case_brief", _("会議資料を見る")),
        ]
        indexes = [
            models.Index(fields=["lead_agency", "status", "-opened_on"]),
            # A counsellor's own cases newest first (ホーム, the list's 自分が主担当).
            models.Index(fields=["lead_staff", "-opened_on", "-id"], name="case_lead_staff_opened"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CasePerson(ChoiceLabels, models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_persons")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(_("ケースでの立場"), max_length=20, choices=CasePersonRole.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="case_person_once")]


class CaseConsultation(models.Model):
    """A consultation belongs to at most one case (the first, or a 継続相談)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultation_links")
    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="case_link"
    )
    linked_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()


class CaseStatusChange(ChoiceLabels, models.Model):
    """Every transition, dated and by whom; reopening keeps the earlier rows."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    on = models.DateField(_("日付"))
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        # The statistics ask, per case, for its last change on or before a day.
        indexes = [models.Index(fields=["case", "on"], name="status_change_case_on")]


class AccessGrant(ChoiceLabels, models.Model):
    """The ledger: why an agency (or a user) may see a case, and how much of it.

    cases.sharing keeps django-guardian's object permissions equal to the union of the
    active rows here. basis_object points at what the grant rests on (a referral, a
    meeting, a plan role) without cases importing those apps.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="case_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_grants",
    )
    basis = models.CharField(_("根拠"), max_length=20, choices=GrantBasis.choices)
    scope = models.CharField(_("範囲"), max_length=20, choices=GrantScope.choices)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="case_grants"
    )
    basis_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    basis_id = models.PositiveBigIntegerField(null=True, blank=True)
    basis_object = GenericForeignKey("basis_type", "basis_id")
    exemption_reason = models.CharField(
        _("例外の根拠"), max_length=20, choices=ExemptionReason.choices, blank=True
    )
    note = models.TextField(_("理由・メモ"), blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)
    # The 終結/中断 that ended this grant (cases.sharing.end_for_closure): reopening the
    # case restores the rows of its last closure whose basis still holds.
    ended_by_closure = models.ForeignKey(
        CaseStatusChange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ended_grants",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("共有の根拠")
        verbose_name_plural = _("共有の根拠")
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(user__isnull=False), name="grant_has_holder"
            ),
        ]
        indexes = [
            models.Index(
                fields=["case", "agency"],
                condition=Q(revoked_at__isnull=True),
                name="grant_active_case_agency",
            ),
            models.Index(
                fields=["consent"],
                condition=Q(revoked_at__isnull=True),
                name="grant_active_consent",
            ),
        ]

    def __str__(self):
        return f"{self.case_id}:{self.agency or self.user}:{self.basis}/{self.scope}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CaseAttachment(AttachmentBase):
    """A document kept on the case file (common/attachments.py)."""

    owner = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("ケース")
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("ケースの添付ファイル")
        verbose_name_plural = _("ケースの添付ファイル")
