"""Who may see which case, and why. Every access decision in the product is made here.

The ledger (AccessGrant) says why an agency or user may see a case; django-guardian's
direct foreign-key tables (CaseGroupObjectPermission, CaseUserObjectPermission) hold
the resulting permissions so lists are filtered with one EXISTS in SQL. The two are
kept equal by _sync(): a permission exists iff an active ledger row implies it.

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
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_access, log_action
from accounts.models import AccessLog, Agency
from accounts.services import agency_group
from cases.choices import ENDED_STATUSES, SCOPE_ORDER, GrantBasis, GrantScope, PlanStatus
from cases.models import (
    AccessGrant,
    Case,
    CaseGroupObjectPermission,
    CaseStatusChange,
    CaseUserObjectPermission,
)
from households import access as household_access
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


def _permissions(codenames) -> dict[str, Permission]:
    ct = ContentType.objects.get_for_model(Case)
    return {
        p.codename: p for p in Permission.objects.filter(content_type=ct, codename__in=codenames)
    }


def _wanted_perms(grants) -> set[str]:
    wanted: set[str] = set()
    for grant in grants:
        wanted |= SCOPE_PERMS[grant.scope]
    return wanted


def _sync(case: Case, *, agency: Agency | None = None, user=None) -> None:
    """Make guardian's permissions for (case, holder) equal the active ledger rows."""
    active = AccessGrant.objects.filter(case=case, revoked_at__isnull=True)
    if agency is not None:
        wanted = _wanted_perms(active.filter(agency=agency))
        table, holder = CaseGroupObjectPermission, {"group": agency_group(agency)}
    else:
        wanted = _wanted_perms(active.filter(user=user, agency__isnull=True))
        table, holder = CaseUserObjectPermission, {"user": user}
    existing = set(
        table.objects.filter(content_object=case, **holder).values_list(
            "permission__codename", flat=True
        )
    )
    perms = _permissions(wanted | existing)
    for codename in wanted - existing:
        table.objects.create(content_object=case, permission=perms[codename], **holder)
    if existing - wanted:
        table.objects.filter(
            content_object=case, permission__codename__in=existing - wanted, **holder
        ).delete()
    if agency is not None:
        _sync_household(case, agency, wanted)


def _sync_household(case: Case, agency: Agency, case_perms: set[str]) -> None:
    """The household page follows the case: RECORDS or more opens it; only the lead
    agency (and the registering agency) see what 住所秘匿 hides."""
    household = case.household
    other_cases = AccessGrant.objects.filter(
        case__household=household, agency=agency, revoked_at__isnull=True
    ).exclude(case=case)
    perms = case_perms | _wanted_perms(other_cases)
    is_registrar = household.registered_by_agency_id == agency.pk
    if "view_case_records" in perms or is_registrar:
        household_access.grant_household(
            agency=agency,
            household=household,
            change="change_case" in perms or is_registrar,
            confidential="view_case_confidential" in perms or is_registrar,
        )
    else:
        household_access.revoke_household(agency=agency, household=household)
        return
    if not ("change_case" in perms or is_registrar):
        household_access.revoke_household(
            agency=agency,
            household=household,
            perms=(household_access.CHANGE, household_access.CONFIDENTIAL),
        )


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


