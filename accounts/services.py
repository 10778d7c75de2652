"""Writes for users, agencies and memberships. One auth Group per agency, kept in step
here: django-guardian grants are given to that group."""

import secrets

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import registry
from accounts.audit import log_action
from accounts.choices import Role
from accounts.models import Agency, Membership, User
from accounts.sessions import end_sessions
from accounts.system import SYSTEM_USERNAME
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


@transaction.atomic
def agency_set_desk(*, actor, agency: Agency) -> Agency:
    """Make agency the town's 福祉の相談窓口 and no other agency: its members become desk
    staff, who see more (DESIGN.md "Who may see what"). Not in the admin, where the flag
    is read-only once a desk exists (accounts.admin.AgencyAdmin): run on the server by
    `manage.py set_desk_agency`. Side effects: history (actor), action log
    accounts.agency.desk_changed naming the previous desks."""
    previous = list(Agency.objects.select_for_update().filter(is_desk=True).exclude(pk=agency.pk))
    for other in previous:
        other.is_desk = False
        bump_version(other)
        save_as(other, actor)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not agency.is_desk:
        agency.is_desk = True
        bump_version(agency)
        save_as(agency, actor)
    log_action(
        actor=actor,
        action="accounts.agency.desk_changed",
        obj=agency,
        previous=",".join(str(a.pk) for a in previous),
    )
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


def _is_automated(actor) -> bool:
    """No person acts: a management command, a Celery task, the demo seed or a test
    fixture (actor None, or the system user while it cannot log in). The views always
    pass request.user, which is never one of these."""
    if actor is None:
        return True
    return (
        actor.username == SYSTEM_USERNAME
        and not actor.is_active
        and not actor.is_administrator
        and not actor.has_usable_password()
    )


def agency_has_manager(agency: Agency) -> bool:
    """Whether an active 管理者 membership exists at agency, whoever holds it: a
    deactivated manager's account still counts, so deactivating a manager does not
    reopen the administrator's bootstrap (membership_refusal)."""
    return Membership.objects.filter(agency=agency, role=Role.MANAGER, is_active=True).exists()


def is_manager_of(user: User, agency: Agency) -> bool:
    """user is an active 管理者 of agency (both active)."""
    if not user.is_active or user.is_administrator or not agency.is_active:
        return False
    return Membership.objects.filter(
        user=user, agency=agency, role=Role.MANAGER, is_active=True
    ).exists()


def membership_refusal(
    *, actor, user: User, agency: Agency, role: str | None = None, ending: bool = False
) -> str | None:
    """Why actor may not give user a membership at agency with role (or end it, when
    ending), or None. The one rule for the app's 職員 page, the admin site and the
    services (DESIGN.md "Who may see what"):

    - nobody changes their own membership;
    - an administrator account (staff or superuser) is given none: it reads no case;
    - an automated process (commands, tasks, the demo seed) may do the rest;
    - an administrator may only bootstrap: give the MANAGER role at an agency that has
      no active manager, so a new agency gets its first manager. Every other change
      is the agency's manager's, in the app; otherwise an administrator could make a
      user whose password it knows a member and read the agency's cases as them;
    - otherwise only an active manager of that agency may make the change."""
    if actor is not None and user.pk is not None and actor.pk == user.pk:
        return _(
            "自分自身の所属を追加・変更・終了することはできません。"
            "所属は本人以外の、その機関の管理者が変更します。"
        )
    if not ending and user.is_administrator:
        return _(
            "管理者アカウント（スタッフ権限・スーパーユーザー）には機関の所属を付与できません。"
            "管理者はケースの内容を閲覧しません。"
        )
    if _is_automated(actor):
        return None
    if actor.is_administrator:
        if ending or role != Role.MANAGER:
            return _(
                "システム管理者は所属を追加・変更・終了できません。職員の所属は、"
                "その機関の管理者がアプリの「職員」の画面で管理します。システム管理者が"
                "できるのは、管理者のいない機関に最初の管理者（役割「管理者」）を置くことだけです。"
            )
        if agency_has_manager(agency):
            return _(
                "この機関にはすでに管理者がいます。職員の追加や役割の変更は、"
                "その機関の管理者にアプリの「職員」の画面で依頼してください。"
            )
        return None
    if not is_manager_of(actor, agency):
        return _("この機関の職員の所属を変更できるのは、その機関の管理者だけです。")
    return None


def _lock_agency(agency: Agency) -> None:
    """Serialise membership changes per agency (two bootstraps at once would leave two
    first managers)."""
    Agency.objects.select_for_update().filter(pk=agency.pk).exists()


