"""Nobody grants themselves access (DESIGN.md "Who may see what"; issue 13, item 1).

The administrator's own user page, the group pages and the membership service refuse
every change by which a user would widen their own access, with a Japanese message
and nothing written; an administrator account holds no membership, and a superuser
still gets 404 on a case and a household."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.choices import Role
from accounts.models import Membership, User
from accounts.services import MembershipRuleError, _sync_user_groups, membership_add
from tests.factories import HouseholdFactory, PersonFactory, UserFactory
from tests.factories_meetings import open_case

pytestmark = pytest.mark.django_db

SHELTER_ADDRESS = "架空市緑ケ丘3丁目シェルター201"
DV_TITLE = "DV避難世帯の支援"


class _FormValues(HTMLParser):
    """The values a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(response) -> dict:
    parser = _FormValues()
    parser.feed(response.content.decode())
    data = {k: v for k, v in parser.data.items() if not k.startswith("__prefix__")}
    return {k: v for k, v in data.items() if "__prefix__" not in k}


def _post_user_page(client, user, change):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_values(client.get(url))
    change(data)
    data["_save"] = ["保存"]
    return client.post(url, data)


def _add_membership(agency, role=Role.COUNSELOR):
    def change(data):
        n = int(data["memberships-TOTAL_FORMS"][0])
        data[f"memberships-{n}-agency"] = [str(agency.pk)]
        data[f"memberships-{n}-role"] = [role]
        data[f"memberships-{n}-is_active"] = ["on"]
        data["memberships-TOTAL_FORMS"] = [str(n + 1)]

    return change


def _snapshot(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.is_staff,
        user.is_superuser,
        user.is_active,
        sorted(user.groups.values_list("pk", flat=True)),
        sorted(user.user_permissions.values_list("pk", flat=True)),
        sorted(Membership.objects.filter(user=user).values_list("agency_id", "role", "is_active")),
    )


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
    return open_case(agency=desk_agency, actor=desk, title=DV_TITLE, household=household)


def _assert_no_case_access(client, case):
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("households:detail", args=[case.household_id])).status_code == 404


def test_superuser_without_membership_gets_404_on_case_and_household(
    client_for, admin_user, dv_case
):
    client = client_for(admin_user)
    _assert_no_case_access(client, dv_case)


def test_a_membership_recorded_for_an_administrator_gives_no_access(
    client_for, admin_user, desk_agency, dv_case
):
    """Older data or the shell may have given an administrator account a membership
    (the service and the admin refuse it now): the superuser still reads no case."""
    Membership.objects.create(user=admin_user, agency=desk_agency, role=Role.COUNSELOR)
    _sync_user_groups(admin_user)
    client = client_for(admin_user)
    _assert_no_case_access(client, dv_case)
    assert DV_TITLE not in client.get(reverse("cases:case_list")).content.decode()


def test_administrator_cannot_give_itself_a_membership(
    client_for, admin_user, desk_agency, dv_case
):
    client = client_for(admin_user)
    before = _snapshot(admin_user)
    response = _post_user_page(client, admin_user, _add_membership(desk_agency))
    assert response.status_code == 200
    html = response.content.decode()
    assert "自分自身" in html
    assert _snapshot(admin_user) == before
    assert not Membership.objects.filter(user=admin_user).exists()
    _assert_no_case_access(client, dv_case)
    assert SHELTER_ADDRESS not in html


@pytest.mark.parametrize(
    "field",
    ["is_superuser", "is_staff", "is_active", "groups", "user_permissions"],
)
def test_administrator_cannot_change_its_own_privileges(
    client_for, admin_user, desk_agency, dv_case, field
):
    extra = Group.objects.create(name="監査補助")
    permission = Permission.objects.get(codename="view_case", content_type__app_label="cases")

    def change(data):
        if field in ("is_superuser", "is_staff", "is_active"):
            data.pop(field, None)  # an unticked box
        elif field == "groups":
            data["groups"] = [str(desk_agency.group_id), str(extra.pk)]
        else:
            data["user_permissions"] = [str(permission.pk)]

    client = client_for(admin_user)
    before = _snapshot(admin_user)
    response = _post_user_page(client, admin_user, change)
    assert response.status_code == 200
    assert "自分自身" in response.content.decode()
    assert _snapshot(admin_user) == before
    _assert_no_case_access(client, dv_case)