@transaction.atomic
def grant(
    *,
    case: Case,
    basis: str,
    scope: str,
    actor,
    agency: Agency | None = None,
    user=None,
    consent: Consent | None = None,
    basis_object=None,
    exemption_reason: str = "",
    note: str = "",
) -> AccessGrant:
    """Record why a holder may see the case and give the permissions it implies.

    Consent-based grants need a consent that covers the agency; exemptions need a
    reason. Raises SharingRefused with a Japanese message otherwise.
    """
    if (agency is None) == (user is None):
        raise ValueError("grant needs exactly one of agency or user")
    if basis in CONSENT_BASES:
        if agency is None:
            raise ValueError("consent-based grants are given to agencies")
        if not consent_covers(consent, agency, case):
            raise SharingRefused(
                _(
                    "%(agency)sへの共有には、%(agency)sを共有先に含む有効な本人同意が必要です。"
                    "世帯のページで本人同意を記録するか、法令上の例外として理由を記録してください。"
                )
                % {"agency": agency.name}
            )
    if basis == GrantBasis.EXEMPTION and (not exemption_reason or not note.strip()):
        raise SharingRefused(_("法令上の例外による共有には、根拠と具体的な理由の記録が必要です。"))
    row = AccessGrant(
        case=case,
        agency=agency,
        user=user,
        basis=basis,
        scope=scope,
        consent=consent,
        exemption_reason=exemption_reason,
        note=note,
        granted_by=actor,
    )
    if basis_object is not None:
        row.basis_type = ContentType.objects.get_for_model(basis_object)
        row.basis_id = basis_object.pk
    row._history_user = actor
    row.save()
    _sync(case, agency=agency, user=user)
    log_action(
        actor=actor,
        action="cases.grant.created",
        obj=case,
        grant=row.pk,
        basis=basis,
        scope=scope,
        agency=agency.pk if agency else None,
        user=user.pk if user else None,
    )
    return row


@transaction.atomic
def revoke(*, grants, actor, reason: str, closure: CaseStatusChange | None = None) -> int:
    """Revoke ledger rows and take the permissions they implied away, at once. closure:
    the 終結/中断 that ends them (reopening looks for it)."""
    now = timezone.now()
    rows = list(
        AccessGrant.objects.select_for_update(of=("self",))
        .filter(pk__in=[g.pk for g in grants], revoked_at__isnull=True)
        .select_related("case", "case__household", "agency", "user")
    )
    for row in rows:
        row.revoked_at, row.revoked_by, row.revoke_reason = now, actor, reason[:200]
        row.ended_by_closure = closure
        row._history_user = actor
        row.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "ended_by_closure"])
    for case, agency, user in {(r.case, r.agency, r.user) for r in rows}:
        _sync(case, agency=agency, user=user if agency is None else None)
        log_action(
            actor=actor,
            action="cases.grant.revoked",
            obj=case,
            reason=reason,
            agency=agency.pk if agency else None,
        )
    return len(rows)


def revoke_for_basis(*, basis_object, actor, reason: str, user=None, case=None) -> int:
    """End the grants resting on basis_object (a referral, a meeting, a plan); narrowed
    to one holder user or one case when given (a member leaves, an agenda item goes)."""
    ct = ContentType.objects.get_for_model(basis_object)
    rows = AccessGrant.objects.filter(
        basis_type=ct, basis_id=basis_object.pk, revoked_at__isnull=True
    )
    if user is not None:
        rows = rows.filter(user=user)
    if case is not None:
        rows = rows.filter(case=case)
    return revoke(grants=list(rows), actor=actor, reason=reason)


def ended_grants_on(case: Case, basis_model) -> list[AccessGrant]:
    """Grants of this case that rested on a basis_model object (e.g. a Referral) and
    have ended, oldest end first: for marking records of agencies whose access ended."""
    ct = ContentType.objects.get_for_model(basis_model)
    return list(
        AccessGrant.objects.filter(case=case, basis_type=ct, revoked_at__isnull=False)
        .select_related("agency")
        .order_by("revoked_at")
    )


def revoke_for_consent(*, consent: Consent, actor, reason: str) -> int:
    """A consent was withdrawn or expired: every grant resting on it ends now."""
    rows = AccessGrant.objects.filter(
        consent=consent, revoked_at__isnull=True, basis__in=CONSENT_BASES
    )
    return revoke(grants=list(rows), actor=actor, reason=reason)


def revoke_lapsed_consents(*, actor=None, day=None) -> int:
    """Daily: grants whose consent expired (or was withdrawn) lose access."""
    day = day or timezone.localdate()
    lapsed = AccessGrant.objects.filter(
        revoked_at__isnull=True, basis__in=CONSENT_BASES, consent__isnull=False
    ).filter(Q(consent__withdrawn_on__lte=day) | Q(consent__expires_on__lt=day))
    return revoke(grants=list(lapsed), actor=actor, reason=_("本人同意の期限切れ・撤回"))


