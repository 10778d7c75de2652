"""The two legal rules (ISSUE 4): consent for 重層的支援会議, meeting-scoped sharing for
支援会議 (社会福祉法106条の6)."""

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from cases import sharing
from cases.choices import GrantBasis, GrantScope
from cases.models import AccessGrant
from meetings import services
from meetings.choices import MeetingKind, Topic
from meetings.models import AgendaItem, MeetingMember
from tests.factories_meetings import (
    MeetingFactory,
    add_case_item,
    add_member,
    consent_for,
    open_case,
)
from tests.meetings.conftest import SECRET_BRIEF

pytestmark = pytest.mark.django_db


def _grants(case, user):
    return AccessGrant.objects.filter(case=case, user=user, revoked_at__isnull=True)


# ---------------------------------------------------------------- 重層的支援会議 needs consent


def test_consentless_case_refused_on_multilayer_meeting(
    desk, coordinator, desk_agency, partner, secret_case
):
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING, chair=coordinator, organising_agency=desk_agency
    )
    add_member(meeting, partner, actor=desk)
    before = (AgendaItem.objects.count(), AccessGrant.objects.count())
    with pytest.raises(services.MeetingRuleError) as exc:
        add_case_item(meeting, secret_case, actor=desk)
    message = exc.value.messages[0]
    assert "本人同意" in message and "鈴木さん世帯（8050）の支援" in message
    assert "重層的支援会議" in message
    assert (AgendaItem.objects.count(), AccessGrant.objects.count()) == before
    assert not sharing.can(partner, secret_case, "brief")


def test_consent_not_covering_an_attending_agency_names_it(
    desk, coordinator, desk_agency, partner, partner_agency, outsider, outsider_agency
):
    case = open_case(agency=desk_agency, actor=desk, title="田中さん世帯の支援")
    consent_for(case, [desk_agency, partner_agency], actor=desk)
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING, chair=coordinator, organising_agency=desk_agency
    )
    add_member(meeting, partner, actor=desk)
    add_member(meeting, outsider, actor=desk)
    with pytest.raises(services.MeetingRuleError) as exc:
        add_case_item(meeting, case, actor=desk)
    message = exc.value.messages[0]
    assert outsider_agency.name in message
    assert partner_agency.name not in message  # covered by the consent
    assert not meeting.items.exists()


def test_covered_case_goes_on_multilayer_agenda(multilayer_meeting, consented_case, partner):
    assert multilayer_meeting.items.get().case == consented_case
    # members hold a meeting-scoped grant, nothing wider
    grant = _grants(consented_case, partner).get()
    assert (grant.basis, grant.scope) == (GrantBasis.MEETING, GrantScope.MEETING_BRIEF)
    assert grant.basis_object == multilayer_meeting


def test_new_member_from_uncovered_agency_refused_on_multilayer(
    desk, multilayer_meeting, outsider, outsider_agency
):
    with pytest.raises(services.MeetingRuleError) as exc:
        add_member(multilayer_meeting, outsider, actor=desk)
    assert outsider_agency.name in exc.value.messages[0]
    assert not MeetingMember.objects.filter(meeting=multilayer_meeting, user=outsider).exists()


def test_withdrawn_consent_blocks_later_agenda(
    desk, coordinator, desk_agency, partner, partner_agency
):
    from households.services import consent_withdraw

    case = open_case(agency=desk_agency, actor=desk)
    consent = consent_for(case, [desk_agency, partner_agency], actor=desk)
    consent_withdraw(actor=desk, consent=consent)
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING, chair=coordinator, organising_agency=desk_agency
    )
    with pytest.raises(services.MeetingRuleError):
        add_case_item(meeting, case, actor=desk)


def test_changing_kind_to_multilayer_rechecks_consent(support_meeting, desk):
    with pytest.raises(services.MeetingRuleError):
        services.meeting_update(
            actor=desk, meeting=support_meeting, kind=MeetingKind.MULTILAYER_MEETING
        )
    support_meeting.refresh_from_db()
    assert support_meeting.kind == MeetingKind.SUPPORT_MEETING


