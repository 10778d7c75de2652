"""What every case write shares: the refusal it raises and the plan rules the case's
lifecycle and the plan services both apply."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.choices import PLAN_TRANSITIONS, PlanStatus
from cases.models import SupportPlan


class CaseRuleError(ValidationError):
    """A refused action; the message is Japanese and says what is missing."""


# The plan versions a closure ends: approved, in force or reviewed. A draft stays a
# draft (nothing rests on it) but cannot be approved while the case is ended.
PLANS_IN_FORCE = [PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.REVIEWED]


def check_plan_transition(plan: SupportPlan, to_status: str) -> None:
    if to_status not in PLAN_TRANSITIONS.get(plan.status, set()):
        raise CaseRuleError(
            _("プランを「%(from)s」から「%(to)s」にはできません。")
            % {"from": PlanStatus(plan.status).label, "to": PlanStatus(to_status).label}
        )
