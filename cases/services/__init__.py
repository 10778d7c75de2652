"""Writes for cases (STYLE 2): one function per use case, atomic, naming the actor.

Views, tasks and commands call these; none saves a case model itself. The use cases
live in submodules (case, lifecycle, plans, records; rules holds what they share);
this package re-exports them, so `cases.services.X` is where callers find them.
"""

from cases.services.case import (
    assessment_create,
    case_link_consultation,
    case_open,
    case_set_persons,
    case_share,
    case_update,
    grant_end,
)
from cases.services.lifecycle import (
    case_end_plan_and_shares,
    case_transition,
    plan_close,
)
from cases.services.plans import (
    ENDED_CASE_PLAN,
    ROLE_FIELDS,
    plan_activate,
    plan_approve,
    plan_create,
    plan_record_consent,
    plan_record_new_consent,
    plan_review,
    plan_revise,
    plan_uncovered_agencies,
    plan_update,
)
from cases.services.records import (
    RECORD_CORRECTED_FIELDS,
    hand_typed_referral_refusal,
    record_correct,
    record_create,
)
from cases.services.rules import (
    PLANS_IN_FORCE,
    CaseRuleError,
)

__all__ = [
    "ENDED_CASE_PLAN",
    "ROLE_FIELDS",
    "CaseRuleError",
    "PLANS_IN_FORCE",
    "RECORD_CORRECTED_FIELDS",
    "assessment_create",
    "case_end_plan_and_shares",
    "case_link_consultation",
    "case_open",
    "case_set_persons",
    "case_share",
    "case_transition",
    "case_update",
    "grant_end",
    "hand_typed_referral_refusal",
    "plan_activate",
    "plan_approve",
    "plan_close",
    "plan_create",
    "plan_record_consent",
    "plan_record_new_consent",
    "plan_review",
    "plan_revise",
    "plan_uncovered_agencies",
    "plan_update",
    "record_correct",
    "record_create",
]