def end_for_closure(*, case: Case, actor, closure: CaseStatusChange) -> int:
    """終結/中断: the grants that rested on the case's support end. Plan roles end with
    the plan (cases.services closes it first; any row left ends here), direct shares
    with the case. LEAD, referral grants (they end with their referral) and meeting
    briefs stay. The rows remember the closure so reopening can find them."""
    rows = AccessGrant.objects.filter(case=case, revoked_at__isnull=True).filter(
        Q(basis=GrantBasis.PLAN_ROLE)
        | Q(basis__in=DIRECT_SHARE_BASES, basis_type__isnull=True, user__isnull=True)
    )
    reason = _("ケースの%(status)s") % {"status": closure.get_to_status_display()}
    return revoke(grants=list(rows), actor=actor, reason=reason, closure=closure)


def _still_allowed(row: AccessGrant) -> bool:
    """Whether a grant ended by a closure may come back on reopening: a direct share on
    consent while that consent still covers the agency. A legal exemption was judged
    for its moment (record it again); a plan role's plan is closed."""
    return row.basis == GrantBasis.CONSENT and consent_covers(row.consent, row.agency, row.case)


@transaction.atomic
def restore_after_reopening(*, case: Case, actor) -> list[AccessGrant]:
    """再開: the grants the last 終結/中断 ended come back as new ledger rows where their
    recorded basis still allows them; the others stay ended."""
    closure = (
        CaseStatusChange.objects.filter(case=case, to_status__in=ENDED_STATUSES)
        .order_by("-at", "-pk")
        .first()
    )
    if closure is None:
        return []
    ended = closure.ended_grants.select_related("case", "case__household", "agency", "consent")
    return [
        grant(
            case=case,
            agency=row.agency,
            basis=row.basis,
            scope=row.scope,
            actor=actor,
            consent=row.consent,
            note=row.note,
        )
        for row in ended.order_by("pk")
        if row.agency is not None and _still_allowed(row)
    ]


def holds_whereabouts(agency: Agency, household) -> bool:
    """Whether the agency may see what 住所秘匿 hides on the household: it registered it
    or leads one of its cases (the rule _sync_household gives that permission by)."""
    if household.registered_by_agency_id == agency.pk:
        return True
    return AccessGrant.objects.filter(
        case__household=household, agency=agency, scope=GrantScope.LEAD, revoked_at__isnull=True
    ).exists()


def case_opening_refusal(*, agency: Agency, household) -> str:
    """Why the agency may not open (and so lead) a case on the household, or "".

    The lead sees the household's whereabouts; on a 住所秘匿 household being lead of a
    case must not by itself open them. So only the desk and an agency that already
    holds the whereabouts open a case there; another agency that sees the household
    (through a referral, a plan role, a share) works inside the existing case."""
    if not household.is_address_confidential or agency.is_desk:
        return ""
    if holds_whereabouts(agency, household):
        return ""
    return _(
        "住所秘匿の世帯のケースを開始できるのは、福祉の相談窓口と、この世帯の所在を知る機関"
        "（世帯を登録した機関・ケースの主担当機関）だけです。"
        "支援が必要なときは、主担当機関に繋ぎや共有を依頼してください。"
    )


def set_lead(*, case: Case, agency: Agency, actor) -> None:
    """Make agency the lead: the old lead's LEAD grant ends, the new one begins."""
    old = AccessGrant.objects.filter(case=case, basis=GrantBasis.LEAD, revoked_at__isnull=True)
    old = [g for g in old if g.agency_id != agency.pk]
    if old:
        revoke(grants=old, actor=actor, reason=_("主担当機関の変更"))
    if not AccessGrant.objects.filter(
        case=case, agency=agency, basis=GrantBasis.LEAD, revoked_at__isnull=True
    ).exists():
        grant(case=case, agency=agency, basis=GrantBasis.LEAD, scope=GrantScope.LEAD, actor=actor)


# ---------------------------------------------------------------- reads


def _perm_q(user, codename: str, case_ref="pk"):
    # The user's group ids as literals (not a join through auth_user_groups): the planner
    # then knows how selective the filter is (make bench: case list 430 ms -> ~50 ms).
    group_perm = CaseGroupObjectPermission.objects.filter(
        content_object=OuterRef(case_ref),
        group_id__in=user.agency_group_ids,
        permission__codename=codename,
    )
    user_perm = CaseUserObjectPermission.objects.filter(
        content_object=OuterRef(case_ref), user=user, permission__codename=codename
    )
    return Exists(group_perm) | Exists(user_perm)


