"""Who may see a household, as django-guardian stores it.

The foundation rule: the agency that registered a household sees it. cases/sharing.py
adds and removes further grants through grant_household/revoke_household when it shares
a case; this module is the only place in households that touches guardian.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import assign_perm, remove_perm

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


def _perm_exists(user, codename: str):
    return Exists(
        HouseholdGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"),
            group_id__in=user.agency_group_ids,
            permission__codename=codename,
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
        raise Http404
    return household
