"""A worker leaving: ending their membership (the 職員 page) or deactivating their
account (services, admin) is refused while they lead open cases, unless the cases are
handed over in the same step (accounts.registry guards, registered by cases.handover).
A refusal leaves every row as it was."""

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.choices import Role
from accounts.models import ActionLog, Membership, User
from cases import services
from cases.choices import CaseStatus, RecordKind
from cases.models import Case, Reminder, SupportRecord
from tests.accounts.test_admin_self_grant import form_values
from tests.factories import staff
from tests.factories_meetings import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(desk_agency):
    return staff(desk_agency, Role.COUNSELOR, username="receiver", display_name="受取 六子")


@pytest.fixture
def desk_cases(desk, desk_agency):
    first = open_case(agency=desk_agency, actor=desk, title="佐藤さん世帯の支援")
    second = open_case(agency=desk_agency, actor=desk, title="鈴木さん世帯の支援")
    closed = open_case(agency=desk_agency, actor=desk, title="終結した世帯")
    services.case_transition(
        actor=desk, case=closed, to_status=CaseStatus.SUSPENDED, reason="転居のため"
    )
    return first, second, closed


def _snapshot():
    """Everything a refused deactivation must leave as it was."""
    return (
        sorted(Membership.objects.values_list("pk", "user_id", "agency_id", "role", "is_active")),
        sorted(User.objects.values_list("pk", "is_active")),
        sorted(Case.objects.values_list("pk", "lead_staff_id", "status")),
        SupportRecord.objects.count(),
        Reminder.objects.count(),
        ActionLog.objects.filter(action__startswith="accounts.membership").count(),
    )


def _end_url(membership):
    return reverse("accounts:staff_end", args=[membership.pk])


def test_ending_a_membership_with_open_cases_is_refused_with_count_and_link(
    client_for, manager, desk, receiver, desk_cases
):
    open_count = Case.objects.open().filter(lead_staff=desk).count()
    assert open_count >= 2
    before = _snapshot()
    response = client_for(manager).post(_end_url(desk.memberships.get()))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"進行中のケースを{open_count}件担当しています" in html
    assert f"{reverse('cases:handover')}?worker={desk.pk}" in html
    assert "引継いで所属を終了" in html  # the same-step form is offered
    assert _snapshot() == before