def test_administrator_gives_only_a_first_manager_to_other_users(
    client_for, admin_user, desk_agency
):
    """Memberships are the agency's manager's (tests/accounts/test_staff.py); the admin
    site only bootstraps an agency with no manager by giving its first 管理者."""
    newcomer = UserFactory(username="newcomer", display_name="新人 六郎")
    client = client_for(admin_user)
    response = _post_user_page(client, newcomer, _add_membership(desk_agency))
    assert response.status_code == 200
    assert "システム管理者は所属を追加・変更・終了できません" in response.content.decode()
    assert not Membership.objects.filter(user=newcomer).exists()

    response = _post_user_page(client, newcomer, _add_membership(desk_agency, Role.MANAGER))
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.agency, membership.role, membership.is_active) == (
        desk_agency,
        Role.MANAGER,
        True,
    )
    assert desk_agency.group in newcomer.groups.all()


def test_an_administrator_account_holds_no_membership(client_for, admin_user, desk_agency):
    """Another administrator may not be given one either (that would be the way round
    the rule above), nor may a member be made an administrator."""
    other_admin = UserFactory(username="admin2", is_staff=True)
    client = client_for(admin_user)
    before = _snapshot(other_admin)
    response = _post_user_page(client, other_admin, _add_membership(desk_agency))
    assert response.status_code == 200
    assert "管理者アカウント" in response.content.decode()
    assert _snapshot(other_admin) == before

    member = UserFactory(username="member")
    membership_add(actor=None, user=member, agency=desk_agency, role=Role.COUNSELOR)
    before = _snapshot(member)
    response = _post_user_page(
        client, member, lambda data: data.__setitem__("is_superuser", ["on"])
    )
    assert response.status_code == 200
    assert "管理者アカウント" in response.content.decode()
    assert _snapshot(member) == before


def test_agency_groups_are_not_edited_in_the_admin(client_for, admin_user, desk_agency):
    """An agency's group carries its case grants; its members come from memberships and
    it has no model permissions to hand out."""
    group = desk_agency.group
    permission = Permission.objects.get(codename="change_user")
    client = client_for(admin_user)
    url = reverse("admin:auth_group_change", args=[group.pk])
    data = form_values(client.get(url))
    data["permissions"] = [str(permission.pk)]
    data["_save"] = ["保存"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "機関のグループ" in response.content.decode()
    assert not group.permissions.exists()


def test_a_group_cannot_be_widened_by_its_own_member(client_for, desk_agency):
    """A staff user allowed to edit groups may not add permissions to a group they are
    in (nor to themselves)."""
    helper = UserFactory(username="helper", is_staff=True)
    group = Group.objects.create(name="利用者管理")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["view_group", "change_group", "view_user", "change_user"]
        )
    )
    helper.groups.add(group)
    wider = Permission.objects.get(codename="delete_user")
    client = client_for(helper)
    url = reverse("admin:auth_group_change", args=[group.pk])
    data = form_values(client.get(url))
    data["permissions"] = [*data.get("permissions", []), str(wider.pk)]
    data["_save"] = ["保存"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "自分自身" in response.content.decode()
    assert not group.permissions.filter(pk=wider.pk).exists()

    before = _snapshot(helper)
    response = _post_user_page(
        client, helper, lambda data: data.__setitem__("user_permissions", [str(wider.pk)])
    )
    assert response.status_code == 200
    assert _snapshot(helper) == before


def test_membership_service_refuses_a_self_grant(admin_user, desk, desk_agency, partner_agency):
    before = sorted(Membership.objects.values_list("user_id", "agency_id", "role", "is_active"))
    with pytest.raises(MembershipRuleError):
        membership_add(actor=desk, user=desk, agency=partner_agency, role=Role.PARTNER_STAFF)
    with pytest.raises(MembershipRuleError):
        membership_add(actor=desk, user=desk, agency=desk_agency, role=Role.MANAGER)
    with pytest.raises(MembershipRuleError):
        membership_add(actor=None, user=admin_user, agency=desk_agency, role=Role.COUNSELOR)
    after = sorted(Membership.objects.values_list("user_id", "agency_id", "role", "is_active"))
    assert after == before
