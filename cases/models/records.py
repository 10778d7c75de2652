"""支援経過記録: the support records written on a case."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from cases.choices import Project, RecordKind
from cases.models.case import Case
from common.model_mixins import ChoiceLabels
from households.models import Person


class SupportRecordQuerySet(models.QuerySet):
    def in_period(self, start, end):
        return self.filter(occurred_at__date__gte=start, occurred_at__date__lte=end)


class SupportRecord(ChoiceLabels, models.Model):
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