# ---------------------------------------------------------------- 支援会議 without consent


def test_support_meeting_takes_a_case_without_consent(support_meeting, secret_case, partner):
    assert support_meeting.items.get().case == secret_case
    grant = _grants(secret_case, partner).get()
    assert grant.basis == GrantBasis.MEETING and grant.scope == GrantScope.MEETING_BRIEF
    assert grant.basis_object == support_meeting
    assert sharing.can(partner, secret_case, "brief")
    assert not sharing.can(partner, secret_case, "summary")


def test_member_sees_brief_and_minutes_but_not_the_case_file(
    client_for, desk, partner, support_meeting, secret_case
):
    services.minutes_save(
        actor=desk,
        item=support_meeting.case_item,
        discussion="学校と包括の情報を共有した。",
        decisions="包括が訪問する。",
    )
    client = client_for(partner)
    detail = client.get(reverse("meetings:meeting_detail", args=[support_meeting.pk]))
    assert detail.status_code == 200
    assert SECRET_BRIEF in detail.content.decode()
    minutes = client.get(reverse("meetings:minutes", args=[support_meeting.pk]))
    assert minutes.status_code == 200
    assert "学校と包括の情報を共有した。" in minutes.content.decode()
    assert client.get(reverse("meetings:minutes_pdf", args=[support_meeting.pk])).status_code == 200
    # the case file stays closed: no case page, no household page
    assert client.get(reverse("cases:case_detail", args=[secret_case.pk])).status_code == 404
    assert (
        client.get(reverse("households:detail", args=[secret_case.household_id])).status_code == 404
    )
    assert client.get(reverse("cases:records_pdf", args=[secret_case.pk])).status_code == 404
    # reading the brief is a logged read of the case
    assert AccessLog.objects.filter(
        user=partner, object_type="cases.case", object_id=str(secret_case.pk), outcome="read"
    ).exists()


