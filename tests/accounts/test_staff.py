"""Memberships are given by the agency's manager in the app (DESIGN.md "Who may see
what": nobody grants themselves access; administrators manage users, not case
contents).

The 職員 page (accounts:staff) lets an agency's 管理者 add, re-role and end its
members through accounts.services; the admin site may only give a first manager to an
agency that has none. The hole closed here: an administrator creating a user whose
password it knows, making it a member of the desk and reading DV cases as it."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.choices import Role
from accounts.models import ActionLog, Agency, Membership, User
from accounts.services import (
    MembershipRuleError,
    agency_create,
    membership_add,
    membership_end,
    membership_refusal,
)
from accounts.system import system_user
from accounts.views import NEW_MEMBER_KEY
from tests.accounts.test_admin_self_grant import form_values
from tests.auth_helpers import login_verified, make_stale
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, staff
from tests.factories_meetings import open_case

pytestmark = pytest.mark.django_db

STAFF_URL = "/accounts/staff/"
DV_MARKER = "DV避難中・加害者に居所を知られないこと（秘）"
SHELTER_ADDRESS = "架空市緑ケ丘3丁目シェルター201"


def _role_url(membership):
    return reverse("accounts:staff_role", args=[membership.pk])


def _end_url(membership):
    return reverse("accounts:staff_end", args=[membership.pk])


def _memberships():
    """Every membership row as (user, agency, role, active): what a refusal must leave."""
    return sorted(Membership.objects.values_list("user_id", "agency_id", "role", "is_active"))


def _last_history_user(membership):
    return Membership.objects.get(pk=membership.pk).history.first().history_user


@pytest.fixture
def partner_manager(partner_agency):
    return staff(partner_agency, Role.MANAGER, username="partner_manager", display_name="包括 所長")


@pytest.fixture
def dv_case(desk, desk_agency):
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="避難中の鈴木さん世帯",
        address=SHELTER_ADDRESS,
        is_address_confidential=True,
    )
    PersonFactory(household=household, actor=desk, family_name="鈴木")
    return open_case(agency=desk_agency, actor=desk, title=DV_MARKER, household=household)


# ---------------------------------------------------------------- the manager's page


def test_the_page_lists_active_and_ended_members(client_for, manager, desk, coordinator):
    ended = staff(
        manager.primary_agency, Role.COUNSELOR, username="retired", display_name="退職 七子"
    )
    membership_end(actor=manager, membership=ended.memberships.get())
    response = client_for(manager).get(STAFF_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for user in (manager, desk, coordinator, ended):
        assert str(user) in html and user.username in html
    assert "相談支援包括化推進員" in html and "終了" in html
    # No controls on the manager's own row, nor on an ended one.
    assert _role_url(manager.memberships.get()) not in html
    assert _end_url(manager.memberships.get()) not in html
    assert _end_url(ended.memberships.get()) not in html
    assert _end_url(desk.memberships.get()) in html


def test_manager_adds_an_existing_user(client_for, manager, desk_agency):
    newcomer = UserFactory(username="newcomer", display_name="新人 六郎")
    response = client_for(manager).post(
        STAFF_URL,
        {"agency": desk_agency.pk, "username": "newcomer", "role": Role.COUNSELOR},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.agency, membership.role, membership.is_active) == (
        desk_agency,
        Role.COUNSELOR,
        True,
    )
    assert _last_history_user(membership) == manager
    assert desk_agency.group in newcomer.groups.all()
    log = ActionLog.objects.get(action="accounts.membership.added", object_id=str(membership.pk))
    assert log.actor == manager and log.data == {"role": Role.COUNSELOR}


def test_manager_creates_a_new_user_shown_its_initial_password_once(
    client_for, manager, desk_agency
):
    client = client_for(manager)
    response = client.post(
        STAFF_URL,
        {
            "agency": desk_agency.pk,
            "username": "shinjin",
            "create": "on",
            "display_name": "新人 八重",
            "role": Role.COORDINATOR,
            "is_staff": "on",  # not a field of the form: ignored
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="shinjin")
    assert (user.display_name, user.is_staff, user.is_superuser, user.is_active) == (
        "新人 八重",
        False,
        False,
        True,
    )
    membership = user.memberships.get()
    assert (membership.agency, membership.role) == (desk_agency, Role.COORDINATOR)
    assert _last_history_user(membership) == manager
    assert ActionLog.objects.get(action="accounts.user.created").actor == manager

    page = client.get(STAFF_URL).content.decode()
    password = page.split("初期パスワード</dt><dd><code>")[1].split("</code>")[0]
    assert len(password) == 19
    assert authenticate(RequestFactory().post("/"), username="shinjin", password=password) == user
    # Shown once: gone from the session and from the next page.
    assert NEW_MEMBER_KEY not in client.session
    assert password not in client.get(STAFF_URL).content.decode()
    # Logged without the password.
    for log in ActionLog.objects.all():
        assert password not in str(log.data)


def test_manager_changes_a_role(client_for, manager, desk):
    membership = desk.memberships.get()
    response = client_for(manager).post(_role_url(membership), {"role": Role.COORDINATOR})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR and membership.is_active
    assert _last_history_user(membership) == manager
    log = ActionLog.objects.get(action="accounts.membership.role_changed")
    assert log.actor == manager
    assert log.data == {"role": Role.COORDINATOR, "previous_role": Role.COUNSELOR}


def test_manager_ends_a_membership(client_for, manager, desk, desk_agency, dv_case):
    assert client_for(desk).get(reverse("cases:case_detail", args=[dv_case.pk])).status_code == 200
    membership = desk.memberships.get()
    # desk leads dv_case: it goes to the manager in the same step (tests/cases/test_deactivation.py)
    response = client_for(manager).post(_end_url(membership), {"successor": str(manager.pk)})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert _last_history_user(membership) == manager
    assert desk_agency.group not in desk.groups.all()
    assert ActionLog.objects.get(action="accounts.membership.ended").actor == manager
    assert client_for(desk).get(reverse("cases:case_detail", args=[dv_case.pk])).status_code == 404


@pytest.mark.parametrize("action", ["role", "end"])
def test_manager_cannot_alter_their_own_membership(client_for, manager, action):
    own = manager.memberships.get()
    before = _memberships()
    if action == "role":
        response = client_for(manager).post(_role_url(own), {"role": Role.COUNSELOR})
    else:
        response = client_for(manager).post(_end_url(own))
    assert response.status_code == 200
    assert "自分自身の所属" in response.content.decode()
    assert _memberships() == before


def test_manager_cannot_make_an_administrator_a_member(client_for, manager, admin_user):
    before = _memberships()
    response = client_for(manager).post(
        STAFF_URL,
        {"agency": manager.primary_agency.pk, "username": "admin", "role": Role.COUNSELOR},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "管理者アカウント" in html
    # Beside the username field.
    assert 'class="field has-error required">' in html.split('name="username"')[0][-400:]
    assert _memberships() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"username": "nobody"}, "username", "有効な利用者はいません"),
        ({"username": "desk"}, "username", "すでにこの機関の職員です"),
        ({"username": "desk", "create": "on", "display_name": "x"}, "username", "すでに使われて"),
        ({"username": "fresh", "create": "on"}, "display_name", "表示名を入力してください"),
        ({"username": "<b>x</b>", "create": "on", "display_name": "x"}, "username", "文字・数字"),
    ],
)
def test_refused_additions_say_why_beside_the_field(
    client_for, manager, desk, data, field, message
):
    users = User.objects.count()
    before = _memberships()
    response = client_for(manager).post(
        STAFF_URL, {"agency": manager.primary_agency.pk, "role": Role.COUNSELOR, **data}
    )
    assert response.status_code == 200
    assert message in str(response.context["add_form"].errors[field])
    assert (User.objects.count(), _memberships()) == (users, before)


# ---------------------------------------------------------------- who reaches the page


def test_a_manager_of_another_agency_gets_404_on_its_memberships(
    client_for, partner_manager, desk, manager
):
    client = client_for(partner_manager)
    page = client.get(STAFF_URL).content.decode()
    for user in (desk, manager):
        assert str(user) not in page and f"<code>{user.username}</code>" not in page
    before = _memberships()
    for target in (desk, manager):
        membership = target.memberships.get()
        assert client.post(_role_url(membership), {"role": Role.COUNSELOR}).status_code == 404
        assert client.post(_end_url(membership)).status_code == 404
    assert _memberships() == before


@pytest.mark.parametrize(
    "persona", ["desk", "coordinator", "partner", "outsider", "municipal", "admin_user"]
)
def test_no_one_but_a_manager_opens_the_page(request, client_for, persona, manager):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    before = _memberships()
    assert client.get(STAFF_URL).status_code == 403
    assert (
        client.post(STAFF_URL, {"username": user.username, "role": Role.MANAGER}).status_code == 403
    )
    target = manager.memberships.get()
    assert client.post(_role_url(target), {"role": Role.COUNSELOR}).status_code == 404
    assert client.post(_end_url(target)).status_code == 404
    assert _memberships() == before
    assert 'href="/accounts/staff/"' not in client.get(reverse("home")).content.decode()


def test_the_menu_links_the_page_for_managers(client_for, manager):
    assert 'href="/accounts/staff/"' in client_for(manager).get(reverse("home")).content.decode()


def test_the_page_asks_for_the_password_again_when_stale(client_for, manager, desk):
    client = client_for(manager)
    make_stale(client)
    assert client.get(STAFF_URL)["Location"].startswith(reverse("accounts:reauth"))
    before = _memberships()
    response = client.post(_end_url(desk.memberships.get()))
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert _memberships() == before


def test_an_ended_manager_no_longer_manages(client, manager, coordinator, desk_agency):
    second = staff(desk_agency, Role.MANAGER, username="manager2", display_name="課長 補佐")
    login_verified(Client(), second).post(_end_url(manager.memberships.get()))
    assert not manager.memberships.get().is_active
    assert login_verified(client, manager).get(STAFF_URL).status_code == 403


def test_the_page_runs_the_same_queries_for_1_and_6_members(client_for, manager, desk_agency):
    client = client_for(manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(STAFF_URL).status_code == 200
        return len(ctx.captured_queries)

    staff(desk_agency, Role.COUNSELOR, username="m0", display_name="職員 0")
    client.get(STAFF_URL)  # warm the session
    # session and user, OTP device, the managed agencies, the memberships with their
    # users and agencies (one query), the layout's menu: none per member.
    one = count()
    for i in range(1, 6):
        staff(desk_agency, Role.COUNSELOR, username=f"m{i}", display_name=f"職員 {i}")
    assert count() == one


# ---------------------------------------------------------------- the admin site


def _admin_create_user(client, username, password):
    """The administrator creates a user on the admin's add page, with a password it
    knows; returns that user."""
    url = reverse("admin:accounts_user_add")
    data = form_values(client.get(url))
    data.update(
        {
            "username": [username],
            "password1": [password],
            "password2": [password],
            "usable_password": ["true"],
            "_save": ["保存"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(username=username)


def _admin_add_membership(client, user, agency, role):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_values(client.get(url))
    n = int(data["memberships-TOTAL_FORMS"][0])
    data[f"memberships-{n}-agency"] = [str(agency.pk)]
    data[f"memberships-{n}-role"] = [role]
    data[f"memberships-{n}-is_active"] = ["on"]
    data["memberships-TOTAL_FORMS"] = [str(n + 1)]
    data["_save"] = ["保存"]
    return client.post(url, data)


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.MANAGER])
def test_an_administrator_cannot_make_a_sock_puppet_a_desk_member(
    client_for, admin_user, manager, desk_agency, dv_case, role
):
    """The hole: the administrator creates a user with a password it knows, gives it a
    membership at the desk (which has a manager) and logs in as it."""
    admin_client = client_for(admin_user)
    puppet = _admin_create_user(admin_client, "puppet", "kakuu-puppet-2024")
    before = _memberships()

    response = _admin_add_membership(admin_client, puppet, desk_agency, role)

    assert response.status_code == 200
    html = response.content.decode()
    assert "システム管理者は所属を追加・変更・終了できません" in html or (
        "この機関にはすでに管理者がいます" in html
    )
    assert _memberships() == before
    assert not puppet.memberships.exists()
    with pytest.raises(MembershipRuleError):
        membership_add(actor=admin_user, user=puppet, agency=desk_agency, role=role)
    assert _memberships() == before

    puppet_client = login_verified(Client(), puppet)
    response = puppet_client.get(reverse("cases:case_detail", args=[dv_case.pk]))
    assert response.status_code == 404
    assert DV_MARKER not in response.content.decode()
    listing = puppet_client.get(reverse("cases:case_list")).content.decode()
    assert DV_MARKER not in listing and SHELTER_ADDRESS not in listing


def test_an_administrator_changes_or_ends_no_membership(client_for, admin_user, desk, manager):
    client = client_for(admin_user)
    before = _memberships()
    url = reverse("admin:accounts_user_change", args=[desk.pk])
    for change in (
        {"memberships-0-role": [Role.COORDINATOR]},
        {"memberships-0-is_active": []},
        {"memberships-0-DELETE": ["on"]},
    ):
        data = form_values(client.get(url))
        data.update(change)
        data["_save"] = ["保存"]
        response = client.post(url, data)
        assert response.status_code == 200, change
        assert "システム管理者は所属を追加・変更・終了できません" in response.content.decode()
        assert _memberships() == before
    with pytest.raises(MembershipRuleError):
        membership_end(actor=admin_user, membership=desk.memberships.get())
    assert _memberships() == before


def test_the_administrator_bootstraps_the_first_manager_of_a_new_agency(client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:accounts_agency_add")
    data = form_values(client.get(url))
    data.update({"name": ["架空町 新設センター"], "kind": ["other"], "_save": ["保存"]})
    assert client.post(url, data).status_code == 302
    agency = Agency.objects.get(name="架空町 新設センター")
    chief = _admin_create_user(client, "chief", "kakuu-chief-2024")
    helper = _admin_create_user(client, "helper", "kakuu-helper-2024")

    # Only the MANAGER role bootstraps.
    response = _admin_add_membership(client, chief, agency, Role.COUNSELOR)
    assert response.status_code == 200
    assert not chief.memberships.exists()

    response = _admin_add_membership(client, chief, agency, Role.MANAGER)
    assert response.status_code == 302
    membership = chief.memberships.get()
    assert (membership.agency, membership.role, membership.is_active) == (
        agency,
        Role.MANAGER,
        True,
    )
    assert _last_history_user(membership) == admin_user
    assert agency.group in chief.groups.all()

    # The agency has its manager now: a second "first manager" is refused...
    response = _admin_add_membership(client, helper, agency, Role.MANAGER)
    assert response.status_code == 200
    assert "この機関にはすでに管理者がいます" in response.content.decode()
    assert not helper.memberships.exists()

    # ... and the new manager adds staff in the app.
    chief_client = login_verified(Client(), chief)
    response = chief_client.post(
        STAFF_URL, {"agency": agency.pk, "username": "helper", "role": Role.PARTNER_STAFF}
    )
    assert response.status_code == 302
    assert _last_history_user(helper.memberships.get()) == chief


def test_deactivating_a_manager_does_not_reopen_the_bootstrap(admin_user, manager, desk_agency):
    services.user_deactivate(actor=admin_user, user=manager)
    puppet = UserFactory(username="puppet")
    with pytest.raises(MembershipRuleError, match="すでに管理者がいます"):
        membership_add(actor=admin_user, user=puppet, agency=desk_agency, role=Role.MANAGER)
    assert not puppet.memberships.exists()


# ---------------------------------------------------------------- the rule, branch by branch


def test_membership_refusal_branch_by_branch(admin_user, manager, desk, desk_agency, partner):
    new_agency = agency_create(actor=admin_user, name="架空町 新設", kind="other")
    other_admin = UserFactory(username="admin2", is_staff=True)
    someone = UserFactory(username="someone")
    inert = system_user()
    allowed = [
        (manager, someone, desk_agency, Role.COUNSELOR, False),
        (manager, desk, desk_agency, Role.MANAGER, False),
        (manager, desk, desk_agency, None, True),
        (admin_user, someone, new_agency, Role.MANAGER, False),
        (None, someone, desk_agency, Role.COUNSELOR, False),
        (inert, someone, desk_agency, Role.COUNSELOR, False),
        (inert, desk, desk_agency, None, True),
    ]
    refused = [
        (manager, manager, desk_agency, Role.COUNSELOR, False, "自分自身"),
        (manager, manager, desk_agency, None, True, "自分自身"),
        (manager, other_admin, desk_agency, Role.COUNSELOR, False, "管理者アカウント"),
        (manager, someone, new_agency, Role.COUNSELOR, False, "その機関の管理者だけ"),
        (desk, someone, desk_agency, Role.COUNSELOR, False, "その機関の管理者だけ"),
        (partner, someone, desk_agency, Role.COUNSELOR, False, "その機関の管理者だけ"),
        (admin_user, someone, desk_agency, Role.COUNSELOR, False, "システム管理者は"),
        (admin_user, someone, desk_agency, Role.MANAGER, False, "すでに管理者がいます"),
        (admin_user, desk, desk_agency, None, True, "システム管理者は"),
        (admin_user, someone, new_agency, Role.COUNSELOR, False, "システム管理者は"),
        (None, other_admin, desk_agency, Role.COUNSELOR, False, "管理者アカウント"),
    ]
    for actor, user, agency, role, ending in allowed:
        reason = membership_refusal(actor=actor, user=user, agency=agency, role=role, ending=ending)
        assert reason is None, (actor, user, role, ending, reason)
    for actor, user, agency, role, ending, message in refused:
        reason = membership_refusal(actor=actor, user=user, agency=agency, role=role, ending=ending)
        assert reason and message in reason, (actor, user, role, ending, reason)

    # The system user counts as a process only while it cannot log in.
    inert.is_active = True
    inert.set_password("kakuu-system-2024")
    inert.save()
    reason = membership_refusal(actor=inert, user=someone, agency=desk_agency, role=Role.COUNSELOR)
    assert reason and "その機関の管理者だけ" in reason


def test_an_inactive_agency_is_managed_by_no_one(client_for, manager, desk, desk_agency):
    services.agency_update(actor=None, agency=desk_agency, is_active=False)
    assert client_for(manager).get(STAFF_URL).status_code == 403
