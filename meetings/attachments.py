"""Writes of meeting attachments (common/attachments.py holds the machinery)."""

from django.db import transaction

from accounts.audit import log_action
from common.attachments import attachment_store
from meetings.models import Meeting, MeetingAttachment


@transaction.atomic
def meeting_attachment_add(*, actor, meeting: Meeting, **upload) -> MeetingAttachment:
    """Store a checked upload (uploaded, content_type, title: a handout, a signed
    attendance sheet) on the meeting. Side effects: history names the actor; an action
    row meetings.meeting.attachment_added."""
    attachment = attachment_store(MeetingAttachment, actor=actor, owner=meeting, **upload)
    action = "meetings.meeting.attachment_added"
    log_action(actor=actor, action=action, obj=meeting, attachment=attachment.pk)
    return attachment
