"""Writes of consultation attachments (common/attachments.py holds the machinery)."""

from django.db import transaction

from accounts.audit import log_action
from common.attachments import attachment_store
from intake.models import Consultation, ConsultationAttachment


@transaction.atomic
def consultation_attachment_add(
    *, actor, consultation: Consultation, uploaded, content_type: str, title: str = ""
) -> ConsultationAttachment:
    """Store a checked upload on the consultation. Side effects: history names the
    actor; an action row intake.consultation.attachment_added."""
    attachment = attachment_store(
        ConsultationAttachment,
        actor=actor,
        uploaded=uploaded,
        content_type=content_type,
        title=title,
        owner=consultation,
    )
    log_action(
        actor=actor,
        action="intake.consultation.attachment_added",
        obj=consultation,
        attachment=attachment.pk,
    )
    return attachment
