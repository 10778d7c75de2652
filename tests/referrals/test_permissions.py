"""The permission matrix: every referrals URL × every persona × each situation, and the
receiving agency's view of the case in each disclosure scope.

A referral is seen only by the case workers of its two agencies; anything else
answers 404 (never 403) and leaks nothing; anonymous users are sent to login."""

import contextlib

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, Agency
from cases.choices import GrantScope
from cases.models import AccessGrant, SupportRecord
from intake.models import Consultation, ConsultationCategory
from referrals.choices import ReferralStatus
from referrals.models import Notification, Referral, ReferralEvent
from tests.auth_helpers import login_verified
from tests.factories_referrals import (
    CASE_TITLE,
    CONSULTATION_SECRET,
    PERSON_FAMILY,
    PERSON_GIVEN,
    PLAN_SECRET,
    RECORD_SECRET,
    ReferralFactory,
    advance,
)

DESK_SIDE = {"desk", "coordinator", "manager"}
PERSONAS = ["desk", "coordinator", "manager", "partner", "outsider", "municipal", "admin_user"]
SITUATIONS = [ReferralStatus.SENT, ReferralStatus.ACCEPTED]


class Rollback(Exception):
    pass


def expect(rule, persona, situation):
    """The status a GET answers for persona in situation under rule."""
    ok = {
        "case_worker": persona in DESK_SIDE | {"partner", "outsider"},
        "party": persona in DESK_SIDE | {"partner"},
        "lead": persona in DESK_SIDE,
        "receiver_granted": persona == "partner" and situation == ReferralStatus.ACCEPTED,
        "partner_side": persona in {"partner", "outsider"},
        "anyone": True,
        "staff": persona == "admin_user",
    }[rule]
    return 200 if ok else 404


def get_urls(ctx):
    case, referral, agency = ctx["case"], ctx["referral"], ctx["agency"]
    return [
        ("inbox", reverse("referrals:inbox"), "case_worker"),
        ("inbox sent", reverse("referrals:inbox") + "?tab=sent", "case_worker"),
        ("new", reverse("referrals:referral_new") + f"?case={case.pk}", "lead"),
        (
            "consents",
            reverse("referrals:consent_options") + f"?case={case.pk}&to_agency={agency.pk}",
            "lead",
        ),
        ("detail", reverse("referrals:referral_detail", args=[referral.pk]), "party"),
        ("record_add", reverse("referrals:record_add", args=[referral.pk]), "receiver_granted"),
        ("to_desk", reverse("referrals:to_desk"), "partner_side"),
        ("notifications", reverse("referrals:notification_list"), "anyone"),
        ("badge", reverse("referrals:notification_badge"), "anyone"),
        ("agencies", reverse("referrals:agency_list"), "anyone"),
        ("agency", reverse("referrals:agency_detail", args=[agency.pk]), "anyone"),
        ("agency_edit", reverse("referrals:agency_edit", args=[agency.pk]), "staff"),
    ]


def db_state():
    return {
        "referrals": list(Referral.objects.values_list("pk", "status").order_by("pk")),
        "events": ReferralEvent.objects.count(),
        "grants": AccessGrant.objects.filter(revoked_at__isnull=True).count(),
        "records": SupportRecord.objects.count(),
        "consultations": Consultation.objects.count(),
        "agencies": list(Agency.objects.values_list("name", "phone").order_by("pk")),
    }


def post_cases(ctx, persona, situation):
    """(label, url, data, changes): changes says whether the POST must change the DB."""
    case, referral = ctx["case"], ctx["referral"]
    sent, accepted = situation == ReferralStatus.SENT, situation == ReferralStatus.ACCEPTED
    is_partner, is_desk = persona == "partner", persona in DESK_SIDE
    step = lambda name: reverse(f"referrals:referral_{name}", args=[referral.pk])  # noqa: E731
    category = ConsultationCategory.objects.first()
    return [
        ("accept", step("accept"), {}, is_partner and sent),
        ("decline", step("decline"), {"decline-reason": "管轄外"}, is_partner and sent),
        ("start", step("start"), {}, is_partner and accepted),
        ("complete", step("complete"), {}, False),
        ("cancel", step("cancel"), {"cancel-reason": "不要"}, is_desk),
        (
            "record_add",
            reverse("referrals:record_add", args=[referral.pk]),
            {"occurred_on": "2024-04-01", "kind": "visit", "project": "2", "narrative": "訪問"},
            is_partner and accepted,
        ),
        (
            "new",
            reverse("referrals:referral_new") + f"?case={case.pk}",
            {
                "case": case.pk,
                "to_agency": ctx["third"].pk,
                "persons": [ctx["principal"].pk],
                "reason": "理由",
                "request": "依頼",
                "scope": "summary",
                "exemption_reason": "life",
                "exemption_note": "緊急",
            },
            is_desk,
        ),
        (
            "to_desk",
            reverse("referrals:to_desk"),
            {
                "desk_agency": ctx["desk_agency"].pk,
                "person_name": "高橋 一郎",
                "categories": [category.pk],
                "summary": "相談",
                "urgency": "normal",
                "consent_status": "yes",
                "consent_date": timezone.localdate().isoformat(),
            },
            persona in {"partner", "outsider"},
        ),
        (
            "agency_edit",
            reverse("referrals:agency_edit", args=[ctx["agency"].pk]),
            {"name": "改名", "kind": ctx["agency"].kind, "phone": "096-000-0000"},
            persona == "admin_user",
        ),
    ]


