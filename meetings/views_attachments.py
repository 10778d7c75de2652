"""Meeting attachments follow the meeting's scope (meetings.selectors.access_for): read
by those who may read its briefs and minutes (a 支援会議's members only after
acknowledging 守秘義務), added by those who run it, and never after it was cancelled."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import reauth
from accounts.audit import log_access
from accounts.models import AccessLog
from common import attachment_views
from common.attachments import AttachmentForm, attachment_response
from meetings import attachments as services
from meetings import selectors


def _can_add(meeting, access) -> bool:
    return access.can_manage and not meeting.is_cancelled


def meeting_attachments_panel(request, meeting, access, form=None):
    """The meeting page's 添付ファイル section, or None for those who may not read it."""
    if not access.can_read:
        return None
    return attachment_views.panel(
        meeting.attachments.select_related("uploaded_by"),
        download_url=lambda a: reverse("meetings:attachment_download", args=[meeting.pk, a.pk]),
        upload_url=reverse("meetings:attachments", args=[meeting.pk]),
        can_upload=_can_add(meeting, access),
        form=form,
    )


def _readable_meeting(request, pk):
    meeting, access = selectors.get_meeting_for_user(request.user, pk, request=request)
    if not access.can_read:
        raise Http404
    return meeting, access


def meeting_attachments(request, pk):
    meeting, access = _readable_meeting(request, pk)
    if request.method == "POST" and not _can_add(meeting, access):
        raise Http404
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.meeting_attachment_add(
            actor=request.user,
            meeting=meeting,
            uploaded=form.cleaned_data["file"],
            content_type=form.content_type,
            title=form.cleaned_data["title"],
        )
        messages.success(request, _("ファイルを添付しました。"))
        return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#attachments")
    log_access(user=request.user, obj=meeting, request=request, detail="attachments")
    return attachment_views.page(
        request,
        title=_("%(title)sの添付ファイル") % {"title": meeting.display_title},
        back_url=reverse("meetings:meeting_detail", args=[meeting.pk]),
        back_label=meeting.display_title,
        attach=meeting_attachments_panel(request, meeting, access, form),
    )


@reauth.recent_auth_required
def meeting_attachment_download(request, pk, attachment_pk):
    meeting, access = _readable_meeting(request, pk)
    attachment = get_object_or_404(meeting.attachments, pk=attachment_pk)
    detail = f"attachment:{attachment._meta.model_name}:{attachment.pk}"
    for obj in (attachment, meeting):
        log_access(
            user=request.user,
            obj=obj,
            request=request,
            outcome=AccessLog.Outcome.EXPORT,
            detail=detail,
        )
    # A meeting's papers concern the cases on its agenda the reader may read: one
    # export row per case, as the agenda PDF writes.
    for item in selectors.agenda(meeting, access):
        if item.case_id and getattr(item, "readable", True):
            log_access(
                user=request.user,
                obj=item.case,
                request=request,
                outcome=AccessLog.Outcome.EXPORT,
                detail=f"meeting:{meeting.pk}:{detail}",
            )
    return attachment_response(attachment)
