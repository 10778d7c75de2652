from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.model_mixins import ChoiceLabels


class Versioned(ChoiceLabels, models.Model):
    """A version column for optimistic locking: a stale second save is refused."""

    version = models.PositiveIntegerField(_("版"), default=1, editable=False)

    class Meta:
        abstract = True


class Correction(models.Model):
    """訂正: a change to a record that counts as final (a support record, a consultation,
    finalised minutes), with its reason. The record itself is saved through its app's
    service (simple-history names the user); this row keeps the reason and the values
    before and after, as the labelled strings the record's page showed, so the page can
    show the earlier version struck through (common.corrections)."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    reason = models.TextField(_("訂正の理由"))
    before = models.JSONField(_("訂正前"), default=list)  # [[label, shown value], ...]
    after = models.JSONField(_("訂正後"), default=list)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("訂正者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrected_at = models.DateTimeField(_("訂正日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("訂正")
        verbose_name_plural = _("訂正")
        ordering = ["-corrected_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="correction_of")]

    def __str__(self):
        return f"{self.content_type_id}:{self.object_id} {self.corrected_at:%Y-%m-%d}"
