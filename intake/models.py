from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from common.attachments import AttachmentBase
from common.model_mixins import ChoiceLabels
from common.models import Versioned
from households.choices import ExemptionReason
from households.models import Consent, Household, Person
from intake.choices import (
    CameFrom,
    Channel,
    ConsentAtIntake,
    ContactMethod,
    Outcome,
    SheetStatus,
    Urgency,
)


class ConsultationCategory(models.Model):
    """相談内容 master data. statistics_group is the row of the desk's monthly table
    this category is counted under (大津町の統計表の区分)."""

    name = models.CharField(_("相談内容"), max_length=100, unique=True)
    statistics_group = models.CharField(_("統計区分"), max_length=100)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("有効"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("相談内容の区分")
        verbose_name_plural = _("相談内容の区分")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class ConsultationQuerySet(models.QuerySet):
    def awaiting_case(self):
        return self.filter(outcome=Outcome.ONGOING, case_link__isnull=True)


class Consultation(Versioned):
    """相談受付: one contact in which someone brings a concern to the desk."""

    received_at = models.DateTimeField(_("受付日時"), db_index=True)
    channel = models.CharField(_("相談方法"), max_length=20, choices=Channel.choices)
    came_from = models.CharField(_("相談者"), max_length=20, choices=CameFrom.choices)
    caller_name = models.CharField(_("相談者の氏名"), max_length=100, blank=True)
    caller_relationship = models.CharField(_("本人との関係"), max_length=100, blank=True)
    caller_agency = models.ForeignKey(
        Agency,
        verbose_name=_("相談元の機関"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("世帯"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    persons = models.ManyToManyField(
        Person, verbose_name=_("対象者"), blank=True, related_name="consultations"
    )
    categories = models.ManyToManyField(
        ConsultationCategory,
        verbose_name=_("相談内容"),
        through="ConsultationCategoryLink",
        related_name="consultations",
    )
    summary = models.TextField(_("主訴"))
    wishes = models.TextField(_("本人・相談者の希望"), blank=True)
    urgency = models.CharField(
        _("緊急度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    consent_status = models.CharField(
        _("情報共有の同意"),
        max_length=10,
        choices=ConsentAtIntake.choices,
        default=ConsentAtIntake.UNKNOWN,
    )
    # The basis on which another agency passed the person on (関係機関から, つなぐシート):
    # the day of the person's consent, or a legal exemption and its reason.
    consent_on = models.DateField(_("同意日"), null=True, blank=True)
    exemption_reason = models.CharField(
        _("法令上の例外の根拠"), max_length=20, choices=ExemptionReason.choices, blank=True
    )
    exemption_note = models.TextField(_("例外とする具体的な理由"), blank=True)
    # The 本人同意 recorded when this consultation was saved with 同意あり.
    recorded_consents = models.ManyToManyField(
        Consent, verbose_name=_("記録した本人同意"), blank=True, related_name="+"
    )
    outcome = models.CharField(_("対応結果"), max_length=20, choices=Outcome.choices)
    is_continuation = models.BooleanField(_("継続相談"), default=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受付者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("受付機関"), on_delete=models.PROTECT, related_name="consultations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("相談受付")
        verbose_name_plural = _("相談受付")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["agency", "-received_at"])]

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d} {self.get_channel_display()}"

    @property
    def primary_category(self):
        for link in self.category_links.all():
            if link.is_primary:
                return link.category
        return None


class ConsultationCategoryLink(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="category_links"
    )
    category = models.ForeignKey(ConsultationCategory, on_delete=models.PROTECT, related_name="+")
    is_primary = models.BooleanField(_("主"), default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "category"], name="consultation_category_once"
            ),
        ]


class ConnectSheet(ChoiceLabels, models.Model):
    """相談をつなぐシート: another municipal department passes a resident to the desk."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記入者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sender_agency = models.ForeignKey(
        Agency, verbose_name=_("担当課・機関"), on_delete=models.PROTECT, related_name="sent_sheets"
    )
    sent_at = models.DateTimeField(_("送付日時"), auto_now_add=True)
    # 対象者
    name_kana = models.CharField(_("ふりがな"), max_length=100)
    name = models.CharField(_("氏名"), max_length=100)
    birth_date = models.DateField(_("生年月日"), null=True, blank=True)
    age = models.PositiveSmallIntegerField(_("年齢"), null=True, blank=True)
    sex = models.CharField(_("性別"), max_length=10, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    home_phone = models.CharField(_("電話（自宅）"), max_length=30, blank=True)
    mobile_phone = models.CharField(_("電話（携帯）"), max_length=30, blank=True)
    email = models.EmailField(_("メール"), blank=True)
    # 来談者 (when not the person)
    visitor_name = models.CharField(_("来談者の氏名"), max_length=100, blank=True)
    visitor_phone = models.CharField(_("来談者の電話"), max_length=30, blank=True)
    visitor_relationship = models.CharField(_("本人との関係"), max_length=100, blank=True)
    topics = models.JSONField(_("相談内容"), default=list)
    topic_other = models.CharField(_("その他の内容"), max_length=200, blank=True)
    details = models.TextField(_("具体的な内容"))
    contact_method = models.CharField(_("連絡方法"), max_length=20, choices=ContactMethod.choices)
    contact_hours = models.CharField(_("連絡希望時間帯"), max_length=100, blank=True)
    consent_given = models.BooleanField(_("本人同意"), default=False)
    consent_date = models.DateField(_("同意日"), null=True, blank=True)
    exemption_reason = models.CharField(
        _("法令上の例外の根拠"), max_length=20, choices=ExemptionReason.choices, blank=True
    )
    exemption_note = models.TextField(_("例外とする具体的な理由"), blank=True)
    status = models.CharField(
        _("状況"), max_length=20, choices=SheetStatus.choices, default=SheetStatus.SENT
    )
    desk_note = models.TextField(_("窓口からの連絡"), blank=True)
    consultation = models.OneToOneField(
        Consultation, on_delete=models.SET_NULL, null=True, blank=True, related_name="connect_sheet"
    )
    taken_up_at = models.DateTimeField(_("受付日時"), null=True, blank=True)
    taken_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("つなぐシート")
        verbose_name_plural = _("つなぐシート")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.sent_at:%Y-%m-%d})"

    def topic_labels(self):
        from intake.choices import SheetTopic

        labels = dict(SheetTopic.choices)
        return [labels.get(t, t) for t in self.topics]


class ConsultationAttachment(AttachmentBase):
    """A document brought to or sent with a consultation (common/attachments.py)."""

    owner = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("相談受付"),
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("相談受付の添付ファイル")
        verbose_name_plural = _("相談受付の添付ファイル")
