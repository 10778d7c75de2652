"""The cases app's models, one submodule per concept; Django finds them here."""

from cases.models.case import (
    AccessGrant,
    Case,
    CaseAttachment,
    CaseConsultation,
    CaseGroupObjectPermission,
    CasePerson,
    CaseQuerySet,
    CaseStatusChange,
    CaseUserObjectPermission,
)
from cases.models.plans import (
    Assessment,
    AssessmentIssue,
    AssessmentMember,
    PlanReview,
    PlanRole,
    SupportPlan,
)
from cases.models.records import SupportRecord, SupportRecordQuerySet
from cases.models.reminders import (
    AgencyReminderSetting,
    CalendarFeedToken,
    Reminder,
    ReminderPreference,
)

__all__ = [
    "AccessGrant",
    "AgencyReminderSetting",
    "Assessment",
    "AssessmentIssue",
    "AssessmentMember",
    "CalendarFeedToken",
    "Case",
    "CaseAttachment",
    "CaseConsultation",
    "CaseGroupObjectPermission",
    "CasePerson",
    "CaseQuerySet",
    "CaseStatusChange",
    "CaseUserObjectPermission",
    "PlanReview",
    "PlanRole",
    "Reminder",
    "ReminderPreference",
    "SupportPlan",
    "SupportRecord",
    "SupportRecordQuerySet",
]
