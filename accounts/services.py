"""Writes for users, agencies and memberships. One auth Group per agency, kept in step
here: django-guardian grants are given to that group."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency, Membership, User
from common.services import bump_version, check_version, save_as


def _group_name(agency: Agency) -> str:
    return f"agency:{agency.pk}"


@transaction.atomic
def agency_create(*, actor, name: str, kind: str, **fields) -> Agency:
    """Create an agency and its group. Side effects: action log."""
    agency = Agency(name=name, kind=kind, **fields)
    save_as(agency, actor)
    agency.group = Group.objects.create(name=_group_name(agency))
    save_as(agency, actor, update_fields=["group"])
    log_action(actor=actor, action="accounts.agency.created", obj=agency)
    return agency


def agency_group(agency: Agency) -> Group:
    if agency.group_id is None:
        agency.group, _ = Group.objects.get_or_create(name=_group_name(agency))
        agency.save(update_fields=["group"])
    return agency.group


@transaction.atomic
def agency_update(*, actor, agency: Agency, expected_version=None, **fields) -> Agency:
    """Edit an agency's directory entry; a stale version raises StaleEdit."""
    check_version(agency, expected_version)
    for key, value in fields.items():
        setattr(agency, key, value)
    bump_version(agency)
    save_as(agency, actor)
    if "is_active" in fields:
        _sync_groups_for_agency(agency)
    log_action(actor=actor, action="accounts.agency.updated", obj=agency)
    return agency


def _sync_user_groups(user: User) -> None:
    """The user's agency groups are exactly those of their active memberships."""
    wanted = set(
        Group.objects.filter(
            agency__memberships__user=user,
            agency__memberships__is_active=True,
            agency__is_active=True,
        ).values_list("pk", flat=True)
    )
    agency_groups = set(Group.objects.filter(agency__isnull=False).values_list("pk", flat=True))
    current = set(user.groups.values_list("pk", flat=True))
    user.groups.remove(*((current & agency_groups) - wanted))
    user.groups.add(*(wanted - current))
    for attr in ("_agency_ids", "_group_ids", "_roles", "_primary_agency", "_is_desk_staff"):
        if hasattr(user, attr):
            delattr(user, attr)


def _sync_groups_for_agency(agency: Agency) -> None:
    for user in User.objects.filter(memberships__agency=agency):
        _sync_user_groups(user)


@transaction.atomic
def user_create(*, actor, username: str, password: str | None, **fields) -> User:
    user = User(username=username, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    save_as(user, actor)
    log_action(actor=actor, action="accounts.user.created", obj=user)
    return user


class MembershipRuleError(ValidationError):
    """A refused membership change; the message is Japanese and says why."""


def membership_refusal(*, actor, user: User) -> str | None:
    """Why actor may not give user a membership, or None.

    Nobody grants themselves access (DESIGN.md): a membership is never given by the
    user concerned. Administrator accounts (staff or superuser) hold none: they manage
    users and master data and read no case, so an administrator cannot reach cases by
    making another administrator account a member either."""
    if actor is not None and user.pk is not None and actor.pk == user.pk:
        return _(
            "自分自身の所属を追加・変更することはできません。所属は本人以外の担当者が付与します。"
        )
    if user.is_staff or user.is_superuser:
        return _(
            "管理者アカウント（スタッフ権限・スーパーユーザー）には機関の所属を付与できません。"
            "管理者はケースの内容を閲覧しません。"
        )
    return None


@transaction.atomic
def membership_add(*, actor, user: User, agency: Agency, role: str) -> Membership:
    """Add (or reactivate) a membership and put the user in the agency's group.
    Refused (MembershipRuleError) by membership_refusal."""
    if reason := membership_refusal(actor=actor, user=user):
        raise MembershipRuleError(reason)
    membership = Membership.objects.filter(user=user, agency=agency).first()
    if membership is None:
        membership = Membership(user=user, agency=agency, role=role)
    membership.role = role
    membership.is_active = True
    save_as(membership, actor)
    agency_group(agency)
    _sync_user_groups(user)
    log_action(actor=actor, action="accounts.membership.added", obj=membership, role=role)
    return membership


@transaction.atomic
def membership_end(*, actor, membership: Membership) -> Membership:
    membership.is_active = False
    save_as(membership, actor)
    _sync_user_groups(membership.user)
    log_action(actor=actor, action="accounts.membership.ended", obj=membership)
    return membership


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Deactivate a user and end every session of theirs at once."""
    from django.contrib.sessions.models import Session

    user.is_active = False
    save_as(user, actor)
    for session in Session.objects.all().iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    log_action(actor=actor, action="accounts.user.deactivated", obj=user)
    return user
