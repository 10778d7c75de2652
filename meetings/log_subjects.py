"""Names of meetings for the access-log review (households/audit_labels.py): a meeting
is named only to a reviewer who may see it (meetings.selectors)."""

from households.registry import register_log_subject
from meetings.selectors import meetings_visible_to


@register_log_subject("meetings.meeting")
def meeting_titles(user, ids) -> dict:
    return {m.pk: m.display_title for m in meetings_visible_to(user).filter(pk__in=ids)}