@transaction.atomic
def membership_add(*, actor, user: User, agency: Agency, role: str) -> Membership:
    """Add (or reactivate) a membership, or change its role, and put the user in the
    agency's group. Refused (MembershipRuleError, nothing written) by
    membership_refusal. Side effects: history (actor), action log
    accounts.membership.added / .role_changed."""
    _lock_agency(agency)
    if reason := membership_refusal(actor=actor, user=user, agency=agency, role=role):
        raise MembershipRuleError(reason)
    membership = Membership.objects.filter(user=user, agency=agency).first()
    if membership is None:
        membership = Membership(user=user, agency=agency, role=role)
    previous = membership.role if membership.pk and membership.is_active else None
    membership.role = role
    membership.is_active = True
    save_as(membership, actor)
    agency_group(agency)
    _sync_user_groups(user)
    if previous is None:
        log_action(actor=actor, action="accounts.membership.added", obj=membership, role=role)
    else:
        log_action(
            actor=actor,
            action="accounts.membership.role_changed",
            obj=membership,
            role=role,
            previous_role=previous,
        )
    return membership


# No 0/O, 1/l/I: the initial password is read off the screen and typed in.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def initial_password() -> str:
    """A random one-time initial password, four groups of four (about 93 bits)."""
    while True:
        raw = "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(16))
        password = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        try:
            password_validation.validate_password(password)
        except ValidationError:
            continue
        return password


@transaction.atomic
def membership_add_new_user(
    *, actor, agency: Agency, role: str, username: str, display_name: str
) -> tuple[Membership, str]:
    """A manager's new member: create the user (never staff or superuser) with a random
    initial password and give the membership. Returns the membership and the password,
    which the caller shows once and keeps nowhere; it is neither stored in clear nor
    logged. Refused (MembershipRuleError) as membership_add is, before the user exists.
    Side effects: those of user_create and membership_add."""
    newcomer = User(username=username, display_name=display_name)
    if reason := membership_refusal(actor=actor, user=newcomer, agency=agency, role=role):
        raise MembershipRuleError(reason)
    password = initial_password()
    user = user_create(
        actor=actor,
        username=username,
        password=password,
        display_name=display_name,
        is_staff=False,
        is_superuser=False,
    )
    return membership_add(actor=actor, user=user, agency=agency, role=role), password


class DeactivationRefused(MembershipRuleError):
    """A leaver still holds what must be handed over first (accounts.registry
    deactivation guards); refusals carry each guard's message and link."""

    def __init__(self, refusals):
        self.refusals = list(refusals)
        super().__init__([r.message for r in self.refusals])


def deactivation_check(*, user: User, agency: Agency | None) -> None:
    """Raise DeactivationRefused when a registered guard refuses user leaving agency
    (None: the account being deactivated)."""
    if refusals := registry.deactivation_refusals(user=user, agency=agency):
        raise DeactivationRefused(refusals)


