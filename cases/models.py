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
    PlanStatus,
    Project,
    RecordKind,
    ReviewOutcome,
    RiskLevel,
)
from common.attachments import AttachmentBase
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
        indexes = [models.Index(fields=["lead_agency", "status", "-opened_on"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CasePerson(models.Model):
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


class CaseStatusChange(models.Model):
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


class AccessGrant(models.Model):
    """The ledger: why an agency (or a user) may see a case, and how much of it.

    cases/sharing.py keeps django-guardian's object permissions equal to the union of the
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


class PlanReview(models.Model):
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


class SupportRecordQuerySet(models.QuerySet):
    def in_period(self, start, end):
        return self.filter(occurred_at__date__gte=start, occurred_at__date__lte=end)


class SupportRecord(models.Model):
    """支援経過記録: one contact or piece of work on a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records")
    occurred_at = models.DateTimeField(_("日時"), db_index=True)
    kind = models.CharField(_("種別"), max_length=20, choices=RecordKind.choices)
    project = models.CharField(
        _("事業"), max_length=1, choices=Project.choices, default=Project.COLLABORATION
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("機関"), on_delete=models.PROTECT, related_name="support_records"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    persons = models.ManyToManyField(
        Person, verbose_name=_("対象者"), blank=True, related_name="support_records"
    )
    minutes = models.PositiveIntegerField(_("所要時間（分）"), null=True, blank=True)
    narrative = models.TextField(_("内容"))
    next_visit_on = models.DateField(
        _("次回訪問予定日"),
        null=True,
        blank=True,
        help_text=_("決まっていれば入力します。カレンダーに「訪問」として表示されます。"),
    )
    # A 繋ぎ typed by hand names the agency outside the system it went to; a 繋ぎ to an
    # agency in the system is a Referral, whose record (Referral.support_record) is
    # written by referrals.services.referral_send.
    referred_to = models.CharField(
        _("繋ぎ先（システムに登録されていない機関）"), max_length=200, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[persons])

    objects = SupportRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("支援経過記録")
        verbose_name_plural = _("支援経過記録")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["case", "-occurred_at"]),
            models.Index(fields=["agency", "occurred_at"]),
            # 繋ぎ typed by hand naming no agency: the few the statistics check for a
            # referral of the same day (reports.statistics.referrals_typed_twice).
            models.Index(
                fields=["occurred_at"],
                condition=Q(kind=RecordKind.REFERRAL, referred_to=""),
                name="record_referral_unnamed",
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d} {self.get_kind_display()}"


class Reminder(models.Model):
    """An in-app reminder of one thing due, once per recipient, subject and day (the
    daily task may run twice). Holds no personal data: a kind and a numbered subject
    (「ケース#12」), shown on ホーム and counted in the optional e-mail digest."""

    class Kind(models.TextChoices):
        PLAN_REVIEW = "plan_review", _("プランの評価日")
        CONSENT_EXPIRING = "consent_expiring", _("本人同意の期限が近い")
        REFERRAL_OVERDUE = "referral_overdue", _("繋ぎの回答期限切れ")
        NEXT_VISIT = "next_visit", _("次回訪問の予定日")
        STALE_CASE = "stale_case", _("支援経過の記録がないケース")
        HANDOVER = "handover", _("ケースの引継ぎ")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=50)  # "case:12", "plan:3", "referral:8"
    label = models.CharField(_("対象"), max_length=50)  # 「ケース#12」: no personal data
    link = models.CharField(_("リンク"), max_length=300, blank=True)
    day = models.DateField(_("日付"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("リマインダー")
        verbose_name_plural = _("リマインダー")
        ordering = ["-day", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject", "day"], name="one_reminder_a_day"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.label}"


class AgencyReminderSetting(models.Model):
    """Per agency: after how many days without a support record a case is stale."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="+")
    stale_after_days = models.PositiveIntegerField(_("記録がないと知らせるまでの日数"), default=60)

    class Meta:
        verbose_name = _("リマインダーの設定（機関）")
        verbose_name_plural = _("リマインダーの設定（機関）")


class ReminderPreference(models.Model):
    """Per user: whether to receive the daily e-mail digest (counts and a link only)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    email_digest = models.BooleanField(_("毎日のまとめをメールで受け取る"), default=False)
    digest_sent_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("リマインダーの設定（利用者）")
        verbose_name_plural = _("リマインダーの設定（利用者）")


class CalendarFeedToken(models.Model):
    """A user's secret iCal feed address (cases.calendar): only the SHA-256 of the
    token is kept; the token itself is shown once. Deleting the row revokes it; a new
    token replaces the old one. The feed carries no personal data (kind and number)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("最終取得日時"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("カレンダー購読用アドレス")
        verbose_name_plural = _("カレンダー購読用アドレス")

    def __str__(self):
        return f"{self.user_id}"


class CaseAttachment(AttachmentBase):
    """A document kept on the case file (common/attachments.py)."""

    owner = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("ケース")
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("ケースの添付ファイル")
        verbose_name_plural = _("ケースの添付ファイル")
