"""Reads for the 職員 page: which agencies a user manages, and their memberships."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.choices import CASE_ROLES, Role
from accounts.models import Agency, Membership, User


def agencies_managed_by(user) -> QuerySet[Agency]:
    """The active agencies where user holds an active 管理者 membership (none for an
    administrator account: it acts for no agency)."""
    if not user.is_authenticated or not user.is_active or user.is_administrator:
        return Agency.objects.none()
    return Agency.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(user=user, role=Role.MANAGER, is_active=True).values(
            "agency_id"
        ),
    ).order_by("-is_desk", "name")


def memberships_of(agencies) -> QuerySet[Membership]:
    """Every membership, active and ended, of agencies: active first, then by role and
    username. One query whatever the number of rows."""
    return (
        Membership.objects.filter(agency__in=agencies)
        .select_related("user", "agency")
        .order_by("agency_id", "-is_active", "role", "user__username")
    )


def get_membership_for_manager(user, pk) -> Membership:
    """The membership pk of an agency user manages; 404 for any other (another
    agency's membership answers as if it did not exist)."""
    return get_object_or_404(
        Membership.objects.select_related("user", "agency"),
        pk=pk,
        agency__in=agencies_managed_by(user),
    )


def case_workers_of(agency) -> QuerySet[User]:
    """The agency's active staff who work on cases (an agency or its id): who may lead
    its cases, take them over, and is told of its referrals. By name."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__agency=agency,
            memberships__is_active=True,
            memberships__role__in=CASE_ROLES,
        )
        .distinct()
        .order_by("display_name", "pk")
    )
