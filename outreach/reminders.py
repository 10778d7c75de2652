"""Reminders of next visits whose date has come (cases.reminders)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Reminder
from cases.reminders import Due, register_reminder_source


@register_reminder_source
def next_visits_reached(today):
    """The latest contact attempt of a target set a next date that has come and nothing
    was recorded since: to the staff who made it."""
    from outreach.choices import OPEN_TARGET_STATUSES
    from outreach.models import ContactAttempt

    later = ContactAttempt.objects.filter(
        target=OuterRef("target"), contacted_on__gt=OuterRef("contacted_on")
    )
    rows = (
        ContactAttempt.objects.filter(
            next_on__lte=today, staff__is_active=True, target__status__in=OPEN_TARGET_STATUSES
        )
        .filter(~Exists(later))
        .values_list("target_id", "staff_id")
        .distinct()
    )
    for target_id, staff_id in rows:
        yield Due(
            staff_id,
            Reminder.Kind.NEXT_VISIT,
            f"outreach_target:{target_id}",
            _("訪問対象#%(pk)s") % {"pk": target_id},
            reverse("outreach:target_detail", args=[target_id]),
        )
