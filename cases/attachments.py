"""Writes of case attachments (common/attachments.py holds the machinery)."""

from django.db import transaction

from accounts.audit import log_action
from cases.models import Case, CaseAttachment
from common.attachments import attachment_store


@transaction.atomic
def case_attachment_add(*, actor, case: Case, **upload) -> CaseAttachment:
    """Store a checked upload (uploaded, content_type, title) on the case file. Side
    effects: history names the actor; an action row cases.case.attachment_added."""
    attachment = attachment_store(CaseAttachment, actor=actor, owner=case, **upload)
    log_action(
        actor=actor, action="cases.case.attachment_added", obj=case, attachment=attachment.pk
    )
    return attachment