@pytest.fixture
def ctx(world, desk, desk_agency, partner, partner_agency, request):
    from tests.factories import AgencyFactory

    ConsultationCategory.objects.get_or_create(name="その他", defaults={"statistics_group": "他"})
    referral = ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    return {
        **world,
        "referral": referral,
        "agency": partner_agency,
        "desk_agency": desk_agency,
        "third": AgencyFactory(name="第三の機関"),
    }


@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(persona, situation, request, client, ctx, desk, partner):
    advance(ctx["referral"], situation, sender=desk, receiver=partner)
    user = request.getfixturevalue(persona)
    login_verified(client, user)
    problems = []
    for label, url, rule in get_urls(ctx):
        want = expect(rule, persona, situation)
        response = client.get(url)
        if response.status_code != want:
            problems.append(f"GET {label}: {response.status_code} != {want}")
        body = response.content.decode()
        may_see_names = persona in DESK_SIDE | {"partner"}
        if not may_see_names and any(
            secret in body for secret in (PERSON_GIVEN, CASE_TITLE, ctx["referral"].reason)
        ):
            problems.append(f"GET {label}: leaks case data")
    for label, url, data, changes in post_cases(ctx, persona, situation):
        before = db_state()
        with contextlib.suppress(Rollback), transaction.atomic():
            response = client.post(url, data)
            after = db_state()
            party = persona in DESK_SIDE | {"partner"}
            if changes:
                if response.status_code != 302 or after == before:
                    problems.append(
                        f"POST {label}: {response.status_code}, changed={after != before}"
                    )
            else:
                if after != before:
                    problems.append(f"POST {label}: changed the database")
                steps = {"accept", "decline", "start", "complete", "cancel"}
                want = 302 if (party and label in steps) else 404
                if label == "new" and persona in DESK_SIDE:
                    want = 200
                if response.status_code != want:
                    problems.append(f"POST {label}: {response.status_code} != {want}")
            raise Rollback
    assert not problems, problems


def test_anonymous_is_sent_to_login_everywhere(client, ctx):
    login = reverse("accounts:login")
    for label, url, _rule in get_urls(ctx):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), label
    before = db_state()
    for label, url, data, _changes in post_cases(ctx, "anonymous", ReferralStatus.SENT):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith(login), label
    assert db_state() == before


def test_the_outsiders_inbox_is_empty(client_for, ctx, outsider):
    body = client_for(outsider).get(reverse("referrals:inbox")).content.decode()
    assert "受け取った繋ぎはありません。" in body
    assert PERSON_FAMILY not in body and ctx["agency"].name not in body


# ---------------------------------------------------------------- the receiver's view by scope


def case_urls(case, plan):
    return {
        "case": reverse("cases:case_detail", args=[case.pk]),
        "records_pdf": reverse("cases:records_pdf", args=[case.pk]),
        "record_add": reverse("cases:record_add", args=[case.pk]),
        "plan": reverse("cases:plan_detail", args=[case.pk, plan.pk]),
        "plan_pdf": reverse("cases:plan_pdf", args=[case.pk, plan.pk]),
        "household": reverse("households:detail", args=[case.household_id]),
        "consultation": reverse(
            "intake:consultation_detail", args=[case.consultation_links.get().consultation_id]
        ),
        "edit": reverse("cases:case_edit", args=[case.pk]),
        "share": reverse("cases:case_share", args=[case.pk]),
    }


# scope -> which case URLs answer 200 for the receiver (all others 404)
SCOPE_OPENS = {
    GrantScope.SUMMARY: {"case"},
    GrantScope.RECORDS: {"case", "records_pdf", "record_add", "plan", "plan_pdf", "household"},
    GrantScope.FULL: {
        "case",
        "records_pdf",
        "record_add",
        "plan",
        "plan_pdf",
        "household",
        "consultation",
    },
}


