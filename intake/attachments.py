"""Writes of consultation attachments (common/attachments.py holds the machinery)."""

from django.db import transaction

from accounts.audit import log_action
from common.attachments import attachment_store
from intake.models import Consultation, ConsultationAttachment


@transaction.atomic
def consultation_attachment_add(
    *, actor, consultation: Consultation, **upload
) -> ConsultationAttachment:
    """Store a checked upload (uploaded, content_type, title) on the consultation. Side
    effects: history names the actor; an action row intake.consultation.attachment_added."""
    attachment = attachment_store(ConsultationAttachment, actor=actor, owner=consultation, **upload)
    action = "intake.consultation.attachment_added"
    log_action(actor=actor, action=action, obj=consultation, attachment=attachment.pk)
    return attachment
