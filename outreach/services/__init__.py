"""Writes for アウトリーチ (STYLE 2): one function per use case, atomic, naming the actor.

Split along its two concepts: targets (and their contact attempts) and 世帯訪問調査
campaigns; `from outreach import services` keeps naming every use case.
"""

from common.writes import acting_agency
from outreach.services.campaigns import (
    campaign_add_households,
    campaign_create,
    campaign_flagged_to_targets,
    campaign_update,
    visit_record,
)
from outreach.services.rules import OutreachRuleError
from outreach.services.targets import (
    contact_create,
    target_connect_case,
    target_create,
    target_transition,
    target_update,
)

__all__ = [
    "OutreachRuleError",
    "acting_agency",
    "campaign_add_households",
    "campaign_create",
    "campaign_flagged_to_targets",
    "campaign_update",
    "contact_create",
    "target_connect_case",
    "target_create",
    "target_transition",
    "target_update",
    "visit_record",
]
