"""Next visits on the calendar (cases.calendar): the date the latest contact attempt
of an open target set, for the targets the user may see (the list's own queryset)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.registry import CalendarEntry, register_calendar


@register_calendar
def next_visits(user, start, end, *, scope):
    """mine: the attempts the user made; agency: those made for the user's agencies."""
    from outreach.choices import OPEN_TARGET_STATUSES
    from outreach.models import ContactAttempt
    from outreach.selectors import targets_visible_to

    later = ContactAttempt.objects.filter(
        target=OuterRef("target"), contacted_on__gt=OuterRef("contacted_on")
    )
    attempts = ContactAttempt.objects.filter(
        next_on__gte=start,
        next_on__lt=end,
        target__status__in=OPEN_TARGET_STATUSES,
        target__in=targets_visible_to(user),
    ).filter(~Exists(later))
    if scope == "mine":
        attempts = attempts.filter(staff=user)
    else:
        attempts = attempts.filter(agency_id__in=user.case_agency_ids)
    seen = set()
    for pk, target_id, day in attempts.values_list("pk", "target_id", "next_on").order_by("pk"):
        if (target_id, day) in seen:
            continue
        seen.add((target_id, day))
        yield CalendarEntry(
            day=day,
            kind="visit",
            label=_("訪問"),
            ref=_("訪問対象#%(pk)s") % {"pk": target_id},
            url=reverse("outreach:target_detail", args=[target_id]),
            uid=f"outreach-contact:{pk}",
        )
