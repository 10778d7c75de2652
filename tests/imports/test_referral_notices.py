"""Imported referrals: one the ledger shows answered or ended was dealt with outside the
system, so neither side is notified (no notice, no mail) of it or of its past steps; one
still awaiting the answer tells the receiving agency, which must answer it here."""

import pytest

from imports import services
from imports.models import BatchStatus
from referrals.models import Notification, Referral
from tests.imports.helpers import book_bytes, upload
from tests.imports.test_imports import commit, ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(desk, manager, partner, categories, medical):
    partner.email = "partner@example.invalid"
    partner.save()
    return manager


def imported(manager, sheets, capture):
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    batch = commit(batch, manager, capture)
    assert batch.status == BatchStatus.DONE, batch.error
    return Referral.objects.get()


def test_an_answered_referral_notifies_nobody(
    setup, manager, desk, partner, partner_agency, mailoutbox, django_capture_on_commit_callbacks
):
    sheets = ledger()
    sheets["referrals"][0].update({"対応開始日": "2024-05-28", "完了日": "2024-07-01"})
    referral = imported(manager, sheets, django_capture_on_commit_callbacks)
    assert referral.status == "completed"
    assert referral.events.count() == 4  # 送付, 受理, 対応中, 完了: the history is kept
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_a_referral_awaiting_its_answer_tells_the_receiver(
    setup, manager, partner, mailoutbox, django_capture_on_commit_callbacks
):
    sheets = ledger()
    del sheets["referrals"][0]["受理日"]
    referral = imported(manager, sheets, django_capture_on_commit_callbacks)
    assert referral.status == "sent"
    notice = Notification.objects.get()
    assert notice.recipient == partner and notice.referral == referral
    assert "新しい繋ぎが届きました" in notice.verb
    assert [m.to for m in mailoutbox] == [["partner@example.invalid"]]
