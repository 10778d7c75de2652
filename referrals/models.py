from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from cases.choices import ExemptionReason, GrantScope
from cases.models import Case, SupportRecord
from common.model_mixins import ChoiceLabels
from households.models import Consent, Person
from referrals.choices import OPEN_STATUSES, ReferralStatus


class ReferralQuerySet(models.QuerySet):
    def unanswered(self):
        return self.filter(status=ReferralStatus.SENT)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self):
        return self.filter(status=ReferralStatus.SENT, overdue_since__isnull=False)

    def with_basis_state(self, day=None):
        """Annotate basis_holds: the exemption stands or the consent is still valid
        (the receiver sees the referral's contents only while it does)."""
        day = day or timezone.localdate()
        valid_consent = Q(
            consent__isnull=False,
            consent__withdrawn_on__isnull=True,
            consent__obtained_on__lte=day,
        ) & (Q(consent__expires_on__isnull=True) | Q(consent__expires_on__gte=day))
        return self.annotate(
            basis_holds=models.ExpressionWrapper(
                ~Q(exemption_reason="") | valid_consent, output_field=models.BooleanField()
            )
        )


class Referral(ChoiceLabels, models.Model):
    """繋ぎ: one agency asks another to take up part of a case's support."""

    case = models.ForeignKey(
        Case, verbose_name=_("ケース"), on_delete=models.PROTECT, related_name="referrals"
    )
    persons = models.ManyToManyField(Person, verbose_name=_("対象者"), related_name="referrals")
    from_agency = models.ForeignKey(
        Agency, verbose_name=_("繋ぎ元"), on_delete=models.PROTECT, related_name="sent_referrals"
    )
    from_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("繋ぎ元の担当者"),
        on_delete=models.PROTECT,
        related_name="sent_referrals",
    )
    to_agency = models.ForeignKey(
        Agency,
        verbose_name=_("繋ぎ先"),
        on_delete=models.PROTECT,
        related_name="received_referrals",
    )
    reason = models.TextField(_("繋ぐ理由・経緯"))
    request = models.TextField(_("依頼したいこと"))
    scope = models.CharField(
        _("開示範囲"), max_length=20, choices=GrantScope.choices, default=GrantScope.SUMMARY
    )
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("本人同意"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    exemption_reason = models.CharField(
        _("法令上の例外の根拠"), max_length=20, choices=ExemptionReason.choices, blank=True
    )
    exemption_note = models.TextField(_("例外とする具体的な理由"), blank=True)
    status = models.CharField(
        _("状況"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.SENT,
        db_index=True,
    )
    sent_at = models.DateTimeField(_("送付日時"), default=timezone.now, db_index=True)
    answer_due_on = models.DateField(_("回答期限"))
    overdue_since = models.DateField(_("期限超過日"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理日時"), null=True, blank=True)
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    decline_reason = models.TextField(_("辞退の理由"), blank=True)
    response_note = models.TextField(_("繋ぎ先からの回答・メモ"), blank=True)
    support_record = models.OneToOneField(
        SupportRecord,
        verbose_name=_("繋ぎの支援経過"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[persons])

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("繋ぎ")
        verbose_name_plural = _("繋ぎ")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["to_agency", "status", "-sent_at"]),
            models.Index(fields=["from_agency", "status", "-sent_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent__isnull=False) | ~Q(exemption_reason=""),
                name="referral_has_basis",
            ),
        ]

    def __str__(self):
        return f"{self.from_agency} → {self.to_agency} ({self.get_status_display()})"

    @property
    def is_overdue(self) -> bool:
        return self.status == ReferralStatus.SENT and self.overdue_since is not None

    @property
    def rests_on_exemption(self) -> bool:
        return bool(self.exemption_reason)


class ReferralEvent(ChoiceLabels, models.Model):
    """Every step of a referral: when, by whom, from which status to which."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("メモ"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("繋ぎの経過")
        verbose_name_plural = _("繋ぎの経過")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.referral_id}: {self.from_status} → {self.to_status}"


class Notification(models.Model):
    """An in-app notice. verb is a generic sentence (no personal data: it is also the
    e-mail subject); link is a site path."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(_("内容"), max_length=200)
    link = models.CharField(_("リンク"), max_length=300, blank=True)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            )
        ]

    def __str__(self):
        return self.verb
