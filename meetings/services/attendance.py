"""Who sits at the table: 構成員 (with their meeting-scoped grants), attendance and
external attendees; each newcomer is checked against the consent rule."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency, Membership
from cases import sharing
from common.services import save_as
from meetings.models import ExternalAttendee, Meeting, MeetingAttendee, MeetingMember
from meetings.services.rules import (
    MeetingRuleError,
    check_new_agency,
    delete_as,
    grant_brief,
    require_open,
)


@transaction.atomic
def member_add(*, actor, meeting: Meeting, user, agency: Agency) -> MeetingMember:
    """Add a 構成員. Side effects: a meeting-scoped grant on every case on the agenda."""
    require_open(meeting)
    if not Membership.objects.filter(
        user=user, agency=agency, is_active=True, user__is_active=True, agency__is_active=True
    ).exists():
        raise MeetingRuleError(_("構成員はその機関に所属する職員から選んでください。"))
    if MeetingMember.objects.filter(meeting=meeting, user=user).exists():
        raise MeetingRuleError(_("%(user)sさんはすでに構成員です。") % {"user": user})
    check_new_agency(meeting, agency)
    member = MeetingMember(meeting=meeting, user=user, agency=agency, added_by=actor)
    save_as(member, actor)
    for item in meeting.items.filter(case__isnull=False).select_related("case"):
        grant_brief(actor=actor, meeting=meeting, case=item.case, user=user)
    log_action(actor=actor, action="meetings.member.added", obj=meeting, user=user.pk)
    return member


@transaction.atomic
def member_remove(*, actor, member: MeetingMember) -> None:
    """Remove a 構成員. Side effects: their grants from this meeting are revoked; on a
    支援会議 their attendance goes too (only members attend)."""
    meeting = member.meeting
    require_open(meeting)
    sharing.revoke_for_basis(
        basis_object=meeting, user=member.user, actor=actor, reason=_("会議の構成員から外れた")
    )
    if meeting.is_confidential:
        for row in MeetingAttendee.objects.filter(meeting=meeting, user=member.user):
            delete_as(row, actor)
    user_pk = member.user_id
    delete_as(member, actor)
    log_action(actor=actor, action="meetings.member.removed", obj=meeting, user=user_pk)


@transaction.atomic
def member_acknowledge(*, actor, member: MeetingMember) -> MeetingMember:
    """Record the member's 守秘義務 acknowledgement (by the member, or by an organiser
    who received the signed pledge)."""
    if member.has_acknowledged:
        return member
    if member.meeting.is_cancelled:
        raise MeetingRuleError(_("中止した会議は変更できません。"))
    member.acknowledged_at = timezone.now()
    member.acknowledgement_recorded_by = actor
    save_as(member, actor)
    log_action(
        actor=actor, action="meetings.member.acknowledged", obj=member.meeting, user=member.user_id
    )
    return member


@transaction.atomic
def attendance_set(*, actor, meeting: Meeting, user, attended: bool, agency=None):
    """Mark a user as present (or not). On a 支援会議 only acknowledged members attend;
    on other kinds a non-member's agency must pass the consent rule."""
    require_open(meeting)
    row = MeetingAttendee.objects.filter(meeting=meeting, user=user).first()
    if not attended:
        if row is not None:
            delete_as(row, actor)
            log_action(actor=actor, action="meetings.attendance.removed", obj=meeting, user=user.pk)
        return None
    if row is not None:
        return row
    member = MeetingMember.objects.filter(meeting=meeting, user=user).first()
    if member is not None:
        agency = member.agency
        if meeting.is_confidential and not member.has_acknowledged:
            raise MeetingRuleError(
                _("%(user)sさんの守秘義務の確認が記録されていないため、出席にできません。")
                % {"user": user}
            )
    else:
        if meeting.is_confidential:
            raise MeetingRuleError(
                _("支援会議に出席できるのは構成員だけです。先に構成員として加えてください。")
            )
        if (
            agency is None
            or not Membership.objects.filter(user=user, agency=agency, is_active=True).exists()
        ):
            raise MeetingRuleError(_("出席者はその機関に所属する職員から選んでください。"))
        check_new_agency(meeting, agency)
    row = MeetingAttendee(meeting=meeting, user=user, agency=agency, recorded_by=actor)
    save_as(row, actor)
    log_action(actor=actor, action="meetings.attendance.added", obj=meeting, user=user.pk)
    return row


@transaction.atomic
def external_attendee_add(
    *,
    actor,
    meeting: Meeting,
    name: str,
    organisation: str = "",
    role: str = "",
    agency: Agency | None = None,
    acknowledged: bool = False,
) -> ExternalAttendee:
    require_open(meeting)
    if meeting.is_confidential and not acknowledged:
        raise MeetingRuleError(
            _("支援会議の出席者からは守秘義務の誓約を受けてください（誓約を受けた、に印）。")
        )
    check_new_agency(meeting, agency)
    row = ExternalAttendee(
        meeting=meeting,
        name=name,
        organisation=organisation or (agency.name if agency else ""),
        role=role,
        agency=agency,
        acknowledged=acknowledged,
        recorded_by=actor,
    )
    save_as(row, actor)
    log_action(actor=actor, action="meetings.external_attendee.added", obj=meeting)
    return row


@transaction.atomic
def external_attendee_remove(*, actor, attendee: ExternalAttendee) -> None:
    require_open(attendee.meeting)
    delete_as(attendee, actor)
    log_action(actor=actor, action="meetings.external_attendee.removed", obj=attendee.meeting)