def test_ending_with_a_successor_hands_every_open_case_over_then_ends(
    client_for, manager, desk, desk_agency, receiver, desk_cases
):
    open_cases = list(Case.objects.open().filter(lead_staff=desk))
    membership = desk.memberships.get()
    response = client_for(manager).post(
        _end_url(membership), {"successor": str(receiver.pk), "note": "火曜午後の訪問を継続"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert not Case.objects.open().filter(lead_staff=desk).exists()
    for case in open_cases:
        case.refresh_from_db()
        assert case.lead_staff == receiver
        note = SupportRecord.objects.get(case=case, kind=RecordKind.COORDINATION)
        assert "【引継ぎ】" in note.narrative and "火曜午後" in note.narrative
        assert Case.history.filter(id=case.pk).first().history_user == manager
        assert Reminder.objects.filter(recipient=receiver, subject=f"case:{case.pk}").exists()
    assert ActionLog.objects.filter(action="cases.case.handed_over").count() == len(open_cases)
    assert ActionLog.objects.get(action="accounts.membership.ended").actor == manager


def test_a_refused_successor_undoes_everything(client_for, manager, desk, partner, desk_cases):
    """A successor outside the agency is not offered; forced through the service, the
    hand-over refuses and the membership stays, the cases too."""
    before = _snapshot()
    response = client_for(manager).post(_end_url(desk.memberships.get()), {"successor": partner.pk})
    assert "引継ぎ先を一覧から選んでください。" in response.content.decode()
    with pytest.raises(account_services.MembershipRuleError, match="引継ぎ先"):
        account_services.membership_end(
            actor=manager, membership=desk.memberships.get(), successor=partner
        )
    assert _snapshot() == before


def test_a_worker_without_open_cases_leaves_at_once(client_for, manager, receiver):
    membership = receiver.memberships.get()
    assert client_for(manager).post(_end_url(membership)).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active


def test_open_cases_at_another_agency_do_not_hold_this_membership(
    manager, desk, desk_agency, partner_agency, desk_cases
):
    """The guard asks about the agency being left: the desk's cases do not stop the
    worker leaving a second agency."""
    Membership.objects.create(user=desk, agency=partner_agency, role=Role.PARTNER_STAFF)
    boss = staff(partner_agency, Role.MANAGER, username="boss", display_name="包括 所長")
    second = desk.memberships.get(agency=partner_agency)
    account_services.membership_end(actor=boss, membership=second)
    second.refresh_from_db()
    assert not second.is_active
    with pytest.raises(account_services.DeactivationRefused):
        account_services.membership_end(
            actor=manager, membership=desk.memberships.get(agency=desk_agency)
        )


def test_account_deactivation_is_refused_while_cases_are_open(admin_user, desk, desk_cases):
    before = _snapshot()
    with pytest.raises(account_services.DeactivationRefused, match="進行中のケース"):
        account_services.user_deactivate(actor=admin_user, user=desk)
    assert _snapshot() == before
    desk.refresh_from_db()
    assert desk.is_active


def test_the_admin_is_active_toggle_does_not_bypass_the_rule(
    client_for, admin_user, desk, desk_cases
):
    client = client_for(admin_user)
    url = reverse("admin:accounts_user_change", args=[desk.pk])
    data = form_values(client.get(url))
    data.pop("is_active", None)  # untick 有効
    data["_save"] = ["保存"]
    before = _snapshot()
    response = client.post(url, data)
    assert response.status_code == 200
    assert "進行中のケース" in response.content.decode()
    assert _snapshot() == before


def test_the_admin_deactivates_a_user_without_open_cases(client_for, admin_user, receiver):
    client = client_for(admin_user)
    url = reverse("admin:accounts_user_change", args=[receiver.pk])
    data = form_values(client.get(url))
    data.pop("is_active", None)
    data["_save"] = ["保存"]
    assert client.post(url, data).status_code == 302
    receiver.refresh_from_db()
    assert not receiver.is_active


def test_staff_and_account_pages_link_handover_and_reminder_settings(client_for, manager, desk):
    staff_html = client_for(manager).get(reverse("accounts:staff")).content.decode()
    assert reverse("cases:handover") in staff_html
    assert reverse("cases:reminder_settings") in staff_html
    account_html = client_for(desk).get(reverse("accounts:security")).content.decode()
    assert reverse("cases:reminder_settings") in account_html
    assert reverse("cases:handover") not in account_html


def test_the_handover_page_shows_caseload_per_worker(
    client_for, manager, desk, desk_agency, receiver, desk_cases
):
    from cases.choices import OPEN_STATUSES, RiskLevel
    from cases.handover import caseload_of

    high = desk_cases[1]
    services.case_update(actor=desk, case=high, risk_level=RiskLevel.HIGH)
    caseload = caseload_of(desk_agency)
    rows = {row["worker"]: row for row in caseload["rows"]}
    assert rows[desk]["total"] == 2  # the suspended case is not open
    assert rows[desk]["statuses"][list(OPEN_STATUSES).index(desk_cases[0].status)] == 2
    risks = dict(zip(caseload["risk_labels"], rows[desk]["risks"], strict=True))
    assert risks[RiskLevel.HIGH.label] == 1 and sum(risks.values()) == 2
    assert rows[receiver]["total"] == 0
    html = client_for(manager).get(reverse("cases:handover")).content.decode()
    assert "職員ごとの担当件数" in html and f"?worker={desk.pk}" in html
    assert desk_cases[0].title not in html  # counts only until a worker is picked