def test_member_must_acknowledge_before_reading(
    client_for, desk, outsider, outsider_agency, support_meeting
):
    member = add_member(support_meeting, outsider, actor=desk, acknowledge=False)
    client = client_for(outsider)
    page = client.get(reverse("meetings:meeting_detail", args=[support_meeting.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET_BRIEF not in html and "鈴木さん" not in html
    assert "守秘義務を確認しました" in html
    for name in ("minutes", "minutes_pdf", "agenda_pdf"):
        assert client.get(reverse(f"meetings:{name}", args=[support_meeting.pk])).status_code == 404
    client.post(reverse("meetings:member_acknowledge", args=[support_meeting.pk, member.pk]))
    member.refresh_from_db()
    assert member.acknowledged_at is not None and member.acknowledgement_recorded_by == outsider
    page = client.get(reverse("meetings:meeting_detail", args=[support_meeting.pk]))
    assert SECRET_BRIEF in page.content.decode()


def test_member_cannot_acknowledge_for_someone_else(
    client_for, desk, outsider, municipal, support_meeting
):
    other = add_member(support_meeting, municipal, actor=desk, acknowledge=False)
    add_member(support_meeting, outsider, actor=desk, acknowledge=False)
    client = client_for(outsider)
    url = reverse("meetings:member_acknowledge", args=[support_meeting.pk, other.pk])
    assert client.post(url).status_code == 404
    other.refresh_from_db()
    assert other.acknowledged_at is None


def test_non_members_get_404(client_for, outsider, municipal, admin_user, support_meeting):
    for user in (outsider, municipal, admin_user):
        client = client_for(user)
        for name in ("meeting_detail", "minutes", "minutes_pdf", "agenda_pdf"):
            response = client.get(reverse(f"meetings:{name}", args=[support_meeting.pk]))
            assert response.status_code == 404, (user, name)


def test_member_sees_only_that_meetings_brief(
    client_for, desk, desk_agency, partner, support_meeting, secret_case
):
    """A second 支援会議 on the same case, without the partner: still 404 for them."""
    other = MeetingFactory(chair=desk, organising_agency=desk_agency, title="別の支援会議")
    add_case_item(other, secret_case, actor=desk, brief="別会議だけの資料")
    client = client_for(partner)
    assert client.get(reverse("meetings:meeting_detail", args=[other.pk])).status_code == 404
    html = client.get(reverse("meetings:meeting_detail", args=[support_meeting.pk])).content
    assert "別会議だけの資料" not in html.decode()


def test_removing_member_revokes_their_grant_only(
    desk, partner, outsider, support_meeting, secret_case
):
    add_member(support_meeting, outsider, actor=desk)
    assert sharing.can(outsider, secret_case, "brief")
    services.member_remove(actor=desk, member=support_meeting.partner_member)
    assert not _grants(secret_case, partner).exists()
    assert not sharing.can(partner, secret_case, "brief")
    assert sharing.can(outsider, secret_case, "brief")
    revoked = AccessGrant.objects.get(case=secret_case, user=partner)
    assert revoked.revoke_reason == "会議の構成員から外れた"


def test_cancelling_revokes_every_grant_of_the_meeting(
    client_for, desk, partner, support_meeting, secret_case
):
    services.meeting_cancel(actor=desk, meeting=support_meeting, reason="台風のため")
    assert not AccessGrant.objects.filter(
        case=secret_case, basis=GrantBasis.MEETING, revoked_at__isnull=True
    ).exists()
    assert not sharing.can(partner, secret_case, "brief")


def test_removing_the_case_item_revokes_the_grants(desk, partner, support_meeting, secret_case):
    services.agenda_item_remove(actor=desk, item=support_meeting.case_item)
    assert not sharing.can(partner, secret_case, "brief")


def test_grant_survives_while_another_meeting_holds_it(
    desk, desk_agency, partner, support_meeting, secret_case
):
    second = MeetingFactory(chair=desk, organising_agency=desk_agency)
    add_member(second, partner, actor=desk)
    add_case_item(second, secret_case, actor=desk)
    services.meeting_cancel(actor=desk, meeting=support_meeting, reason="日程変更")
    assert sharing.can(partner, secret_case, "brief")


def test_only_members_attend_a_support_meeting(desk, outsider, outsider_agency, support_meeting):
    with pytest.raises(services.MeetingRuleError):
        services.attendance_set(
            actor=desk,
            meeting=support_meeting,
            user=outsider,
            agency=outsider_agency,
            attended=True,
        )
    member = add_member(support_meeting, outsider, actor=desk, acknowledge=False)
    with pytest.raises(services.MeetingRuleError) as exc:
        services.attendance_set(actor=desk, meeting=support_meeting, user=outsider, attended=True)
    assert "守秘義務" in exc.value.messages[0]
    services.member_acknowledge(actor=desk, member=member)  # signed pledge received
    services.attendance_set(actor=desk, meeting=support_meeting, user=outsider, attended=True)
    assert support_meeting.attendees.filter(user=outsider).exists()


def test_external_attendee_of_support_meeting_must_pledge(desk, support_meeting):
    with pytest.raises(services.MeetingRuleError):
        services.external_attendee_add(
            actor=desk, meeting=support_meeting, name="民生 太郎", role="民生委員"
        )
    services.external_attendee_add(
        actor=desk, meeting=support_meeting, name="民生 太郎", role="民生委員", acknowledged=True
    )
    assert support_meeting.external_attendees.count() == 1


def test_case_item_needs_a_case_the_actor_sees(
    desk, outsider, outsider_agency, desk_agency, secret_case
):
    from accounts.choices import Role
    from tests.factories import staff

    coordinator_elsewhere = staff(outsider_agency, Role.COORDINATOR, username="shakyo_coord")
    meeting = MeetingFactory(chair=coordinator_elsewhere, organising_agency=outsider_agency)
    with pytest.raises(services.MeetingRuleError):
        services.agenda_item_add(
            actor=coordinator_elsewhere, meeting=meeting, topic=Topic.CASE, case=secret_case
        )
    assert not meeting.items.exists()
