"""An administrator does not log in as a member (DESIGN.md "Who may see what":
administrators manage users, never case contents; nobody grants themselves access).

The holes closed here: the administrator set a desk member's password on the admin's
password page, or reset their 2FA with the user list's action, then logged in as that
member and read the agency's cases; and switched an agency's 福祉の相談窓口 flag, making
its members desk staff. Passwords and 2FA of a member are now their own agency's
manager's, on the 職員 page; the administrator keeps them for users with no active
membership and for an agency's only manager (accounts.services.credentials_refusal)."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.models import ActionLog, Agency, User
from accounts.security import two_factor_reset
from accounts.services import (
    CredentialsRuleError,
    agency_create,
    credentials_refusal,
    membership_end,
    user_password_reset,
)
from accounts.system import system_user
from accounts.views import NEW_MEMBER_KEY
from tests.accounts.test_admin_self_grant import form_values
from tests.auth_helpers import login_verified, make_stale, totp_device_for
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
NEW_PASSWORD = "kakuu-takeover-2024"
STAFF_URL = "/accounts/staff/"
SETUP_URL = "/accounts/2fa/setup/"


def _password_page(user):
    return reverse("admin:auth_user_password_change", args=[user.pk])


def _admin_set_password(client, user):
    return client.post(
        _password_page(user),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        follow=True,
    )


def _admin_reset_2fa(client, *users):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [u.pk for u in users]},
        follow=True,
    )


def _staff_password_url(user):
    return reverse("accounts:staff_password", args=[user.memberships.get().pk])


def _staff_2fa_url(user):
    return reverse("accounts:staff_two_factor", args=[user.memberships.get().pk])


def _enrolled(user):
    """user with an authenticator and recovery codes; returns (totp pk, static pk)."""
    totp = totp_device_for(user)
    static = StaticDevice.objects.create(user=user, name="回復コード", confirmed=True)
    static.token_set.create(token="oldcode2")
    return totp.pk, static.pk


def _devices(user):
    return (
        sorted(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)),
        sorted(StaticDevice.objects.filter(user=user).values_list("pk", flat=True)),
    )


def _session_alive(client) -> bool:
    return Session.objects.filter(session_key=client.session.session_key).exists()


def _password_shown(html: str) -> str:
    return html.split("初期パスワード</dt><dd><code>")[1].split("</code>")[0]


@pytest.fixture
def partner_manager(partner_agency):
    return staff(partner_agency, Role.MANAGER, username="partner_manager", display_name="包括 所長")


@pytest.fixture
def other_admin(db):
    return UserFactory(username="admin2", is_staff=True, display_name="管理 二")


# ---------------------------------------------------------------- the admin site refuses


def test_the_administrator_cannot_set_a_desk_members_password(
    client_for, admin_user, desk, manager
):
    desk_client = login_verified(Client(), desk)
    client = client_for(admin_user)
    before = User.objects.get(pk=desk.pk).password

    response = _admin_set_password(client, desk)

    desk.refresh_from_db()
    assert desk.password == before
    assert desk.check_password(PASSWORD) and not desk.check_password(NEW_PASSWORD)
    assert "所属機関の管理者" in response.content.decode()
    assert _session_alive(desk_client)
    assert not ActionLog.objects.filter(action__startswith="accounts.user.password").exists()
    # The page itself does not open either (nor does disabling the password).
    client.post(_password_page(desk), {"usable_password": "false", "unset-password": "1"})
    desk.refresh_from_db()
    assert desk.has_usable_password() and desk.check_password(PASSWORD)


def test_the_administrators_2fa_action_refuses_a_desk_member(client_for, admin_user, desk, manager):
    devices = _enrolled(desk)
    desk_client = login_verified(Client(), desk)

    response = _admin_reset_2fa(client_for(admin_user), desk)

    assert _devices(desk) == ([devices[0]], [devices[1]])
    assert _session_alive(desk_client)
    assert "所属機関の管理者" in response.content.decode()
    assert not ActionLog.objects.filter(action="accounts.user.two_factor_reset").exists()
    with pytest.raises(CredentialsRuleError):
        two_factor_reset(actor=admin_user, user=desk)
    assert _devices(desk) == ([devices[0]], [devices[1]])


def test_a_mixed_selection_resets_no_one(client_for, admin_user, other_admin, desk, manager):
    _enrolled(desk)
    _enrolled(other_admin)
    before = (_devices(desk), _devices(other_admin))
    _admin_reset_2fa(client_for(admin_user), other_admin, desk)
    assert (_devices(desk), _devices(other_admin)) == before


def test_the_administrator_still_resets_an_administrator(client_for, admin_user, other_admin):
    _enrolled(other_admin)
    other_client = login_verified(Client(), other_admin)
    client = client_for(admin_user)

    response = _admin_set_password(client, other_admin)

    assert response.redirect_chain[-1][0] == reverse(
        "admin:accounts_user_change", args=[other_admin.pk]
    )
    other_admin.refresh_from_db()
    assert other_admin.check_password(NEW_PASSWORD)

    _admin_reset_2fa(client, other_admin)
    assert _devices(other_admin) == ([], [])
    assert not _session_alive(other_client)
    log = ActionLog.objects.get(action="accounts.user.two_factor_reset")
    assert (log.actor, log.object_id) == (admin_user, str(other_admin.pk))


def test_the_administrator_recovers_an_agencys_only_manager(
    client_for, admin_user, manager, desk, desk_agency
):
    """Bootstrap/recovery: nobody else could reset the only manager in the app."""
    client = client_for(admin_user)
    _admin_set_password(client, manager)
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)

    # With a second manager (even a deactivated account) the first asks them instead.
    second = staff(desk_agency, Role.MANAGER, username="manager2", display_name="課長 補佐")
    second.is_active = False
    second.save()
    response = _admin_set_password(client, manager)
    assert "所属機関の管理者" in response.content.decode()
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)
    with pytest.raises(CredentialsRuleError):
        user_password_reset(actor=admin_user, user=second)


# ---------------------------------------------------------------- the manager in the app


def test_the_manager_reissues_a_members_password(client_for, manager, desk):
    desk_client = login_verified(Client(), desk)
    client = client_for(manager)

    response = client.post(_staff_password_url(desk))

    assert response.status_code == 302
    page = client.get(STAFF_URL).content.decode()
    password = _password_shown(page)
    desk.refresh_from_db()
    assert desk.check_password(password) and not desk.check_password(PASSWORD)
    # Shown once, logged without the password; the member's sessions end, not the manager's.
    assert NEW_MEMBER_KEY not in client.session
    assert password not in client.get(STAFF_URL).content.decode()
    log = ActionLog.objects.get(action="accounts.user.password_reset")
    assert (log.actor, log.object_id) == (manager, str(desk.pk))
    for entry in ActionLog.objects.all():
        assert password not in str(entry.data)
    assert not _session_alive(desk_client)
    assert client.get(STAFF_URL).status_code == 200


def test_the_manager_resets_a_members_2fa(client_for, manager, desk):
    _enrolled(desk)
    desk_client = login_verified(Client(), desk)
    client = client_for(manager)

    response = client.post(_staff_2fa_url(desk))

    assert response.status_code == 302
    assert "2段階認証をリセットしました" in client.get(STAFF_URL).content.decode()
    assert _devices(desk) == ([], [])
    assert not _session_alive(desk_client)
    assert desk_client.get("/")["Location"].startswith("/accounts/login/")
    log = ActionLog.objects.get(action="accounts.user.two_factor_reset")
    assert (log.actor, log.object_id) == (manager, str(desk.pk))
    # At the next login the member enrols again.
    login = Client().post("/accounts/login/", {"username": "desk", "password": PASSWORD})
    assert login["Location"].startswith(SETUP_URL)


def test_the_page_offers_both_on_other_members_rows_only(client_for, manager, desk):
    html = client_for(manager).get(STAFF_URL).content.decode()
    assert _staff_password_url(desk) in html and _staff_2fa_url(desk) in html
    assert _staff_password_url(manager) not in html and _staff_2fa_url(manager) not in html


@pytest.mark.parametrize("which", ["password", "2fa"])
def test_a_manager_cannot_reset_themselves(client_for, manager, which):
    devices = _enrolled(manager)
    client = client_for(manager)
    url = _staff_password_url(manager) if which == "password" else _staff_2fa_url(manager)

    response = client.post(url)

    assert response.status_code == 200
    assert "自分自身" in response.content.decode()
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)
    assert _devices(manager) == ([devices[0]], [devices[1]])
    assert NEW_MEMBER_KEY not in client.session
    assert not ActionLog.objects.filter(action__startswith="accounts.user.").exists()


@pytest.mark.parametrize("which", ["password", "2fa"])
def test_another_agencys_manager_gets_404(client_for, partner_manager, desk, manager, which):
    devices = _enrolled(desk)
    client = client_for(partner_manager)
    url = _staff_password_url(desk) if which == "password" else _staff_2fa_url(desk)
    assert client.post(url).status_code == 404
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)
    assert _devices(desk) == ([devices[0]], [devices[1]])


def test_a_member_of_another_agency_too_is_refused(
    client_for, manager, desk, partner_agency, partner_manager
):
    """The desk's manager would otherwise read the partner agency's cases as them."""
    from tests.factories import MembershipFactory

    MembershipFactory(user=desk, agency=partner_agency, role=Role.PARTNER_STAFF)
    membership = desk.memberships.get(agency=manager.primary_agency)
    response = client_for(manager).post(reverse("accounts:staff_password", args=[membership.pk]))
    assert response.status_code == 200
    assert "ほかの機関" in response.content.decode()
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)


def test_a_stale_password_is_asked_for_first(client_for, manager, desk):
    devices = _enrolled(desk)
    client = client_for(manager)
    make_stale(client)
    for url in (_staff_password_url(desk), _staff_2fa_url(desk)):
        assert client.post(url)["Location"].startswith(reverse("accounts:reauth"))
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)
    assert _devices(desk) == ([devices[0]], [devices[1]])


def test_an_ended_membership_offers_no_reset(client_for, manager, desk):
    membership_end(actor=manager, membership=desk.memberships.get())
    response = client_for(manager).post(_staff_password_url(desk))
    assert response.status_code == 200
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)


# ---------------------------------------------------------------- the rule, branch by branch


def test_credentials_refusal_branch_by_branch(
    admin_user, other_admin, manager, desk, coordinator, partner, partner_manager, desk_agency
):
    lone = UserFactory(username="lone")  # no membership
    inert = system_user()
    allowed = [
        (manager, desk),
        (manager, coordinator),
        (partner_manager, partner),
        (admin_user, other_admin),
        (admin_user, lone),
        (admin_user, manager),  # the desk's only manager
        (admin_user, partner_manager),
        (None, desk),
        (inert, manager),
    ]
    refused = [
        (manager, manager, "自分自身"),
        (admin_user, admin_user, "自分自身"),
        (admin_user, desk, "所属機関の管理者"),
        (admin_user, partner, "所属機関の管理者"),
        (partner_manager, desk, "管理している機関の職員だけ"),
        (manager, partner, "管理している機関の職員だけ"),
        (manager, lone, "管理している機関の職員だけ"),
        (desk, coordinator, "管理している機関の職員だけ"),
        (manager, admin_user, "管理者アカウント"),
    ]
    for actor, user in allowed:
        assert credentials_refusal(actor=actor, user=user) is None, (actor, user)
    for actor, user, message in refused:
        reason = credentials_refusal(actor=actor, user=user)
        assert reason and message in reason, (actor, user, reason)

    # A second manager at the desk: the administrator no longer resets either manager.
    second = staff(desk_agency, Role.MANAGER, username="manager2", display_name="課長 補佐")
    assert "所属機関の管理者" in credentials_refusal(actor=admin_user, user=manager)
    assert credentials_refusal(actor=second, user=manager) is None


# ---------------------------------------------------------------- 福祉の相談窓口


def _post_agency(client, agency, change):
    url = reverse("admin:accounts_agency_change", args=[agency.pk])
    data = form_values(client.get(url))
    change(data)
    data["_save"] = ["保存"]
    return client.post(url, data)


def test_the_admin_cannot_flip_is_desk(client_for, admin_user, desk_agency, partner_agency):
    client = client_for(admin_user)

    def make_desk(data):
        data["is_desk"] = ["on"]
        data["phone"] = ["096-000-1111"]

    def unmake_desk(data):
        data.pop("is_desk", None)

    assert _post_agency(client, partner_agency, make_desk).status_code == 302
    partner_agency.refresh_from_db()
    assert not partner_agency.is_desk
    assert partner_agency.phone == "096-000-1111"  # the rest of the form still saves
    assert _post_agency(client, desk_agency, unmake_desk).status_code == 302
    desk_agency.refresh_from_db()
    assert desk_agency.is_desk

    # Nor is a second desk created while one exists.
    url = reverse("admin:accounts_agency_add")
    data = form_values(client.get(url))
    data.update({"name": ["架空町 新設窓口"], "kind": ["other"], "is_desk": ["on"]})
    data["_save"] = ["保存"]
    assert client.post(url, data).status_code == 302
    assert not Agency.objects.get(name="架空町 新設窓口").is_desk


def test_the_first_desk_is_chosen_at_creation(client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:accounts_agency_add")
    data = form_values(client.get(url))
    data.update({"name": ["架空町 ふくし窓口"], "kind": ["other"], "is_desk": ["on"]})
    data["_save"] = ["保存"]
    assert client.post(url, data).status_code == 302
    assert Agency.objects.get(name="架空町 ふくし窓口").is_desk


def test_the_desk_moves_by_a_command_on_the_server(admin_user, desk_agency):
    other = agency_create(actor=admin_user, name="架空町 新窓口", kind="other")
    call_command("set_desk_agency", str(other.pk))
    other.refresh_from_db()
    desk_agency.refresh_from_db()
    assert other.is_desk and not desk_agency.is_desk
    log = ActionLog.objects.filter(action="accounts.agency.desk_changed").latest("pk")
    assert log.actor == system_user()
    assert re.search(r"\d", log.object_id)
