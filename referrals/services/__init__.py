"""Writes for referrals (繋ぎ), their notifications and the partner's way to the desk.

One function per use case, atomic, naming the actor (STYLE 2). Access to the case is
given and taken only through cases.sharing; every refusal raises ReferralRefused with a
Japanese message and leaves the database unchanged.


The package keeps one module per concept; importers use ``referrals.services``.
"""

from referrals.services.desk import desk_agencies, desk_referral_create
from referrals.services.notices import (
    hidden_duplicate_notify,
    notifications_mark_read,
    notify,
)
from referrals.services.rules import ReferralRefused, sides_of, system_user
from referrals.services.sending import referral_record_create, referral_send
from referrals.services.transitions import (
    referral_accept,
    referral_cancel,
    referral_complete,
    referral_decline,
    referral_start,
    referral_transition,
    referrals_end_for_consent,
    referrals_end_for_lapsed_consents,
    referrals_mark_overdue,
)

__all__ = [
    "ReferralRefused",
    "desk_agencies",
    "desk_referral_create",
    "hidden_duplicate_notify",
    "notifications_mark_read",
    "notify",
    "referral_accept",
    "referral_cancel",
    "referral_complete",
    "referral_decline",
    "referral_record_create",
    "referral_send",
    "referral_start",
    "referral_transition",
    "referrals_end_for_consent",
    "referrals_end_for_lapsed_consents",
    "referrals_mark_overdue",
    "sides_of",
    "system_user",
]
