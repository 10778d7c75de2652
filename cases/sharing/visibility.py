"""The ledger's reads: which cases a user may see, and at what level, filtered in SQL
through django-guardian's permission tables."""

import time

from django.contrib.auth.models import Permission
from django.db.models import BooleanField, Q, QuerySet, Value
from django.http import Http404

from accounts.audit import log_access
from accounts.models import AccessLog, Agency
from cases.choices import SCOPE_ORDER, GrantScope
from cases.models import AccessGrant, Case, CaseGroupObjectPermission, CaseUserObjectPermission
from cases.sharing.rules import ACTION_PERM
from common.expressions import ColumnCondition


class _Held(ColumnCondition):
    """Whether the user holds a case permission on the case whose id is `ref`: the two
    EXISTS over django-guardian's tables (through the user's agencies' groups, or
    directly), written as SQL with parameters. The ORM spelling (two Exists with an
    OuterRef, and the permission's id as a Subquery) cost Python time at every query to
    resolve and compile; this costs a string substitution. Only the case column is an
    ORM expression, so the condition follows the case table's alias inside subqueries.

    The permission's id is an uncorrelated subquery, computed once per query (an
    InitPlan), not a join on auth_permission.codename inside each EXISTS: that join read
    the permission table once per case tested (make bench: case list ?q=山田, 713 cases
    tested, 26 of its 54 ms). The user's group ids are literals (not a join through
    auth_user_groups): the planner then knows how selective the filter is (make bench:
    case list 430 ms -> ~50 ms)."""


def _held_sql(user, codename: str, *, probe: bool = False) -> tuple[str, list]:
    """The SQL of _Held for the user and permission: `{column}` stands for the case column.

    probe: each case the rest of the query let through is tested by one probe of the
    permissions' index (OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hash
    of every grant the user holds): for a query whose other conditions already narrow
    the cases to a few hundred, such as the case list's ?q= (「山田」 at 100,000
    households, the desk: hashing its 17,900 grants 17 ms, probing 713 matches 5 ms)."""
    limit = "LIMIT 1 OFFSET 0" if probe else "LIMIT 1"
    permission = Permission._meta.db_table
    content_type = Permission._meta.get_field("content_type").related_model._meta.db_table
    permission_id = (
        f"(SELECT cperm.id FROM {permission} cperm INNER JOIN {content_type} cct "
        "ON cperm.content_type_id = cct.id "
        "WHERE cperm.codename = %s AND cct.app_label = %s AND cct.model = %s LIMIT 1)"
    )
    permission_params = [codename, "cases", "case"]
    branches, params = [], []
    groups = list(user.agency_group_ids)
    if groups:
        placeholders = ", ".join(["%s"] * len(groups))
        branches.append(
            f"EXISTS(SELECT 1 FROM {CaseGroupObjectPermission._meta.db_table} cgp "
            "WHERE cgp.content_object_id = {column} "
            f"AND cgp.group_id IN ({placeholders}) AND cgp.permission_id = {permission_id} "
            f"{limit})"
        )
        params += [*groups, *permission_params]
    branches.append(
        f"EXISTS(SELECT 1 FROM {CaseUserObjectPermission._meta.db_table} cup "
        "WHERE cup.content_object_id = {column} "
        f"AND cup.user_id = %s AND cup.permission_id = {permission_id} {limit})"
    )
    params += [user.pk, *permission_params]
    return "(" + " OR ".join(branches) + ")", params


# Above this many cases held through the user's agencies, a page of cases walked in
# the list's order is faster probed case by case than tested against a hash of every
# case held. At 100,000 households (30,000 cases) the desk's page 1: hash 5 ms, probes
# 0.5 ms; a partner holding ~1,000: hash 2.5 ms, probes 8 ms (walking 30 visible cases
# out of thousands). The crossover there is near 5,000.
MANY_CASES = 5000
MANY_CASES_SECONDS = 600
_many_cases: dict[tuple[int, ...], tuple[float, bool]] = {}
_clock = time.monotonic


def sees_many_cases(user) -> bool:
    """Whether the user's agencies hold more than MANY_CASES cases (read up to that
    bound only: one short index range). The answer only chooses how a page's SQL tests each
    case (probe or hash), never which cases it returns, so this process remembers it
    per set of agency groups for MANY_CASES_SECONDS: a grant made meanwhile changes a
    page's speed for a while, not what it shows."""
    groups = tuple(user.agency_group_ids) if _is_case_worker(user) else ()
    if not groups:
        return False
    now = _clock()
    remembered = _many_cases.get(groups)
    if remembered is None or remembered[0] < now:
        held = CaseGroupObjectPermission.objects.filter(
            group_id__in=groups, permission__codename=ACTION_PERM["summary"]
        ).values_list("content_object_id", flat=True)
        # Whether a row lies past the bound: LIMIT 1 OFFSET MANY_CASES, no COUNT.
        remembered = (now + MANY_CASES_SECONDS, bool(held[MANY_CASES : MANY_CASES + 1]))
        _many_cases[groups] = remembered
    return remembered[1]


def _perm_q(user, codename: str, case_ref="pk", *, probe: bool = False) -> _Held:
    """The case (its id in case_ref) is one the user holds the permission codename on."""
    return _Held(*_held_sql(user, codename, probe=probe), ref=case_ref)


def _is_case_worker(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.works_on_cases)


def cases_visible_to(user, *, action: str = "summary", probe: bool = False) -> QuerySet[Case]:
    """Cases the user may see at least at `action` level, filtered in SQL. probe: for a
    query that narrows the cases by an index first (see _held_sql)."""
    if not _is_case_worker(user):
        return Case.objects.none()
    return Case.objects.filter(_perm_q(user, ACTION_PERM[action], probe=probe))


def case_visible_expr(user, field: str, *, action: str = "summary"):
    """The same rule as cases_visible_to, as a boolean expression on a column holding a
    case id (`field`, as a filter would name it): one EXISTS per branch probing the
    permission tables for that id, instead of a subquery on the cases table that embeds
    them. False for a user who works on no case; false for a NULL id."""
    if not _is_case_worker(user):
        return Value(False, output_field=BooleanField())
    return _perm_q(user, ACTION_PERM[action], case_ref=field)


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