def _is_case_worker(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.works_on_cases)


def cases_visible_to(user, *, action: str = "summary") -> QuerySet[Case]:
    """Cases the user may see at least at `action` level, filtered in SQL."""
    if not _is_case_worker(user):
        return Case.objects.none()
    return Case.objects.filter(_perm_q(user, ACTION_PERM[action]))


def case_ids_visible_q(user, *, action: str = "summary", field: str = "case_id") -> Q:
    """The same rule as cases_visible_to, as a condition on a column holding case ids
    (`field`): `field IN (the user's case ids)`, read from the permission tables as
    uncorrelated subqueries. PostgreSQL hashes them once per query, so filtering or
    counting a million support records probes a hash instead of running two EXISTS per
    row (make bench-drilldown: 1.5 s -> 0.25 s)."""
    if not _is_case_worker(user):
        return Q(**{f"{field}__in": []})
    codename = ACTION_PERM[action]
    by_group = CaseGroupObjectPermission.objects.filter(
        group_id__in=user.agency_group_ids, permission__codename=codename
    ).values("content_object_id")
    direct = CaseUserObjectPermission.objects.filter(
        user=user, permission__codename=codename
    ).values("content_object_id")
    return Q(**{f"{field}__in": by_group}) | Q(**{f"{field}__in": direct})


def with_access(queryset: QuerySet[Case], user) -> QuerySet[Case]:
    """Annotate what the user may do with each case, in the same query."""
    return queryset.annotate(
        can_records=_perm_q(user, "view_case_records"),
        can_full=_perm_q(user, "view_case"),
        can_change=_perm_q(user, "change_case"),
        can_confidential=_perm_q(user, "view_case_confidential"),
    )


def held_on_case(user, pk) -> set[str]:
    """The codenames of the case permissions the user holds on case pk, through their
    agencies' groups or directly: one query (a UNION of the two guardian tables)."""
    by_group = CaseGroupObjectPermission.objects.filter(
        content_object_id=pk, group_id__in=user.agency_group_ids
    ).values_list("permission__codename", flat=True)
    direct = CaseUserObjectPermission.objects.filter(content_object_id=pk, user=user).values_list(
        "permission__codename", flat=True
    )
    return set(by_group.union(direct))


def _is_id(pk) -> bool:
    """Whether pk can be a case's id. A number from a URL or query string may be any
    size; held_on_case compares it through a foreign key, where Django does not treat an
    out-of-range number as matching nothing (SQLite raises OverflowError)."""
    try:
        return 0 < int(pk) < 2**63
    except (TypeError, ValueError):
        return False


def get_case_for_user(user, pk, *, action: str = "summary", request=None) -> Case:
    """Fetch a case the user may see at `action` level, or 404 (never 403: a case the
    user may not see is not confirmed to exist). The refusal is logged."""
    case = None
    if _is_case_worker(user) and _is_id(pk):
        # Two small queries (what the user holds on this case, then the case) instead of
        # with_access's eight EXISTS: the same flags, for a fraction of the Python time
        # (make bench: case page -5 ms). Lists keep with_access.
        held = held_on_case(user, pk)
        if ACTION_PERM[action] in held:
            case = (
                Case.objects.select_related(
                    "household", "household__district", "lead_agency", "lead_staff"
                )
                .filter(pk=pk)
                .first()
            )
        if case is not None:
            case.can_records = "view_case_records" in held
            case.can_full = "view_case" in held
            case.can_change = "change_case" in held
            case.can_confidential = "view_case_confidential" in held
    if case is None:
        if user is not None and user.is_authenticated:
            log_access(
                user=user,
                object_type="cases.case",
                object_id=str(pk),
                outcome=AccessLog.Outcome.DENIED,
                request=request,
                detail=action,
            )
        raise Http404
    return case


def can(user, case: Case, action: str) -> bool:
    if not _is_case_worker(user):
        return False
    return cases_visible_to(user, action=action).filter(pk=case.pk).exists()


