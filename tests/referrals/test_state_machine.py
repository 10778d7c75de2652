"""The referral state machine over every pair of statuses: a move in the table succeeds
for the side the table names; every other move is refused for everyone (also the
product itself), with a Japanese message, and changes nothing."""

import itertools

import pytest

from cases.models import AccessGrant
from referrals import services
from referrals.choices import TRANSITIONS, ReferralStatus, Side
from referrals.models import Notification, Referral, ReferralEvent
from tests.factories_referrals import ReferralFactory, advance

ALL_PAIRS = list(itertools.product(ReferralStatus.values, repeat=2))


def db_state(referral):
    referral.refresh_from_db()
    return {
        "status": referral.status,
        "events": ReferralEvent.objects.count(),
        "grants": AccessGrant.objects.count(),
        "active_grants": AccessGrant.objects.filter(revoked_at__isnull=True).count(),
        "notifications": Notification.objects.count(),
        "history": Referral.history.count(),
    }


def test_the_table_holds_the_documented_machine():
    # 送付 → 受理 / 辞退 → 対応中 → 完了, or 取消 by the sender before the end.
    assert TRANSITIONS == {
        ("sent", "accepted"): Side.RECEIVER,
        ("sent", "declined"): Side.RECEIVER,
        ("sent", "cancelled"): Side.SENDER,
        ("accepted", "in_progress"): Side.RECEIVER,
        ("accepted", "cancelled"): Side.SENDER,
        ("in_progress", "completed"): Side.RECEIVER,
        ("in_progress", "cancelled"): Side.SENDER,
    }


@pytest.mark.parametrize(("start", "target"), ALL_PAIRS)
def test_every_pair_of_statuses(start, target, world, desk, partner, partner_agency):
    referral = ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    referral = advance(referral, start, sender=desk, receiver=partner)
    assert referral.status == start
    note = "理由あり"
    side = TRANSITIONS.get((start, target))
    if side is not None:
        actor = desk if side == Side.SENDER else partner
        wrong = partner if side == Side.SENDER else desk
        before = db_state(referral)
        with pytest.raises(services.ReferralRefused) as refused:
            services.referral_transition(
                actor=wrong, referral=referral, to_status=target, note=note
            )
        assert "だけが行えます" in refused.value.messages[0]
        assert db_state(referral) == before
        services.referral_transition(actor=actor, referral=referral, to_status=target, note=note)
        referral.refresh_from_db()
        assert referral.status == target
        event = referral.events.order_by("-pk").first()
        assert (event.from_status, event.to_status, event.by) == (start, target, actor)
        return
    before = db_state(referral)
    for actor, system in ((desk, False), (partner, False), (desk, True)):
        with pytest.raises(services.ReferralRefused) as refused:
            services.referral_transition(
                actor=actor, referral=referral, to_status=target, note=note, system=system
            )
        message = refused.value.messages[0]
        assert f"「{ReferralStatus(start).label}」" in message
        assert f"「{ReferralStatus(target).label}」" in message
        assert db_state(referral) == before


def test_completing_before_acceptance_is_refused_through_the_page(
    world, desk, partner, partner_agency, client_for
):
    referral = ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    before = db_state(referral)
    client = client_for(partner)
    response = client.post(f"/referrals/{referral.pk}/complete/", {"complete-note": "終わり"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "「送付」の繋ぎを「完了」にはできません。" in page
    assert db_state(referral) == before
