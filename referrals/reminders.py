"""Reminders of referrals whose answer is overdue (cases.reminders)."""

from django.urls import reverse

from cases.models import Reminder
from cases.reminders import Due, case_label, register_reminder_source
from referrals.choices import ReferralStatus


@register_reminder_source
def referral_answers_overdue(today):
    """A referral still unanswered after its answer date: to the staff who sent it."""
    from referrals.models import Referral

    rows = Referral.objects.filter(
        status=ReferralStatus.SENT,
        answer_due_on__lt=today,
        from_staff__isnull=False,
        from_staff__is_active=True,
    ).values_list("pk", "case_id", "from_staff_id")
    for pk, case_id, staff_id in rows:
        yield Due(
            staff_id,
            Reminder.Kind.REFERRAL_OVERDUE,
            f"referral:{pk}",
            case_label(case_id) if case_id else f"#{pk}",
            reverse("referrals:referral_detail", args=[pk]),
        )
