"""What every referral write shares: its refusal, the system user of the daily task,
the sides a user works at, and the project a step counts under."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import Agency, User
from accounts.system import system_user as _accounts_system_user
from cases.choices import Project
from cases.models import Case
from referrals.choices import (
    Side,
)
from referrals.models import Referral


class ReferralRefused(ValidationError):
    """A refused referral action; the message is Japanese and says what to do."""


def system_user() -> User:
    """The user the daily task acts as (username "system", inactive, no password), so
    history rows and the action log name a user. Kept in accounts.system, shared with
    the other apps' tasks."""
    return _accounts_system_user()


def sides_of(user, referral: Referral) -> set[str]:
    """Which ends of the referral the user works at (case workers only)."""
    if not (user and user.is_authenticated and user.is_active and user.works_on_cases):
        return set()
    sides = set()
    if referral.from_agency_id in user.agency_ids:
        sides.add(Side.SENDER)
    if referral.to_agency_id in user.agency_ids:
        sides.add(Side.RECEIVER)
    return sides


def project_for(case: Case, day: dt.date) -> str:
    """② 多機関協働 while the case's collaboration runs, otherwise ① 包括的相談支援."""
    start, end = case.collaboration_started_on, case.collaboration_ended_on
    if start and start <= day and (end is None or end >= day):
        return Project.COLLABORATION
    return Project.COMPREHENSIVE


def basis_refusal(agency: Agency) -> ReferralRefused:
    return ReferralRefused(
        _(
            "%(agency)sへ繋ぐには、%(agency)sを共有先に含む有効な本人同意が必要です。"
            "世帯のページで本人同意（共有先に%(agency)sを含めたもの）を記録してから選ぶか、"
            "法令上の例外の根拠と具体的な理由を記録してください。"
        )
        % {"agency": agency.name},
        code="no_basis",
    )
