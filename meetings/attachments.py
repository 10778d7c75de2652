"""Writes of meeting attachments (common/attachments.py holds the machinery)."""

from django.db import transaction

from accounts.audit import log_action
from common.attachments import attachment_store
from meetings.models import Meeting, MeetingAttachment


@transaction.atomic
def meeting_attachment_add(
    *, actor, meeting: Meeting, uploaded, content_type: str, title: str = ""
) -> MeetingAttachment:
    """Store a checked upload (a handout, a signed attendance sheet) on the meeting.
    Side effects: history names the actor; an action row meetings.meeting.attachment_added."""
    attachment = attachment_store(
        MeetingAttachment,
        actor=actor,
        uploaded=uploaded,
        content_type=content_type,
        title=title,
        owner=meeting,
    )
    log_action(
        actor=actor,
        action="meetings.meeting.attachment_added",
        obj=meeting,
        attachment=attachment.pk,
    )
    return attachment
