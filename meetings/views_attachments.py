"""Meeting attachments follow the meeting's scope (meetings.selectors.access_for): read
by those who may read its briefs and minutes (a 支援会議's members only after
acknowledging 守秘義務), added by those who run it, and never after it was cancelled.
common.attachment_views runs the pages."""

from functools import partial

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import audit, reauth
from common import attachment_views
from common.attachment_views import WITHDRAW_METHODS
from meetings import attachments as services
from meetings import selectors


def _owner(request, meeting, access) -> attachment_views.AttachmentOwner:
    def concerned():
        # A meeting's papers concern the cases on its agenda the reader may read: one
        # export row per case, as the agenda PDF writes.
        return [
            item.case
            for item in selectors.agenda(meeting, access)
            if item.case_id and getattr(item, "readable", True)
        ]

    return attachment_views.AttachmentOwner(
        obj=meeting,
        audit=audit,
        upload_url=reverse("meetings:attachments", args=[meeting.pk]),
        download_url=lambda a: reverse("meetings:attachment_download", args=[meeting.pk, a.pk]),
        withdraw_url=lambda a: reverse("meetings:attachment_withdraw", args=[meeting.pk, a.pk]),
        user=request.user,
        add=partial(services.meeting_attachment_add, meeting=meeting),
        can_upload=access.can_manage and not meeting.is_cancelled,
        readable=access.can_read,
        concerned=concerned,
        concerned_detail=f"meeting:{meeting.pk}:",
        title=_("%(title)sの添付ファイル") % {"title": meeting.display_title},
        back_url=reverse("meetings:meeting_detail", args=[meeting.pk]),
        back_label=meeting.display_title,
    )


def meeting_attachments_panel(request, meeting, access):
    """The meeting page's 添付ファイル section, or None for those who may not read it."""
    return _owner(request, meeting, access).panel()


def _readable_meeting(request, pk):
    meeting, access = selectors.get_meeting_for_user(request.user, pk, request=request)
    if not access.can_read:
        raise Http404
    return meeting, access


def meeting_attachments(request, pk):
    meeting, access = _readable_meeting(request, pk)
    owner = _owner(request, meeting, access)
    if request.method == "POST" and not owner.can_upload:
        raise Http404
    return attachment_views.upload_page(request, owner)


@reauth.recent_auth_required
def meeting_attachment_download(request, pk, attachment_pk):
    meeting, access = _readable_meeting(request, pk)
    return attachment_views.download(request, _owner(request, meeting, access), attachment_pk)


@require_http_methods(WITHDRAW_METHODS)
@reauth.recent_auth_required
def meeting_attachment_withdraw(request, pk, attachment_pk):
    meeting, access = _readable_meeting(request, pk)
    return attachment_views.withdraw(request, _owner(request, meeting, access), attachment_pk)