@pytest.mark.parametrize("scope", list(SCOPE_OPENS))
def test_the_receiver_sees_the_case_within_the_scope(
    scope, world, desk, partner, partner_agency, outsider, client_for
):
    case = world["case"]
    plan = case.plans.get()
    referral = ReferralFactory(
        case=case, actor=desk, to_agency=partner_agency, consent=world["consent"], scope=scope
    )
    client = client_for(partner)
    urls = case_urls(case, plan)
    # Before acceptance: nothing of the case.
    for name, url in urls.items():
        assert client.get(url).status_code == 404, name
    client.post(reverse("referrals:referral_accept", args=[referral.pk]))
    for name, url in urls.items():
        want = 200 if name in SCOPE_OPENS[scope] else 404
        assert client.get(url).status_code == want, (scope, name)
    body = client.get(urls["case"]).content.decode()
    assert CASE_TITLE in body and PERSON_GIVEN in body
    assert (RECORD_SECRET in body) == (scope != GrantScope.SUMMARY)
    assert (PLAN_SECRET in body) == (scope != GrantScope.SUMMARY)
    assert (CONSULTATION_SECRET in body) == (scope == GrantScope.FULL)
    # The unrelated agency sees nothing, whatever the scope.
    login_verified(client, outsider)
    for name, url in urls.items():
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("referrals:referral_detail", args=[referral.pk])).status_code == 404


def test_a_summary_receiver_logs_through_the_referral_and_the_desk_sees_it(
    world, desk, partner, partner_agency, client_for
):
    case = world["case"]
    referral = ReferralFactory(
        case=case, actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    client = client_for(partner)
    client.post(reverse("referrals:referral_accept", args=[referral.pk]))
    response = client.post(
        reverse("referrals:record_add", args=[referral.pk]),
        {
            "occurred_on": timezone.localdate().isoformat(),
            "kind": "visit",
            "project": "2",
            "persons": [world["principal"].pk],
            "narrative": "包括が自宅を訪問した記録",
        },
    )
    assert response.status_code == 302
    # The partner still cannot read the case's records, but sees its own on the referral.
    assert (
        "包括が自宅を訪問した記録"
        not in client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    )
    detail = client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()
    assert "包括が自宅を訪問した記録" in detail
    login_verified(client, desk)
    timeline = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "包括が自宅を訪問した記録" in timeline and partner_agency.name in timeline


def test_after_consent_withdrawal_the_receiver_gets_404_and_the_desk_sees_the_mark(
    world, desk, partner, partner_agency, client_for
):
    case = world["case"]
    referral = ReferralFactory(
        case=case,
        actor=desk,
        to_agency=partner_agency,
        consent=world["consent"],
        scope=GrantScope.RECORDS,
    )
    client = client_for(partner)
    client.post(reverse("referrals:referral_accept", args=[referral.pk]))
    client.post(
        reverse("cases:record_add", args=[case.pk]),
        {
            "occurred_on": timezone.localdate().isoformat(),
            "kind": "visit",
            "project": "2",
            "narrative": "包括の訪問記録",
        },
    )
    assert SupportRecord.objects.filter(agency=partner_agency).count() == 1
    desk_client = client_for(desk)
    desk_client.post(
        reverse("households:consent_withdraw", args=[case.household_id, world["consent"].pk]),
        {"withdrawn_on": timezone.localdate().isoformat()},
    )
    world["consent"].refresh_from_db()
    assert world["consent"].withdrawn_on is not None
    login_verified(client, partner)
    for url in case_urls(case, case.plans.get()).values():
        assert client.get(url).status_code == 404
    # The referral itself stays in their inbox, without its contents.
    detail = client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()
    assert PERSON_GIVEN not in detail and referral.reason not in detail
    assert "取消" in detail
    inbox = client.get(reverse("referrals:inbox")).content.decode()
    assert PERSON_GIVEN not in inbox
    # A person the inbox does not name is not logged as read there either.
    assert not AccessLog.objects.filter(user=partner, detail="inbox").exists()
    # Their record stays, and the desk's timeline marks that their access ended.
    assert SupportRecord.objects.filter(agency=partner_agency).count() == 1
    login_verified(client, desk)
    timeline = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "包括の訪問記録" in timeline
    assert f"{partner_agency.name}の閲覧は終了しました" in timeline
    assert Notification.objects.filter(recipient=partner, referral=referral).exists()
