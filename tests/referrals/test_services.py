"""Referral services: sending (and its refusals), the steps' side effects on access,
consent withdrawal, notifications and mail, overdue marking, the partner's way to
the desk."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog, User
from cases import sharing
from cases.choices import ExemptionReason, GrantBasis, GrantScope, Project, RecordKind
from cases.models import AccessGrant, SupportRecord
from households.services import consent_withdraw
from intake.choices import CameFrom, Channel, Outcome
from intake.models import Consultation, ConsultationCategory
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Notification, Referral, ReferralEvent
from referrals.tasks import referrals_mark_overdue_task
from tests.factories_referrals import (
    CASE_TITLE,
    PERSON_FAMILY,
    PERSON_GIVEN,
    ReferralFactory,
    advance,
    consent_for,
)


def db_state():
    return {
        "referrals": Referral.objects.count(),
        "referral_history": Referral.history.count(),
        "events": ReferralEvent.objects.count(),
        "records": SupportRecord.objects.count(),
        "grants": AccessGrant.objects.count(),
        "notifications": Notification.objects.count(),
        "actions": ActionLog.objects.count(),
        "consultations": Consultation.objects.count(),
    }


def send(world, desk, to_agency, **kwargs):
    kwargs.setdefault("consent", world["consent"])
    return ReferralFactory(case=world["case"], actor=desk, to_agency=to_agency, **kwargs)


# ---------------------------------------------------------------- sending


def test_sending_records_a_referral_its_event_and_a_referral_support_record(
    world, desk, desk_agency, partner, partner_agency
):
    referral = send(world, desk, partner_agency, persons=[world["principal"]])
    assert referral.status == ReferralStatus.SENT
    assert (referral.from_agency, referral.from_staff) == (desk_agency, desk)
    assert referral.answer_due_on == timezone.localdate() + dt.timedelta(
        days=settings.REFERRAL_ANSWER_DAYS
    )
    assert list(referral.persons.all()) == [world["principal"]]
    event = referral.events.get()
    assert (event.from_status, event.to_status, event.by) == ("", ReferralStatus.SENT, desk)
    record = referral.support_record
    assert (record.kind, record.agency, record.staff) == (RecordKind.REFERRAL, desk_agency, desk)
    assert record.project == Project.COMPREHENSIVE  # the case's collaboration has not begun
    assert partner_agency.name in record.narrative
    assert list(record.persons.all()) == [world["principal"]]
    assert referral.history.first().history_user == desk
    # Sending grants nothing yet: the partner sees the case only once it accepts.
    assert not sharing.can(partner, world["case"], "summary")
    assert ActionLog.objects.filter(action="referrals.referral.sent").count() == 1


def test_a_referral_during_collaboration_counts_under_project_two(world, desk, partner_agency):
    from cases.services import case_update

    case_update(
        actor=desk,
        case=world["case"],
        collaboration_started_on=timezone.localdate() - dt.timedelta(days=1),
    )
    referral = send(world, desk, partner_agency)
    assert referral.support_record.project == Project.COLLABORATION


def test_sending_without_a_covering_consent_says_what_to_record(
    world, desk, partner_agency, outsider_agency
):
    before = db_state()
    # The consent names the partner, not 社協.
    with pytest.raises(services.ReferralRefused) as refused:
        send(world, desk, outsider_agency)
    message = refused.value.messages[0]
    assert "本人同意" in message and "法令上の例外" in message
    assert outsider_agency.name in message
    # No consent at all.
    with pytest.raises(services.ReferralRefused):
        send(world, desk, partner_agency, consent=None)
    assert db_state() == before


def test_a_withdrawn_or_expired_consent_does_not_cover(world, desk, partner_agency):
    consent_withdraw(actor=desk, consent=world["consent"])
    before = db_state()
    with pytest.raises(services.ReferralRefused):
        send(world, desk, partner_agency)
    assert db_state() == before


def test_an_exemption_needs_its_reason(world, desk, outsider_agency):
    before = db_state()
    with pytest.raises(services.ReferralRefused) as refused:
        send(
            world,
            desk,
            outsider_agency,
            consent=None,
            exemption_reason=ExemptionReason.LIFE,
            exemption_note="  ",
        )
    assert "具体的な理由" in refused.value.messages[0]
    assert db_state() == before
    referral = send(
        world,
        desk,
        outsider_agency,
        consent=None,
        exemption_reason=ExemptionReason.LIFE,
        exemption_note="本人が食事をとれず衰弱している",
    )
    assert referral.rests_on_exemption and referral.consent is None


@pytest.mark.parametrize(
    ("who", "change", "message"),
    [
        ("partner", {}, "主担当機関の職員"),
        ("desk", {"to_agency": "desk_agency"}, "自機関には繋げません"),
        ("desk", {"scope": GrantScope.LEAD}, "開示範囲"),
        ("desk", {"reason": " "}, "繋ぐ理由"),
        ("desk", {"persons": []}, "対象者を1人以上"),
        ("desk", {"persons": "stranger"}, "このケースの世帯員"),
    ],
)
def test_refusals_leave_the_database_unchanged(
    who, change, message, request, world, partner_agency
):
    actor = request.getfixturevalue(who)
    kwargs = {
        "case": world["case"],
        "to_agency": partner_agency,
        "persons": [world["principal"]],
        "reason": "理由",
        "request": "依頼",
        "scope": GrantScope.SUMMARY,
        "consent": world["consent"],
    }
    for key, value in change.items():
        if value == "desk_agency":
            value = request.getfixturevalue("desk_agency")
        if value == "stranger":
            from tests.factories import PersonFactory

            value = [PersonFactory()]
        kwargs[key] = value
    before = db_state()
    with pytest.raises(services.ReferralRefused) as refused:
        services.referral_send(actor=actor, **kwargs)
    assert message in refused.value.messages[0]
    assert db_state() == before


def test_a_second_open_referral_to_the_same_agency_is_refused(world, desk, partner_agency):
    send(world, desk, partner_agency)
    before = db_state()
    with pytest.raises(services.ReferralRefused) as refused:
        send(world, desk, partner_agency)
    assert "すでに" in refused.value.messages[0]
    assert db_state() == before


# ---------------------------------------------------------------- steps and access


@pytest.mark.parametrize("scope", [GrantScope.SUMMARY, GrantScope.RECORDS, GrantScope.FULL])
def test_accepting_grants_exactly_the_chosen_scope(scope, world, desk, partner, partner_agency):
    referral = send(world, desk, partner_agency, scope=scope)
    services.referral_accept(actor=partner, referral=referral, note="担当します")
    grant = AccessGrant.objects.get(agency=partner_agency, revoked_at__isnull=True)
    assert (grant.basis, grant.scope, grant.consent) == (
        GrantBasis.REFERRAL,
        scope,
        world["consent"],
    )
    assert grant.basis_object == referral
    case = world["case"]
    assert sharing.can(partner, case, "summary")
    assert sharing.can(partner, case, "records") == (scope != GrantScope.SUMMARY)
    assert sharing.can(partner, case, "full") == (scope == GrantScope.FULL)
    assert not sharing.can(partner, case, "change")
    referral.refresh_from_db()
    assert referral.accepted_at is not None and referral.response_note == "担当します"


def test_accepting_an_exemption_referral_grants_on_the_exemption(
    world, desk, outsider, outsider_agency
):
    referral = send(
        world,
        desk,
        outsider_agency,
        consent=None,
        exemption_reason=ExemptionReason.LIFE,
        exemption_note="緊急の見守りが必要",
    )
    services.referral_accept(actor=outsider, referral=referral)
    grant = AccessGrant.objects.get(agency=outsider_agency)
    assert (grant.basis, grant.exemption_reason, grant.note) == (
        GrantBasis.EXEMPTION,
        ExemptionReason.LIFE,
        "緊急の見守りが必要",
    )
    services.referral_cancel(actor=desk, referral=referral, reason="対応不要になった")
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert not sharing.can(outsider, world["case"], "summary")


def test_declining_needs_a_reason_and_grants_nothing(world, desk, partner, partner_agency):
    referral = send(world, desk, partner_agency)
    before = db_state()
    with pytest.raises(services.ReferralRefused) as refused:
        services.referral_decline(actor=partner, referral=referral, reason=" ")
    assert "辞退の理由" in refused.value.messages[0]
    assert db_state() == before
    services.referral_decline(actor=partner, referral=referral, reason="管轄外です")
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (ReferralStatus.DECLINED, "管轄外です")
    assert referral.answered_at is not None and referral.accepted_at is None
    assert not AccessGrant.objects.filter(agency=partner_agency).exists()
    # The sender is told.
    assert Notification.objects.filter(recipient=desk, referral=referral).count() == 1


@pytest.mark.parametrize("end", [ReferralStatus.COMPLETED, ReferralStatus.CANCELLED])
def test_completing_or_cancelling_ends_the_grant(end, world, desk, partner, partner_agency):
    referral = send(world, desk, partner_agency, scope=GrantScope.RECORDS)
    referral = advance(referral, ReferralStatus.IN_PROGRESS, sender=desk, receiver=partner)
    assert sharing.can(partner, world["case"], "records")
    if end == ReferralStatus.COMPLETED:
        services.referral_complete(actor=partner, referral=referral, note="申請を終えた")
    else:
        services.referral_cancel(actor=desk, referral=referral, reason="本人が断った")
    assert not sharing.can(partner, world["case"], "summary")
    grant = AccessGrant.objects.get(agency=partner_agency)
    assert grant.revoked_at is not None
    assert str(ReferralStatus(end).label) in grant.revoke_reason


def test_every_step_names_its_date_and_user(world, desk, partner, partner_agency):
    referral = send(world, desk, partner_agency)
    advance(referral, ReferralStatus.COMPLETED, sender=desk, receiver=partner)
    events = list(referral.events.order_by("at", "pk"))
    assert [(e.to_status, e.by) for e in events] == [
        (ReferralStatus.SENT, desk),
        (ReferralStatus.ACCEPTED, partner),
        (ReferralStatus.IN_PROGRESS, partner),
        (ReferralStatus.COMPLETED, partner),
    ]
    assert all(e.at is not None for e in events)
    assert [h.history_user for h in referral.history.order_by("history_id")][-3:] == [partner] * 3


def test_the_receiver_logs_records_through_the_referral(world, desk, partner, partner_agency):
    referral = send(world, desk, partner_agency, persons=[world["principal"]])
    kwargs = {
        "occurred_at": timezone.now(),
        "kind": RecordKind.VISIT,
        "narrative": "自宅を訪問した",
    }
    before = db_state()
    with pytest.raises(services.ReferralRefused):  # not accepted yet
        services.referral_record_create(actor=partner, referral=referral, **kwargs)
    with pytest.raises(services.ReferralRefused):  # the sender is not the receiver
        services.referral_record_create(actor=desk, referral=referral, **kwargs)
    assert db_state() == before
    services.referral_accept(actor=partner, referral=referral)
    with pytest.raises(services.ReferralRefused):  # only the referral's persons
        services.referral_record_create(
            actor=partner, referral=referral, persons=[world["son"]], **kwargs
        )
    record = services.referral_record_create(
        actor=partner, referral=referral, persons=[world["principal"]], **kwargs
    )
    assert (record.case, record.agency, record.staff, record.kind) == (
        world["case"],
        partner_agency,
        partner,
        RecordKind.VISIT,
    )


# ---------------------------------------------------------------- consent withdrawal


def test_withdrawing_the_consent_ends_access_and_the_referral_at_once(
    world, desk, partner, partner_agency
):
    referral = send(world, desk, partner_agency, scope=GrantScope.RECORDS)
    services.referral_accept(actor=partner, referral=referral)
    record = services.referral_record_create(
        actor=partner,
        referral=referral,
        occurred_at=timezone.now(),
        kind=RecordKind.VISIT,
        narrative="訪問した",
    )
    consent_withdraw(actor=desk, consent=world["consent"])
    assert not sharing.can(partner, world["case"], "summary")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED
    last = referral.events.order_by("-pk").first()
    assert (last.to_status, last.by) == (ReferralStatus.CANCELLED, desk)
    assert "本人同意" in last.note
    # Their own record stays theirs.
    assert SupportRecord.objects.filter(pk=record.pk, agency=partner_agency).exists()
    # Accepting again on the withdrawn consent is not possible either.
    assert Referral.objects.with_basis_state().get(pk=referral.pk).basis_holds is False


def test_accepting_after_the_consent_lapsed_is_refused(world, desk, partner, partner_agency):
    referral = send(world, desk, partner_agency)
    # The consent expired yesterday (no signal: the daily revocation has not run yet).
    consent = world["consent"]
    type(consent).objects.filter(pk=consent.pk).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    before = db_state()
    with pytest.raises(services.ReferralRefused) as refused:
        services.referral_accept(actor=partner, referral=referral)
    assert "同意" in refused.value.messages[0]
    assert db_state() == before


# ---------------------------------------------------------------- notifications and mail


def test_sending_notifies_the_receiving_staff_and_mails_no_personal_data(
    world, desk, partner, partner_agency, outsider, django_capture_on_commit_callbacks, mailoutbox
):
    from tests.factories import staff

    partner.email = "partner@example.invalid"
    partner.save()
    colleague = staff(partner_agency, username="colleague", email="colleague@example.invalid")
    gone = staff(partner_agency, username="gone", email="gone@example.invalid")
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(world, desk, partner_agency)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "partner",
        "colleague",
    }
    assert sorted(m.to[0] for m in mailoutbox) == [colleague.email, partner.email]
    link = settings.SITE_URL.rstrip("/") + reverse("referrals:referral_detail", args=[referral.pk])
    for message in mailoutbox:
        assert len(message.to) == 1
        text = message.subject + message.body
        assert link in message.body
        for secret in (
            PERSON_FAMILY,
            PERSON_GIVEN,
            CASE_TITLE,
            referral.reason,
            referral.request,
            world["case"].household.name,
        ):
            assert secret not in text
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_no_mail_is_sent_when_the_referral_is_refused(
    world, desk, outsider_agency, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ReferralRefused):
        send(world, desk, outsider_agency)
    assert mailoutbox == []


def test_marking_notifications_read_only_touches_the_recipients_own(
    world, desk, partner, partner_agency
):
    send(world, desk, partner_agency)
    notice = Notification.objects.get(recipient=partner)
    assert services.notifications_mark_read(actor=desk, notifications=[notice]) == 0
    assert services.notifications_mark_read(actor=partner, notifications=[notice]) == 1
    notice.refresh_from_db()
    assert notice.read_at is not None


# ---------------------------------------------------------------- overdue


def test_the_daily_task_marks_overdue_referrals_as_the_system_user(
    world, desk, partner, partner_agency, outsider_agency, django_capture_on_commit_callbacks
):
    late = send(world, desk, partner_agency)
    answered = send(
        world,
        desk,
        outsider_agency,
        consent=consent_for(world["principal"], [outsider_agency], actor=desk),
    )
    past = timezone.localdate() - dt.timedelta(days=1)
    Referral.objects.filter(pk__in=[late.pk, answered.pk]).update(answer_due_on=past)
    from tests.factories import staff

    shakyo = staff(outsider_agency, username="shakyo2")
    services.referral_decline(actor=shakyo, referral=answered, reason="管轄外")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert referrals_mark_overdue_task.delay().get() == 1
    late.refresh_from_db()
    answered.refresh_from_db()
    assert late.overdue_since == timezone.localdate() and late.is_overdue
    assert answered.overdue_since is None
    history = late.history.first()
    assert history.history_user.username == "system"
    assert not User.objects.get(username="system").is_active
    # Both sides are told.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "partner",
        "desk",
    }
    # A second run the same day marks nothing more.
    assert services.referrals_mark_overdue() == 0
    assert Notification.objects.count() == 2


def test_a_referral_due_today_is_not_yet_overdue(world, desk, partner_agency):
    referral = send(world, desk, partner_agency)
    assert services.referrals_mark_overdue(today=referral.answer_due_on) == 0
    assert services.referrals_mark_overdue(today=referral.answer_due_on + dt.timedelta(days=1)) == 1


# ---------------------------------------------------------------- to the desk


def test_a_partner_refers_a_person_to_the_desk(desk, desk_agency, partner, partner_agency):
    category, _ = ConsultationCategory.objects.get_or_create(
        name="その他", defaults={"statistics_group": "その他"}
    )
    consultation = services.desk_referral_create(
        actor=partner,
        from_agency=partner_agency,
        desk_agency=desk_agency,
        person_name="高橋 一郎",
        person_name_kana="タカハシ イチロウ",
        person_birth_date=dt.date(1960, 1, 2),
        person_contact="090-1111-2222",
        summary="介護と借金の相談",
        categories=[category],
        consent_status="yes",
        consent_on=dt.date(2024, 4, 1),
    )
    assert (consultation.channel, consultation.came_from) == (Channel.AGENCY, CameFrom.AGENCY)
    assert (consultation.caller_agency, consultation.agency) == (partner_agency, desk_agency)
    assert consultation.outcome == Outcome.ONGOING
    assert "高橋 一郎" in consultation.summary and "介護と借金の相談" in consultation.summary
    assert consultation.category_links.get().is_primary
    assert consultation.history.first().history_user == partner
    # It lands in the desk's intake queue.
    assert Consultation.objects.awaiting_case().filter(agency=desk_agency).count() == 1
    assert Notification.objects.filter(recipient=desk).count() == 1


def test_the_desk_cannot_refer_to_itself_and_nothing_is_saved(desk, desk_agency):
    category, _ = ConsultationCategory.objects.get_or_create(
        name="その他", defaults={"statistics_group": "その他"}
    )
    before = db_state()
    with pytest.raises(services.ReferralRefused):
        services.desk_referral_create(
            actor=desk,
            from_agency=desk_agency,
            desk_agency=desk_agency,
            person_name="高橋",
            summary="相談",
            categories=[category],
        )
    assert db_state() == before


def test_the_daily_task_ends_referrals_whose_consent_expired(world, desk, partner, partner_agency):
    referral = send(world, desk, partner_agency)
    services.referral_accept(actor=partner, referral=referral)
    consent = world["consent"]
    type(consent).objects.filter(pk=consent.pk).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    referrals_mark_overdue_task.delay().get()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED
    assert referral.events.order_by("-pk").first().by.username == "system"
    assert not sharing.can(partner, world["case"], "summary")
    # Idempotent.
    assert services.referrals_end_for_lapsed_consents() == 0
