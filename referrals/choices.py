from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import GrantScope


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("送付")
    ACCEPTED = "accepted", _("受理")
    DECLINED = "declined", _("辞退")
    IN_PROGRESS = "in_progress", _("対応中")
    COMPLETED = "completed", _("完了")
    CANCELLED = "cancelled", _("取消")


class Side(models.TextChoices):
    """Which end of a referral may take a step."""

    SENDER = "sender", _("繋ぎ元")
    RECEIVER = "receiver", _("繋ぎ先")


# The state machine: every allowed move and the side that may make it. Anything not
# in this table is refused by referrals.services.referral_transition.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ReferralStatus.SENT, ReferralStatus.ACCEPTED): Side.RECEIVER,
    (ReferralStatus.SENT, ReferralStatus.DECLINED): Side.RECEIVER,
    (ReferralStatus.SENT, ReferralStatus.CANCELLED): Side.SENDER,
    (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS): Side.RECEIVER,
    (ReferralStatus.ACCEPTED, ReferralStatus.CANCELLED): Side.SENDER,
    (ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED): Side.RECEIVER,
    (ReferralStatus.IN_PROGRESS, ReferralStatus.CANCELLED): Side.SENDER,
}

# Statuses in which the receiving agency holds a grant on the case.
GRANTED_STATUSES = [ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS]
# Still waiting for, or in, work.
OPEN_STATUSES = [ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS]
ENDED_STATUSES = [
    ReferralStatus.DECLINED,
    ReferralStatus.COMPLETED,
    ReferralStatus.CANCELLED,
]

# What the sender may open to the receiver (never LEAD or a meeting brief).
REFERRAL_SCOPES = [GrantScope.SUMMARY, GrantScope.RECORDS, GrantScope.FULL]


def allowed_targets(status: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == status]
