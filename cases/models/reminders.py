"""Reminders and their settings, and the calendar feed's token."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from common.model_mixins import ChoiceLabels


class Reminder(ChoiceLabels, models.Model):
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