def can_correct_record(user, case: Case, record) -> bool:
    """訂正 of a support record: its own agency's staff who still see the case's records,
    or the lead (who may edit the case). case comes from get_case_for_user, whose flags
    say what the user holds."""
    if not _is_case_worker(user) or record.case_id != case.pk:
        return False
    can_records = getattr(case, "can_records", None)
    if can_records is None:
        can_records = can(user, case, "records")
    if not can_records:
        return False
    can_change = getattr(case, "can_change", None)
    if can_change is None:
        can_change = can(user, case, "change")
    return bool(can_change) or record.agency_id in user.agency_ids


def grants_for_case(case: Case) -> QuerySet[AccessGrant]:
    return (
        AccessGrant.objects.filter(case=case)
        .select_related("agency", "user", "consent", "consent__person", "granted_by", "revoked_by")
        .order_by("revoked_at", "-granted_at")
    )


def user_scope(user, case: Case) -> str | None:
    """The widest scope the user holds on the case (for showing what they see). Uses
    the flags get_case_for_user annotated (can_change, can_full, can_records) where
    present, so the case page asks no further query for the common scopes."""
    for scope in reversed(SCOPE_ORDER):
        action = {
            GrantScope.LEAD: "change",
            GrantScope.FULL: "full",
            GrantScope.RECORDS: "records",
            GrantScope.SUMMARY: "summary",
            GrantScope.MEETING_BRIEF: "brief",
        }[scope]
        allowed = getattr(case, f"can_{action}", None)
        if allowed is None:
            allowed = can(user, case, action)
        if allowed:
            return scope
    return None


def agency_can_see(agency: Agency, case: Case, action: str = "summary") -> bool:
    return CaseGroupObjectPermission.objects.filter(
        content_object=case, group__agency=agency, permission__codename=ACTION_PERM[action]
    ).exists()


def outreach_targets_visible_q(user) -> Q | None:
    """③ アウトリーチ targets exist before any consent: only the desk and the agency the
    target is assigned to see them. A Q over outreach.OutreachTarget; None means nothing."""
    if not _is_case_worker(user):
        return None
    if user.is_desk_staff:
        return Q()
    return Q(assigned_agency_id__in=user.agency_ids)


def consultations_visible_q(user) -> Q:
    """Consultations visible beyond the receiving agency: those on a case the user sees in full."""
    return Q(case_link__case__in=cases_visible_to(user, action="full").values("pk"))


# ---------------------------------------------------------------- effective access


def _widest(scopes) -> str | None:
    scopes = [s for s in scopes if s]
    return max(scopes, key=SCOPE_ORDER.index) if scopes else None


def _scope_label(scope: str | None) -> str:
    return GrantScope(scope).label if scope else _("なし")


def _basis_text(basis: str, scope: str) -> str:
    return _("%(basis)s・%(scope)s") % {
        "basis": GrantBasis(basis).label,
        "scope": GrantScope(scope).label,
    }


@dataclass
class Access:
    """What one holder (an agency, or a meeting member) sees of a case, and why: the
    widest scope of its active ledger rows (DESIGN: effective access)."""

    holder: object
    scope: str
    bases: list[AccessGrant] = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        return _scope_label(self.scope)

    @property
    def line(self) -> str:
        return _("%(holder)s：%(scope)s") % {"holder": self.holder, "scope": self.scope_label}

    @property
    def bases_text(self) -> str:
        return "、".join(_basis_text(g.basis, g.scope) for g in self.bases)

    def is_wider_than(self, scope: str) -> bool:
        return SCOPE_ORDER.index(self.scope) > SCOPE_ORDER.index(scope)


def effective_access(case: Case, *, agency_ids=None) -> list[Access]:
    """Each holder's effective access to the case with the bases it rests on (one
    query), the lead first, then the widest; agency_ids narrows it to those agencies."""
    rows = AccessGrant.objects.filter(case=case, revoked_at__isnull=True).select_related(
        "agency", "user"
    )
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    by_holder: dict[tuple, Access] = {}
    for row in rows.order_by("granted_at", "pk"):
        key = ("agency", row.agency_id) if row.agency_id else ("user", row.user_id)
        access = by_holder.setdefault(key, Access(holder=row.agency or row.user, scope=row.scope))
        access.scope = _widest([access.scope, row.scope])
        access.bases.append(row)
    for access in by_holder.values():
        access.bases.sort(key=lambda g: -SCOPE_ORDER.index(g.scope))
    return sorted(
        by_holder.values(),
        key=lambda a: (-SCOPE_ORDER.index(a.scope), str(a.holder)),
    )


