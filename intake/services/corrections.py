"""訂正 of a consultation's counted values and 主訴, with its reason."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import log_action
from common.corrections import check_reason, record_correction, snapshot
from common.services import bump_version, check_version, save_as
from intake.access import can_edit_consultation
from intake.models import (
    Consultation,
)
from intake.services.consultations import IntakeRuleError, check_categories, set_categories

CONSULTATION_CORRECTED_FIELDS = (
    "received_at",
    "channel",
    "came_from",
    "summary",
    "wishes",
    "urgency",
    "outcome",
)


def _consultation_snapshot(consultation: Consultation, categories=None, primary=None):
    if categories is None:
        links = consultation.category_links.select_related("category")
        pairs = [(link.category, link.is_primary) for link in links]
    else:
        pairs = [(c, c.pk == primary.pk) for c in categories]
    pairs.sort(key=lambda pair: (pair[0].order, pair[0].pk))
    names = "、".join(f"{c.name}{_('（主）') if is_primary else ''}" for c, is_primary in pairs)
    return snapshot(
        consultation, CONSULTATION_CORRECTED_FIELDS, extra=[(_("相談内容"), names or "—")]
    )


@transaction.atomic
def consultation_correct(
    *,
    actor,
    consultation: Consultation,
    reason: str,
    expected_version: int | None,
    categories=None,
    primary_category=None,
    **fields,
) -> Consultation:
    """訂正 of a consultation, with its reason: the values the statistics count (受付日,
    相談方法, 相談者, 相談内容, 対応結果) and the 主訴. Refused with nothing saved when the
    actor may not edit it, the reason is empty or the form is stale. Side effects: a
    history row naming the actor with the reason, a Correction row, an action log."""
    if not can_edit_consultation(actor, consultation):
        raise IntakeRuleError(_("この相談受付を訂正する権限がありません。"), code="denied")
    reason = check_reason(reason)
    check_version(consultation, expected_version)
    if categories is not None:
        try:
            categories = check_categories(categories, primary_category)
        except IntakeRuleError as exc:
            raise IntakeRuleError(exc.messages[0], code="categories") from None
    before = _consultation_snapshot(consultation)
    for name in CONSULTATION_CORRECTED_FIELDS:
        if name in fields:
            setattr(consultation, name, fields[name])
    after = _consultation_snapshot(consultation, categories, primary_category)
    if after == before:
        raise IntakeRuleError(_("訂正する項目が変わっていません。"), code="unchanged")
    bump_version(consultation)
    consultation._change_reason = _("訂正: %(reason)s") % {"reason": reason}
    save_as(consultation, actor)
    if categories is not None and after[-1] != before[-1]:
        set_categories(actor, consultation, categories, primary_category)
    record_correction(obj=consultation, actor=actor, reason=reason, before=before, after=after)
    log_action(actor=actor, action="intake.consultation.corrected", obj=consultation)
    return consultation
