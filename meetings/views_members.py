"""Who sits at a meeting's table: 構成員 (and their 守秘義務 acknowledgement),
attendance and external attendees. Run by those who manage the meeting; the rules are
meetings.services'."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import services
from meetings.forms import AttendeeForm, ExternalAttendeeForm, MemberForm
from meetings.models import ExternalAttendee, MeetingMember
from meetings.views import _attempt, _form_errors, _managed_meeting, _meeting, _to_detail


@require_POST
def member_add(request, pk):
    meeting, _access = _managed_meeting(request, pk)
    form = MemberForm(request.POST, meeting=meeting)
    if form.is_valid():
        membership = form.cleaned_data["membership"]
        _attempt(
            request,
            lambda: services.member_add(
                actor=request.user,
                meeting=meeting,
                user=membership.user,
                agency=membership.agency,
            ),
            _("%(user)sさんを構成員に加えました。") % {"user": membership.user},
        )
    else:
        _form_errors(request, form)
    return _to_detail(meeting, "#members")


def _member(meeting, member_pk):
    return get_object_or_404(
        MeetingMember.objects.select_related("user"), pk=member_pk, meeting=meeting
    )


@require_POST
def member_remove(request, pk, member_pk):
    meeting, _access = _managed_meeting(request, pk)
    member = _member(meeting, member_pk)
    _attempt(
        request,
        lambda: services.member_remove(actor=request.user, member=member),
        _("%(user)sさんを構成員から外しました。") % {"user": member.user},
    )
    return _to_detail(meeting, "#members")


@require_POST
def member_acknowledge(request, pk, member_pk):
    """The member acknowledges 守秘義務 themselves, or an organiser records the signed
    pledge on their behalf."""
    meeting, access = _meeting(request, pk)
    member = get_object_or_404(MeetingMember, pk=member_pk, meeting=meeting)
    if member.user_id != request.user.pk and not access.can_manage:
        raise Http404
    _attempt(
        request,
        lambda: services.member_acknowledge(actor=request.user, member=member),
        _("守秘義務の確認を記録しました。"),
    )
    return _to_detail(meeting, "#members")


@require_POST
def attendance(request, pk, member_pk):
    """出席 / 欠席 of a member."""
    meeting, _access = _managed_meeting(request, pk)
    member = _member(meeting, member_pk)
    attended = request.POST.get("attended") == "1"
    _attempt(
        request,
        lambda: services.attendance_set(
            actor=request.user, meeting=meeting, user=member.user, attended=attended
        ),
    )
    return _to_detail(meeting, "#members")


@require_POST
def attendee_add(request, pk):
    """A user attending without being a member (not on a 支援会議)."""
    meeting, _access = _managed_meeting(request, pk)
    form = AttendeeForm(request.POST, meeting=meeting)
    if form.is_valid():
        membership = form.cleaned_data["membership"]
        _attempt(
            request,
            lambda: services.attendance_set(
                actor=request.user,
                meeting=meeting,
                user=membership.user,
                agency=membership.agency,
                attended=True,
            ),
            _("出席者を記録しました。"),
        )
    else:
        _form_errors(request, form)
    return _to_detail(meeting, "#attendees")


@require_POST
def external_add(request, pk):
    meeting, _access = _managed_meeting(request, pk)
    form = ExternalAttendeeForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.external_attendee_add(
                actor=request.user, meeting=meeting, **form.cleaned_data
            ),
            _("出席者を記録しました。"),
        )
    else:
        _form_errors(request, form)
    return _to_detail(meeting, "#attendees")


@require_POST
def external_remove(request, pk, external_pk):
    meeting, _access = _managed_meeting(request, pk)
    attendee = get_object_or_404(ExternalAttendee, pk=external_pk, meeting=meeting)
    _attempt(
        request, lambda: services.external_attendee_remove(actor=request.user, attendee=attendee)
    )
    return _to_detail(meeting, "#attendees")
