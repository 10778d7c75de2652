"""Who may see which case, and why. Every access decision in the product is made here.

The ledger (AccessGrant) says why an agency or user may see a case; django-guardian's
direct foreign-key tables (CaseGroupObjectPermission, CaseUserObjectPermission) hold
the resulting permissions so lists are filtered with one EXISTS in SQL. The two are
kept equal by grants._sync(): a permission exists iff an active ledger row implies it.

Rules (DESIGN.md "Who may see what"):
- The lead agency's staff see and edit their cases (basis LEAD, scope LEAD).
- Another agency sees a case only through a recorded basis: an accepted referral, a
  plan role or a direct share, each covered by the person's Consent; or a legal
  exemption recorded with its reason. Withdrawn or expired consent revokes them.
- 支援会議 members see the agenda brief of that meeting's cases (scope MEETING_BRIEF,
  held per user), never the case file.
- 住所秘匿: address, phone and whereabouts only for the lead agency.
- Managers see statistics; case contents only through their agency membership.
- Administrators hold no membership and so see no case.
- Consultations: the receiving agency's staff, and those with FULL scope on its case.
- Outreach targets (before any consent): the desk and the assigned agency only.
- An agency's effective access is the widest scope of its active rows; screens that
  create a basis show preview_access() first, pages show effective_access().
- Closing a case (終結/中断) ends the plan (its PLAN_ROLE rows end with it) and the direct
  shares, which served the case's support; the lead keeps LEAD, and a referral's grant
  (ended by its own 完了/取消) and a meeting member's brief stay. Reopening restores the
  direct shares of the last closure whose consent still covers the agency; a legal
  exemption was judged for its moment and is recorded again, a closed plan stays closed.
- Leading a case opens the household's whereabouts, so a case on a 住所秘匿 household
  is opened only by the desk or an agency that already sees them (case_opening_refusal).

The rule lives in submodules: rules (scopes, consent), grants (the ledger's writes),
visibility (reads filtered in SQL) and effective (effective access and previews). This
package re-exports their public names, so `cases.sharing.X` stays the one place to ask.
"""

from cases.sharing.effective import (
    Access,
    AccessChange,
    agency_access,
    effective_access,
    preview_access,
    preview_plan_approval,
    share_basis,
)
from cases.sharing.grants import (
    case_opening_refusal,
    end_for_closure,
    ended_grants_on,
    grant,
    holds_whereabouts,
    restore_after_reopening,
    revoke,
    revoke_for_basis,
    revoke_for_consent,
    revoke_lapsed_consents,
    set_lead,
)
from cases.sharing.rules import (
    ACTION_PERM,
    ACTION_SCOPE,
    CONSENT_BASES,
    DIRECT_SHARE_BASES,
    PLAN_ROLE_SCOPE,
    SCOPE_PERMS,
    SharingRefused,
    at_the_table,
    at_the_table_q,
    consent_covers,
    covering_consents,
)
from cases.sharing.visibility import (
    agency_can_see,
    can,
    can_correct_record,
    case_ids_visible_q,
    case_visible_expr,
    cases_visible_to,
    consultations_visible_q,
    get_case_for_user,
    grants_for_case,
    held_on_case,
    outreach_targets_visible_q,
    sees_many_cases,
    user_scope,
    with_access,
)

__all__ = [
    "SCOPE_PERMS",
    "ACTION_SCOPE",
    "ACTION_PERM",
    "CONSENT_BASES",
    "PLAN_ROLE_SCOPE",
    "DIRECT_SHARE_BASES",
    "SharingRefused",
    "consent_covers",
    "covering_consents",
    "at_the_table_q",
    "at_the_table",
    "grant",
    "revoke",
    "revoke_for_basis",
    "ended_grants_on",
    "revoke_for_consent",
    "revoke_lapsed_consents",
    "end_for_closure",
    "restore_after_reopening",
    "holds_whereabouts",
    "case_opening_refusal",
    "set_lead",
    "cases_visible_to",
    "sees_many_cases",
    "case_ids_visible_q",
    "case_visible_expr",
    "with_access",
    "held_on_case",
    "get_case_for_user",
    "can",
    "can_correct_record",
    "grants_for_case",
    "user_scope",
    "agency_can_see",
    "outreach_targets_visible_q",
    "consultations_visible_q",
    "Access",
    "effective_access",
    "agency_access",
    "AccessChange",
    "preview_access",
    "preview_plan_approval",
    "share_basis",
]
