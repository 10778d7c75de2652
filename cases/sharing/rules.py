"""The vocabulary of the sharing rule: which permissions each scope implies, which
bases rest on consent, and whether a consent covers an agency on a case."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Agency
from cases.choices import GrantBasis, GrantScope
from cases.models import Case
from households.models import Consent

# Which permissions each scope implies (cumulative, smallest scope first).
SCOPE_PERMS = {
    GrantScope.MEETING_BRIEF: {"view_case_brief"},
    GrantScope.SUMMARY: {"view_case_summary"},
    GrantScope.RECORDS: {"view_case_summary", "view_case_records"},
    GrantScope.FULL: {"view_case_summary", "view_case_records", "view_case"},
    GrantScope.LEAD: {
        "view_case_summary",
        "view_case_records",
        "view_case",
        "change_case",
        "view_case_confidential",
    },
}
# The minimum scope each action needs.
ACTION_SCOPE = {
    "brief": GrantScope.MEETING_BRIEF,
    "summary": GrantScope.SUMMARY,
    "records": GrantScope.RECORDS,
    "full": GrantScope.FULL,
    "change": GrantScope.LEAD,
}
ACTION_PERM = {
    "brief": "view_case_brief",
    "summary": "view_case_summary",
    "records": "view_case_records",
    "full": "view_case",
    "change": "change_case",
    "confidential": "view_case_confidential",
}
# Bases that rest on the person's consent; they end when it does.
CONSENT_BASES = {GrantBasis.CONSENT, GrantBasis.REFERRAL, GrantBasis.PLAN_ROLE}
# What a plan role opens to its agency (cases.services.plan_activate).
PLAN_ROLE_SCOPE = GrantScope.RECORDS
# Bases of a direct share (the share page): with no basis object, they rest on the case.
DIRECT_SHARE_BASES = {GrantBasis.CONSENT, GrantBasis.EXEMPTION}


class SharingRefused(Exception):
    """A grant the rules do not allow; the message says what to record."""


def consent_covers(consent: Consent | None, agency: Agency, case: Case, day=None) -> bool:
    """A valid consent of a person of this case's household that names the agency."""
    if consent is None or not consent.is_valid(day):
        return False
    if not consent.agencies.filter(pk=agency.pk).exists():
        return False
    return consent.person.household_memberships.filter(household=case.household).exists()


def covering_consents(case: Case, agency: Agency) -> QuerySet[Consent]:
    """Valid consents of the case's persons that name the agency, newest first."""
    return (
        Consent.objects.valid_on()
        .filter(agencies=agency, person__household_memberships__household=case.household)
        .distinct()
        .order_by("-obtained_on", "-pk")
    )


def at_the_table_q(agency_ids) -> Q:
    """Cases the agencies may hear discussed on the person's consent (every meeting but
    a 支援会議): one of them leads the case, or a valid consent of the household names
    one of them. Asked at each reading, so a withdrawn or expired consent or a new lead
    changes the answer at once."""
    covering = Consent.objects.valid_on().filter(
        agencies__in=list(agency_ids),
        person__household_memberships__household=OuterRef("household"),
    )
    return Q(lead_agency_id__in=list(agency_ids)) | Exists(covering)


def at_the_table(case: Case, agency) -> bool:
    """at_the_table_q for one case and one agency (an Agency or its id)."""
    agency_id = getattr(agency, "pk", agency)
    return Case.objects.filter(pk=case.pk).filter(at_the_table_q([agency_id])).exists()
