"""Issue 13 items 4, 7, 8: what closing and reopening a case does to the ledger, what
each agency effectively sees (and why) before and after a basis is created, and who
may open a case on a 住所秘匿 household someone else leads."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services, sharing
from cases.choices import CaseStatus, ExemptionReason, GrantBasis, GrantScope, PlanStatus
from cases.models import AccessGrant, Case, CaseGroupObjectPermission
from households.services import consent_withdraw
from referrals import services as referral_services
from tests.cases.conftest import SECRET_ADDRESS, SECRET_PHONE, make_case
from tests.factories import AgencyFactory, ConsentFactory, HouseholdFactory, staff
from tests.factories_referrals import ReferralFactory


def _approve_plan_with_role(*, desk, plan, person, agency, consent, review_in_days=7):
    """Give agency a role in the draft plan, record the consent and approve it."""
    services.plan_update(
        actor=desk,
        plan=plan,
        review_on=timezone.localdate() + dt.timedelta(days=review_in_days),
        roles=[
            {
                "concern": "介護",
                "agency": agency,
                "method": "サービス調整",
                "person": person,
                "due_on": None,
            }
        ],
    )
    plan.refresh_from_db()
    services.plan_record_consent(actor=desk, plan=plan, consent=consent)
    plan.refresh_from_db()
    return services.plan_approve(actor=desk, plan=plan)


def _accepted_referral(*, case, desk, to_agency, receiver, scope=GrantScope.SUMMARY, **basis):
    referral = ReferralFactory(case=case, actor=desk, to_agency=to_agency, scope=scope, **basis)
    return referral_services.referral_accept(actor=receiver, referral=referral)


def _status(client, case, **data):
    return client.post(reverse("cases:case_status", kwargs={"pk": case.pk}), data)


def _close(client, case):
    return _status(
        client,
        case,
        to_status="closed",
        on=timezone.localdate().isoformat(),
        close_reason_kind="goal_reached",
        reason="",
    )


def _case_status(client, case):
    return client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).status_code


# ---------------------------------------------------------------- item 4: closing


@pytest.mark.parametrize(
    "data",
    [
        {"to_status": "closed", "close_reason_kind": "goal_reached", "reason": ""},
        {"to_status": "suspended", "close_reason_kind": "", "reason": "本人と連絡がとれない"},
    ],
)
def test_ending_a_case_closes_its_plan_and_ends_plan_role_access(
    data, desk, desk_agency, partner, partner_agency, client_for
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="終結")
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    _approve_plan_with_role(
        desk=desk, plan=plan, person=person, agency=partner_agency, consent=consent
    )
    assert _case_status(client_for(partner), case) == 200

    response = _status(client_for(desk), case, on=timezone.localdate().isoformat(), **data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    grant = AccessGrant.objects.get(case=case, agency=partner_agency)
    assert grant.basis == GrantBasis.PLAN_ROLE and grant.revoked_at is not None
    assert not CaseGroupObjectPermission.objects.filter(
        content_object=case, group=partner_agency.group
    ).exists()
    assert _case_status(client_for(partner), case) == 404


def test_closing_removes_the_plan_review_reminder_from_home(
    desk, desk_agency, partner_agency, client_for
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="評価予定")
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    _approve_plan_with_role(
        desk=desk,
        plan=plan,
        person=person,
        agency=partner_agency,
        consent=consent,
        review_in_days=3,
    )
    client = client_for(desk)
    assert "14日以内に評価予定のプラン" in client.get(reverse("home")).content.decode()
    assert _close(client, case).status_code == 302
    assert "14日以内に評価予定のプラン" not in client.get(reverse("home")).content.decode()


def test_an_ended_case_takes_no_new_plan_until_it_is_reopened(desk, desk_agency, client_for):
    case, _person, plan = make_case(desk=desk, desk_agency=desk_agency, title="終結後")
    client = client_for(desk)
    plan.delete()  # no draft left: the page would offer 「支援プランを作成」
    add_url = reverse("cases:plan_add", kwargs={"pk": case.pk})
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert add_url in page
    assert _close(client, case).status_code == 302

    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert add_url not in page and "支援プランを作成" not in page
    # Opened by its address all the same: refused before the form, and a post saves nothing.
    response = client.get(add_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", kwargs={"pk": case.pk})
    assert "終結・中断したケースにはプランを作成・実施できません" in response.content.decode()
    client.post(add_url, {"person_wishes": "希望", "goals": "目標", "roles-TOTAL_FORMS": "0"})
    assert not case.plans.exists()
    with pytest.raises(services.CaseRuleError):
        services.plan_create(actor=desk, case=case, person_wishes="", goals="")
    assert not case.plans.exists()

    reopened = _status(
        client, case, to_status="supporting", on=timezone.localdate().isoformat(), reason="再開"
    )
    assert reopened.status_code == 302
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert add_url in page


def test_reopening_restores_only_what_live_bases_allow(
    desk, desk_agency, partner, partner_agency, outsider, outsider_agency, client_for
):
    """partner: a plan role (ends with the plan, not restored); outsider: a direct share
    on consent (ends with the case, restored while the consent holds); referred: an
    accepted referral (a live basis of its own: kept through the closure); lapsed: a
    direct share whose consent is withdrawn while the case is closed (not restored)."""
    referred_agency = AgencyFactory(name="架空町障がい者相談支援センター")
    referred = staff(referred_agency, username="referred")
    lapsed_agency = AgencyFactory(name="架空町医療機関")
    lapsed = staff(lapsed_agency, username="lapsed")
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="再開")
    consent = ConsentFactory(
        person=person,
        agencies=[partner_agency, outsider_agency, referred_agency],
        recorded_by=desk,
    )
    lapsing = ConsentFactory(person=person, agencies=[lapsed_agency], recorded_by=desk)
    _approve_plan_with_role(
        desk=desk, plan=plan, person=person, agency=partner_agency, consent=consent
    )
    services.case_share(
        actor=desk, case=case, agency=outsider_agency, scope=GrantScope.RECORDS, consent=consent
    )
    services.case_share(
        actor=desk, case=case, agency=lapsed_agency, scope=GrantScope.SUMMARY, consent=lapsing
    )
    _accepted_referral(
        case=case, desk=desk, to_agency=referred_agency, receiver=referred, consent=consent
    )
    assert _close(client_for(desk), case).status_code == 302
    assert _case_status(client_for(partner), case) == 404
    assert _case_status(client_for(outsider), case) == 404
    assert _case_status(client_for(lapsed), case) == 404
    assert _case_status(client_for(referred), case) == 200  # the referral is still live

    consent_withdraw(actor=desk, consent=lapsing)
    response = _status(
        client_for(desk),
        case,
        to_status="supporting",
        on=timezone.localdate().isoformat(),
        reason="再び相談があった",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPORTING
    assert _case_status(client_for(partner), case) == 404  # the plan stays closed
    assert _case_status(client_for(outsider), case) == 200  # consent still valid
    assert sharing.agency_can_see(outsider_agency, case, "records")
    assert _case_status(client_for(lapsed), case) == 404  # consent withdrawn meanwhile
    assert _case_status(client_for(referred), case) == 200
    # The ledger says why: the restored row is a new grant on the same consent.
    restored = AccessGrant.objects.get(case=case, agency=outsider_agency, revoked_at__isnull=True)
    assert (restored.basis, restored.scope, restored.consent) == (
        GrantBasis.CONSENT,
        GrantScope.RECORDS,
        consent,
    )


# ---------------------------------------------------------------- item 7: effective access


@pytest.fixture
def widened(desk, desk_agency, outsider, outsider_agency):
    """A referral to 社協 (outsider) with 開示範囲 概要のみ, accepted; a consented plan
    giving 社協 a role, not yet approved."""
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="範囲")
    consent = ConsentFactory(person=person, agencies=[outsider_agency], recorded_by=desk)
    referral = _accepted_referral(
        case=case, desk=desk, to_agency=outsider_agency, receiver=outsider, consent=consent
    )
    services.plan_update(
        actor=desk,
        plan=plan,
        roles=[
            {
                "concern": "家計",
                "agency": outsider_agency,
                "method": "家計相談",
                "person": person,
                "due_on": None,
            }
        ],
    )
    plan.refresh_from_db()
    services.plan_record_consent(actor=desk, plan=plan, consent=consent)
    plan.refresh_from_db()
    return {"case": case, "plan": plan, "referral": referral, "consent": consent}


def test_the_plan_page_previews_who_gains_what_before_approval(widened, desk, client_for):
    case, plan = widened["case"], widened["plan"]
    body = (
        client_for(desk)
        .get(reverse("cases:plan_detail", kwargs={"pk": case.pk, "plan_pk": plan.pk}))
        .content.decode()
    )
    assert "承認すると閲覧範囲が変わる機関" in body
    assert "架空町社会福祉協議会：「概要のみ」→「プランと支援経過」" in body
    assert "支援プランの役割分担" in body


def test_referral_and_case_pages_show_the_effective_access_and_its_bases(
    widened, desk, outsider, client_for
):
    services.plan_approve(actor=desk, plan=widened["plan"])
    referral_url = reverse("referrals:referral_detail", args=[widened["referral"].pk])
    case_url = reverse("cases:case_detail", kwargs={"pk": widened["case"].pk})
    for user in (desk, outsider):
        client = client_for(user)
        for url in (referral_url, case_url):
            body = client.get(url).content.decode()
            assert "実際の閲覧範囲" in body, (user, url)
            assert "架空町社会福祉協議会：プランと支援経過" in body, (user, url)
            assert "繋ぎ（受理）・概要のみ" in body, (user, url)
            assert "支援プランの役割分担・プランと支援経過" in body, (user, url)
    body = client_for(outsider).get(referral_url).content.decode()
    assert "この繋ぎの開示範囲「概要のみ」より広い範囲" in body


def test_share_and_referral_previews_say_what_access_follows(
    widened, desk, outsider_agency, partner_agency, client_for
):
    case = widened["case"]
    services.plan_approve(actor=desk, plan=widened["plan"])
    client = client_for(desk)
    url = reverse("cases:access_preview", kwargs={"pk": case.pk})
    # A new agency: nothing now, the chosen scope after.
    body = client.get(url, {"agency": partner_agency.pk, "scope": "summary"}).content.decode()
    assert "架空町地域包括支援センター：「なし」→「概要のみ」" in body
    assert "本人同意" in body
    # 社協 already sees more through the plan: a narrower share changes nothing.
    body = client.get(
        url, {"to_agency": outsider_agency.pk, "scope": "summary", "kind": "referral"}
    ).content.decode()
    assert "架空町社会福祉協議会：「プランと支援経過」→「プランと支援経過」" in body
    assert "開示範囲「概要のみ」より広い範囲を、すでに他の根拠で閲覧できます" in body
    # An exemption is named as the basis.
    body = client.get(
        url, {"agency": partner_agency.pk, "scope": "full", "exemption_reason": "life"}
    ).content.decode()
    assert "法令上の例外" in body and "「なし」→「ケース記録すべて」" in body
    # The forms load the preview.
    share_page = client.get(reverse("cases:case_share", kwargs={"pk": case.pk}))
    assert url in share_page.content.decode()
    referral_page = client.get(reverse("referrals:referral_new") + f"?case={case.pk}")
    assert url in referral_page.content.decode()


def test_the_preview_is_for_the_lead_only(widened, outsider, outsider_agency, client_for):
    url = reverse("cases:access_preview", kwargs={"pk": widened["case"].pk})
    response = client_for(outsider).get(url, {"agency": outsider_agency.pk, "scope": "full"})
    assert response.status_code == 404


# ---------------------------------------------------------------- item 8: opening a case


@pytest.fixture
def hidden_household(desk, desk_agency, outsider, outsider_agency):
    """The desk's case on a 住所秘匿 household, referred to 社協 (outsider) on a legal
    exemption with 開示範囲 プランと支援経過, accepted: 社協 sees the household page."""
    case, person, plan = make_case(
        desk=desk, desk_agency=desk_agency, title="秘匿", confidential=True
    )
    _accepted_referral(
        case=case,
        desk=desk,
        to_agency=outsider_agency,
        receiver=outsider,
        scope=GrantScope.RECORDS,
        exemption_reason=ExemptionReason.LIFE,
        exemption_note="緊急の見守りが必要",
    )
    return case.household, person


def _open_case_data(household, person, user):
    return {
        "household": household.pk,
        "title": "社協のケース",
        "opened_on": "R6.4.1",
        "lead_staff": user.pk,
        "risk_level": "medium",
        "principal": person.pk,
    }


def test_a_partner_cannot_lead_its_way_to_a_hidden_address(hidden_household, outsider, client_for):
    household, person = hidden_household
    client = client_for(outsider)
    detail = reverse("households:detail", kwargs={"pk": household.pk})
    assert client.get(detail).status_code == 200  # sees the household, not its address
    url = reverse("cases:case_open") + f"?household={household.pk}"
    opened = client.post(url, _open_case_data(household, person, outsider), follow=True)
    for page in (detail, reverse("households:edit", kwargs={"pk": household.pk})):
        content = client.get(page).content
        assert SECRET_ADDRESS.encode() not in content
        assert SECRET_PHONE.encode() not in content
    assert not Case.objects.filter(title="社協のケース").exists()
    assert "住所秘匿の世帯のケースを開始できるのは" in opened.content.decode()
    response = client.get(url, follow=True)
    assert "住所秘匿の世帯のケースを開始できるのは" in response.content.decode()
    with pytest.raises(services.CaseRuleError):
        services.case_open(
            actor=outsider,
            household=household,
            lead_agency=outsider.primary_agency,
            lead_staff=outsider,
            title="社協のケース",
        )


def test_the_desk_and_the_whereabouts_holder_may_open_a_case_on_a_hidden_household(
    hidden_household, desk, coordinator, client_for
):
    household, person = hidden_household
    url = reverse("cases:case_open") + f"?household={household.pk}"
    response = client_for(coordinator).post(url, _open_case_data(household, person, coordinator))
    assert response.status_code == 302
    assert Case.objects.filter(title="社協のケース", household=household).exists()


def test_the_registering_agency_may_open_a_case_on_its_hidden_household(partner, partner_agency):
    household = HouseholdFactory(
        registered_by_agency=partner_agency, actor=partner, is_address_confidential=True
    )
    case = services.case_open(
        actor=partner,
        household=household,
        lead_agency=partner_agency,
        lead_staff=partner,
        title="包括のケース",
    )
    assert sharing.can(partner, case, "confidential")


def test_cases_closed_before_the_rule_get_it_from_the_command(
    desk, desk_agency, partner, partner_agency
):
    from django.core.management import call_command

    from cases.models import CaseStatusChange

    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="旧終結")
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    _approve_plan_with_role(
        desk=desk, plan=plan, person=person, agency=partner_agency, consent=consent
    )
    # A closure as the code before the rule wrote it: status and its row only.
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    CaseStatusChange.objects.create(
        case=case, from_status="supporting", to_status="closed", on=timezone.localdate(), by=desk
    )
    assert sharing.can(partner, case, "records")
    call_command("cases_apply_closure")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED and not sharing.can(partner, case, "summary")
    call_command("cases_apply_closure")  # idempotent
    assert AccessGrant.objects.filter(case=case, revoked_at__isnull=True).count() == 1
