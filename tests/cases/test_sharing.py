import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from cases import services, sharing
from cases.choices import GrantBasis, GrantScope
from cases.models import AccessGrant, CaseGroupObjectPermission, SupportPlan
from cases.tasks import cases_revoke_lapsed_consents_task
from households.models import Household, HouseholdGroupObjectPermission
from tests.auth_helpers import login_verified
from tests.cases.conftest import make_case
from tests.factories import ConsentFactory


def test_withdrawing_consent_removes_access_in_the_same_request(
    client, desk, desk_agency, partner, partner_agency
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="撤回")
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
    )
    assert sharing.can(partner, case, "records")

    login_verified(client, desk)
    response = client.post(
        reverse(
            "households:consent_withdraw",
            kwargs={"pk": case.household_id, "consent_pk": consent.pk},
        ),
        {"withdrawn_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    # Same request: the ledger row is revoked and guardian's rows are gone.
    grant = AccessGrant.objects.get(case=case, agency=partner_agency)
    assert grant.revoked_at is not None and grant.revoke_reason
    assert not CaseGroupObjectPermission.objects.filter(
        content_object=case, group=partner_agency.group
    ).exists()
    assert not HouseholdGroupObjectPermission.objects.filter(
        content_object=case.household, group=partner_agency.group
    ).exists()
    login_verified(client, partner)
    assert client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).status_code == 404


def test_expired_consent_grants_are_gone_after_the_beat_task(
    desk, desk_agency, partner, partner_agency
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="期限")
    today = timezone.localdate()
    consent = ConsentFactory(
        person=person,
        agencies=[partner_agency],
        recorded_by=desk,
        obtained_on=today - dt.timedelta(days=30),
        expires_on=today,
    )
    services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.SUMMARY, consent=consent
    )
    assert cases_revoke_lapsed_consents_task.delay().get() == 0  # still valid today
    assert sharing.can(partner, case, "summary")

    consent.expires_on = today - dt.timedelta(days=1)
    consent.save()
    assert cases_revoke_lapsed_consents_task.delay().get() == 1
    assert not sharing.can(partner, case, "summary")
    grant = AccessGrant.objects.get(case=case, agency=partner_agency)
    assert grant.revoked_by.username == "system"
    assert grant.history.first().history_user.username == "system"
    assert cases_revoke_lapsed_consents_task.delay().get() == 0  # idempotent


def test_share_without_covering_consent_is_refused_and_changes_nothing(
    desk, desk_agency, partner_agency, outsider_agency
):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="同意なし")
    consent = ConsentFactory(person=person, agencies=[outsider_agency], recorded_by=desk)
    before = AccessGrant.objects.count()
    with pytest.raises(sharing.SharingRefused, match="本人同意"):
        services.case_share(
            actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
        )
    with pytest.raises(sharing.SharingRefused, match="理由"):
        services.case_share(
            actor=desk,
            case=case,
            agency=partner_agency,
            scope=GrantScope.RECORDS,
            exemption_reason="life",
            note=" ",
        )
    assert AccessGrant.objects.count() == before


def test_exemption_share_with_reason(desk, desk_agency, partner, partner_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="例外")
    grant = services.case_share(
        actor=desk,
        case=case,
        agency=partner_agency,
        scope=GrantScope.SUMMARY,
        exemption_reason="life",
        note="本人が意識不明のため救急搬送先と共有",
    )
    assert grant.basis == GrantBasis.EXEMPTION
    assert sharing.can(partner, case, "summary") and not sharing.can(partner, case, "records")


def test_scope_summary_hides_records(client, desk, desk_agency, partner, partner_agency):
    case, person, plan = make_case(
        desk=desk, desk_agency=desk_agency, title="概要", narrative="借金の詳細な事情"
    )
    consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.SUMMARY, consent=consent
    )
    login_verified(client, partner)
    body = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert "概要" in body and "借金の詳細な事情" not in body
    assert client.get(reverse("cases:records_pdf", kwargs={"pk": case.pk})).status_code == 404


def test_lead_change_moves_the_lead_grant(desk, desk_agency, partner, partner_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="移管")
    case.refresh_from_db()
    services.case_update(
        actor=desk,
        case=case,
        expected_version=case.version,
        lead_agency=partner_agency,
        lead_staff=partner,
    )
    assert sharing.can(partner, case, "change")
    assert not sharing.can(desk, case, "summary")


def test_every_case_read_is_logged(client, desk, desk_agency, outsider):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="閲覧記録")
    login_verified(client, desk)
    client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    assert AccessLog.objects.filter(
        user=desk, object_type="cases.case", object_id=str(case.pk), outcome="read"
    ).exists()
    assert AccessLog.objects.filter(user=desk, person_id=person.pk).exists()
    login_verified(client, outsider)
    client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    assert AccessLog.objects.filter(
        user=outsider, object_id=str(case.pk), outcome="denied"
    ).exists()


def test_administrator_sees_no_case(client, admin_user, desk, desk_agency):
    case, person, plan = make_case(desk=desk, desk_agency=desk_agency, title="管理者")
    assert not sharing.cases_visible_to(admin_user).exists()
    login_verified(client, admin_user)
    assert client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).status_code == 404
    # The Django admin exposes no case model either.
    from django.contrib import admin

    from cases.models import Case, SupportPlan, SupportRecord
    from households.models import Household, Person
    from intake.models import Consultation

    for model in (Case, SupportPlan, SupportRecord, Household, Person, Consultation):
        assert model not in admin.site._registry


def test_visibility_condition_follows_the_case_column_it_is_given(
    desk, desk_agency, partner, partner_agency
):
    shared, _, shared_plan = make_case(desk=desk, desk_agency=desk_agency, title="共有")
    hidden, _, hidden_plan = make_case(desk=desk, desk_agency=desk_agency, title="非共有")
    services.case_share(
        actor=desk,
        case=shared,
        agency=partner_agency,
        scope=GrantScope.SUMMARY,
        exemption_reason="life",
        note="救急搬送先と共有",
    )
    # Inside a subquery on another table (the cases table is aliased there).
    households = Household.objects.filter(cases__in=sharing.cases_visible_to(partner).values("pk"))
    assert set(households) == {shared.household}
    # On a case id column of another table, without going through the cases table.
    seen = dict(
        SupportPlan.objects.filter(pk__in=[shared_plan.pk, hidden_plan.pk])
        .annotate(seen=sharing.case_visible_expr(partner, "case_id"))
        .values_list("case_id", "seen")
    )
    assert seen == {shared.pk: True, hidden.pk: False}
    # The flags in a list: summary only for the partner, everything for the lead's staff.
    flags = {
        (c.pk, c.can_records, c.can_full, c.can_change, c.can_confidential)
        for who in (partner, desk)
        for c in sharing.with_access(sharing.cases_visible_to(who), who).filter(
            pk__in=[shared.pk, hidden.pk]
        )
    }
    assert flags == {
        (shared.pk, False, False, False, False),
        (shared.pk, True, True, True, True),
        (hidden.pk, True, True, True, True),
    }