def agency_access(case: Case, agency: Agency) -> Access:
    """One agency's effective access (scope None and no bases when it sees nothing)."""
    found = effective_access(case, agency_ids=[agency.pk])
    return found[0] if found else Access(holder=agency, scope=None)


@dataclass
class AccessChange:
    """What a new basis (or the end of old ones) would change for one agency."""

    agency: Agency
    before: str | None
    after: str | None
    basis: str = ""  # the basis being created, "" when only old rows end
    scope: str = ""  # the scope it opens
    kept: list[AccessGrant] = field(default_factory=list)  # the rows that stay

    @property
    def line(self) -> str:
        return _("%(agency)s：「%(before)s」→「%(after)s」") % {
            "agency": self.agency.name,
            "before": _scope_label(self.before),
            "after": _scope_label(self.after),
        }

    @property
    def basis_text(self) -> str:
        return _basis_text(self.basis, self.scope) if self.basis else ""

    @property
    def scope_label(self) -> str:
        return _scope_label(self.scope or None)

    @property
    def wider_elsewhere(self) -> bool:
        """The agency will see more than this basis opens, through its other bases."""
        return bool(self.scope and self.after != self.scope)

    @property
    def kept_text(self) -> str:
        return "、".join(_basis_text(g.basis, g.scope) for g in self.kept)


def preview_access(case: Case, *, add=(), end=()) -> list[AccessChange]:
    """Which agencies would gain (or lose) which scope if the ledger rows in `end` ended
    and a grant (agency, basis, scope) in `add` were recorded: for the screens that
    create a basis, before it is created. Agencies in the order given."""
    ending = {g.pk for g in end}
    agencies = [a for a, _basis, _scope in add] + [g.agency for g in end if g.agency]
    current = {a.holder.pk: a for a in effective_access(case, agency_ids={a.pk for a in agencies})}
    changes: dict[int, AccessChange] = {}
    for agency in agencies:
        if agency.pk in changes:
            continue
        access = current.get(agency.pk)
        kept = [g for g in (access.bases if access else []) if g.pk not in ending]
        changes[agency.pk] = AccessChange(
            agency=agency,
            before=access.scope if access else None,
            after=_widest(g.scope for g in kept),
            kept=kept,
        )
    for agency, basis, scope in add:
        change = changes[agency.pk]
        change.basis, change.scope = basis, scope
        change.after = _widest([change.after, scope])
    return list(changes.values())


def preview_plan_approval(plan) -> list[AccessChange]:
    """What approving (and activating) the plan does: each role agency gains
    PLAN_ROLE_SCOPE (the lead only where the consent names it, as plan_activate does);
    the role grants of the plan it replaces end."""
    case = plan.case
    roles = sorted(
        {
            r.agency
            for r in plan.roles.select_related("agency")
            if r.agency_id != case.lead_agency_id or consent_covers(plan.consent, r.agency, case)
        },
        key=lambda a: a.name,
    )
    replaced = case.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED]).exclude(
        pk=plan.pk
    )
    ct = ContentType.objects.get_for_model(plan)
    ending = AccessGrant.objects.filter(
        case=case,
        revoked_at__isnull=True,
        basis_type=ct,
        basis_id__in=replaced.values("pk"),
    ).select_related("agency")
    return preview_access(
        case,
        add=[(a, GrantBasis.PLAN_ROLE, PLAN_ROLE_SCOPE) for a in roles],
        end=list(ending),
    )


def share_basis(*, kind: str, exemption_reason: str = "") -> str:
    """The basis a share (kind "share") or an accepted referral (kind "referral") rests
    on: a recorded legal exemption, else the person's consent."""
    if exemption_reason:
        return GrantBasis.EXEMPTION
    return GrantBasis.REFERRAL if kind == "referral" else GrantBasis.CONSENT