@transaction.atomic
def membership_end(
    *, actor, membership: Membership, successor: User | None = None, note: str = ""
) -> Membership:
    """End a membership: the user leaves the agency's group. Refused
    (MembershipRuleError, nothing written) by membership_refusal, and
    (DeactivationRefused) while a registered guard says the user still holds
    something at the agency, e.g. open cases. With a successor, the registered
    hand-overs first give it all to the successor in the same transaction (a refused
    hand-over or a guard still refusing afterwards undoes them). Side effects:
    history (actor), action log accounts.membership.ended; the hand-overs' own."""
    _lock_agency(membership.agency)
    if reason := membership_refusal(
        actor=actor, user=membership.user, agency=membership.agency, ending=True
    ):
        raise MembershipRuleError(reason)
    if successor is not None:
        try:
            registry.successor_handovers_run(
                actor=actor,
                user=membership.user,
                agency=membership.agency,
                successor=successor,
                note=note.strip() or _("所属の終了に伴う引継ぎ"),
            )
        except registry.LeaverRefused as refused:
            raise MembershipRuleError(str(refused)) from refused
    deactivation_check(user=membership.user, agency=membership.agency)
    membership.is_active = False
    save_as(membership, actor)
    _sync_user_groups(membership.user)
    log_action(actor=actor, action="accounts.membership.ended", obj=membership)
    return membership


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Deactivate a user and end every session of theirs at once. Refused
    (DeactivationRefused, nothing written) while a registered guard says the user
    still holds something, e.g. open cases."""
    deactivation_check(user=user, agency=None)
    user.is_active = False
    save_as(user, actor)
    end_sessions(user)
    log_action(actor=actor, action="accounts.user.deactivated", obj=user)
    return user


# ---------------------------------------------------------------- passwords and 2FA


class CredentialsRuleError(ValidationError):
    """A refused password or 2FA reset; the message is Japanese and says why."""


def _other_manager_exists(*, agency_id: int, user: User) -> bool:
    """Another active 管理者 membership at the agency, whoever holds it: as in
    agency_has_manager, a deactivated account still counts (an administrator could
    otherwise deactivate the other manager, then reset this one)."""
    return (
        Membership.objects.filter(agency_id=agency_id, role=Role.MANAGER, is_active=True)
        .exclude(user=user)
        .exists()
    )


def credentials_refusal(*, actor, user: User) -> str | None:
    """Why actor may not set or reset user's password or two-factor authentication, or
    None. The one rule for the admin's password page and 2FA action, the app's 職員
    page and the services (user_password_reset, accounts.security.two_factor_reset).
    Whoever resets them can log in as user and read what user reads, so (DESIGN.md
    "Who may see what"):

    - nobody resets their own: the account page changes them, knowing the password;
    - an automated process (a management command run on the server) may;
    - a member (any active membership, whatever the state of the agency or of the
      account, which an administrator can switch back) is reset by their agency's
      manager in the app. An administrator may reset a user with no active membership
      (other administrators) and, for bootstrap and recovery, an agency's manager
      whose every membership is 管理者 at an agency with no other active manager;
    - a manager may reset a member only when every active membership of theirs is at
      an agency the manager manages (else the manager would read the other agency's
      cases as them), and never an administrator account."""
    if actor is not None and user.pk is not None and actor.pk == user.pk:
        return _(
            "自分自身のパスワードや2段階認証はここではリセットできません。"
            "「アカウント」のページで、いまのパスワードを入力して変更してください。"
        )
    if _is_automated(actor):
        return None
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).values_list("agency_id", "role")
    )
    if actor.is_administrator:
        for agency_id, role in memberships:
            if role != Role.MANAGER or _other_manager_exists(agency_id=agency_id, user=user):
                return _(
                    "この利用者は機関に所属しているため、パスワードの再発行と2段階認証のリセットは、"
                    "所属機関の管理者がアプリの「職員」の画面で行います。システム管理者ができるのは、"
                    "所属のない利用者と、ほかに管理者のいない機関の管理者だけです。"
                )
        return None
    if user.is_administrator:
        return _(
            "管理者アカウント（スタッフ権限・スーパーユーザー）のパスワードと2段階認証は、"
            "システム管理者が管理サイトでリセットします。"
        )
    managed = set()
    if actor.is_active:
        managed = set(
            Membership.objects.filter(
                user=actor, role=Role.MANAGER, is_active=True, agency__is_active=True
            ).values_list("agency_id", flat=True)
        )
    agencies = {agency_id for agency_id, _role in memberships}
    if not agencies & managed:
        return _(
            "パスワードの再発行と2段階認証のリセットができるのは、"
            "自分が管理している機関の職員だけです。"
        )
    if agencies - managed:
        return _(
            "この利用者は、あなたが管理していないほかの機関にも所属しているため、"
            "パスワードの再発行と2段階認証のリセットはできません。"
            "その機関の管理者と相談してください。"
        )
    return None


def credentials_check(*, actor, user: User) -> None:
    """Raise CredentialsRuleError when credentials_refusal refuses. Locks the agencies
    of user's active memberships first, so a membership change cannot slip in between
    the check and the reset (membership_add and membership_end take the same locks).
    Call inside the reset's transaction."""
    agency_ids = Membership.objects.filter(user=user, is_active=True).values("agency_id")
    list(Agency.objects.select_for_update().filter(pk__in=agency_ids).values_list("pk"))
    if reason := credentials_refusal(actor=actor, user=user):
        raise CredentialsRuleError(reason)


@transaction.atomic
def user_password_reset(*, actor, user: User) -> str:
    """Give user a new random one-time password (initial_password) and end their
    sessions. Refused (CredentialsRuleError, nothing written) by credentials_refusal.
    Returns the password, which the caller shows once and keeps nowhere; it is
    neither stored in clear nor logged. Side effects: sessions ended, action log
    accounts.user.password_reset."""
    credentials_check(actor=actor, user=user)
    password = initial_password()
    user.set_password(password)
    save_as(user, actor, update_fields=["password"])
    sessions = end_sessions(user)
    log_action(
        actor=actor, action="accounts.user.password_reset", obj=user, sessions_ended=sessions
    )
    return password
