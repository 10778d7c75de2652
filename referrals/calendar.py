"""Referral answer deadlines on the calendar (cases.calendar): referrals still waiting
for an answer, among those the user may see (selectors.referrals_visible_to)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.registry import CalendarEntry, register_calendar
from referrals.choices import ReferralStatus
from referrals.selectors import referrals_visible_to


@register_calendar
def referral_deadlines(user, start, end, *, scope):
    """mine: the referrals the user sent; agency: those sent by or to the user's
    agencies (the receiver answers by the date)."""
    rows = referrals_visible_to(user).filter(
        status=ReferralStatus.SENT, answer_due_on__gte=start, answer_due_on__lt=end
    )
    if scope == "mine":
        rows = rows.filter(from_staff=user)
    for pk, case_id, day in rows.values_list("pk", "case_id", "answer_due_on"):
        yield CalendarEntry(
            day=day,
            kind="referral_due",
            label=_("繋ぎの回答期限"),
            ref=(_("ケース#%(pk)s") % {"pk": case_id})
            if case_id
            else _("繋ぎ#%(pk)s") % {"pk": pk},
            url=reverse("referrals:referral_detail", args=[pk]),
            uid=f"referral:{pk}",
        )
