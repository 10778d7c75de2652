"""Who may see a household, as django-guardian stores it.

The foundation rule: the agency that registered a household sees it. cases/sharing.py
adds and removes further grants through grant_household/revoke_household when it shares
a case; this module is the only place in households that touches guardian.
"""

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit import log_denied
from accounts.services import agency_group
from households.models import Household, HouseholdGroupObjectPermission

VIEW = "households.view_household"
CHANGE = "households.change_household"
CONFIDENTIAL = "households.view_confidential_household"


def grant_household(*, agency, household: Household, change=False, confidential=False) -> None:
    group = agency_group(agency)
    assign_perm(VIEW, group, household)
    if change:
        assign_perm(CHANGE, group, household)
    if confidential:
        assign_perm(CONFIDENTIAL, group, household)


def revoke_household(*, agency, household: Household, perms=(VIEW, CHANGE, CONFIDENTIAL)) -> None:
    group = agency_group(agency)
    for perm in perms:
        remove_perm(perm, group, household)


def _permission_id(codename: str) -> Subquery:
    # The permission's id as an uncorrelated subquery (one InitPlan), not a join on
    # auth_permission.codename: PostgreSQL then estimates the grant rows from the table's
    # statistics instead of guessing ~500, which made it drive searches from all 75,000
    # grants of a city's desk (make bench: kana search やま 1.8 s).
    return Subquery(
        Permission.objects.filter(
            codename=codename,
            content_type__app_label="households",
            content_type__model="household",
        ).values("pk")[:1]
    )


def _perm_exists(user, codename: str):
    return Exists(
        HouseholdGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"),
            group_id__in=user.agency_group_ids,
            permission_id=_permission_id(codename),
        )
    )


def households_visible_to(user) -> QuerySet[Household]:
    """Households the user's agencies were granted, filtered in SQL by one EXISTS."""
    if not user.is_authenticated or not user.works_on_cases:
        return Household.objects.none()
    return Household.objects.filter(_perm_exists(user, "view_household"))


def with_access_flags(queryset: QuerySet[Household], user) -> QuerySet[Household]:
    """Annotate can_change and can_see_confidential for the user, in the same query."""
    return queryset.annotate(
        can_change=_perm_exists(user, "change_household"),
        can_see_confidential=_perm_exists(user, "view_confidential_household"),
    )


def household_grant_sql(user, column: str, codename: str) -> tuple[str, list]:
    """The same rule as _perm_exists, as an SQL condition on a household id `column`,
    for the hand-written search walks (households.selectors), whose ORM spelling cost
    more Python time than their SQL. Works on PostgreSQL and SQLite."""
    groups = list(user.agency_group_ids) if user.is_authenticated else []
    if not groups:
        return "1 = 0", []
    grants = HouseholdGroupObjectPermission._meta.db_table
    permission = Permission._meta.db_table
    content_type = Permission._meta.get_field("content_type").related_model._meta.db_table
    placeholders = ", ".join(["%s"] * len(groups))
    sql = (
        f"EXISTS (SELECT 1 FROM {grants} g WHERE g.content_object_id = {column} "
        f"AND g.group_id IN ({placeholders}) AND g.permission_id = ("
        f"SELECT p.id FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id "
        "WHERE ct.app_label = %s AND ct.model = %s AND p.codename = %s))"
    )
    return sql, [*groups, "households", "household", codename]


def visible_household_sql(user, column: str) -> tuple[str, list]:
    """households_visible_to(user) as an SQL condition on a household id column."""
    if not user.is_authenticated or not user.works_on_cases:
        return "1 = 0", []
    return household_grant_sql(user, column, "view_household")


def contact_visible_sql(user, alias: str) -> tuple[str, list]:
    """contact_visible_q as SQL on the household table under `alias`."""
    granted, params = household_grant_sql(user, f"{alias}.id", "view_confidential_household")
    return f"(NOT {alias}.is_address_confidential OR {granted})", params


def contact_visible_q(user) -> Q:
    """Households whose address and phones the user may see (and so search by): those not
    under 住所秘匿, and those whose confidential details the user's agency was granted."""
    return Q(is_address_confidential=False) | Q(_perm_exists(user, "view_confidential_household"))


def get_household_for_user(user, pk, *, action="view") -> Household:
    """Fetch a household the user may see (or change) or answer 404."""
    from django.http import Http404

    qs = with_access_flags(households_visible_to(user), user).select_related("district")
    household = qs.filter(pk=pk).first()
    if household is None or (action == "change" and not household.can_change):
        log_denied(user=user, object_type="households.household", object_id=pk, detail=action)
        raise Http404
    return household
