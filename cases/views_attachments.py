"""Case attachments. The sharing policy decides through cases.sharing.get_case_for_user:
reading them is reading the case's records (the `records` scope: the lead, full shares
and plan roles; not a summary or a meeting brief); adding them is changing the case."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import reauth
from accounts.audit import log_access, log_denied
from accounts.models import AccessLog
from cases import attachments as services
from cases import selectors, sharing
from common import attachment_views
from common.attachments import AttachmentForm, attachment_response
from households.access import attachments_withheld

READ = "records"


def _withheld_or_404(request, case):
    """住所秘匿: only those who may see the household's address open its papers."""
    if attachments_withheld(request.user, case.household):
        log_denied(
            user=request.user,
            object_type="cases.case",
            object_id=case.pk,
            request=request,
            detail="attachments",
        )
        raise Http404


def case_attachments_panel(request, case, form=None):
    """The case page's 添付ファイル section, or None when the reader may not read them."""
    if not case.can_records:
        return None
    return attachment_views.panel(
        case.attachments.select_related("uploaded_by"),
        download_url=lambda a: reverse("cases:attachment_download", args=[case.pk, a.pk]),
        upload_url=reverse("cases:attachments", args=[case.pk]),
        can_upload=case.can_change,
        form=form,
        withheld=attachments_withheld(request.user, case.household),
    )


def case_attachments(request, pk):
    action = "change" if request.method == "POST" else READ
    case = sharing.get_case_for_user(request.user, pk, action=action, request=request)
    if request.method == "POST":
        _withheld_or_404(request, case)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.case_attachment_add(
            actor=request.user,
            case=case,
            uploaded=form.cleaned_data["file"],
            content_type=form.content_type,
            title=form.cleaned_data["title"],
        )
        messages.success(request, _("ファイルを添付しました。"))
        return redirect(reverse("cases:case_detail", args=[case.pk]) + "#attachments")
    log_access(user=request.user, obj=case, request=request, detail="attachments")
    return attachment_views.page(
        request,
        title=_("%(title)sの添付ファイル") % {"title": case.title},
        back_url=reverse("cases:case_detail", args=[case.pk]),
        back_label=case.title,
        attach=case_attachments_panel(request, case, form),
    )


@reauth.recent_auth_required
def case_attachment_download(request, pk, attachment_pk):
    case = sharing.get_case_for_user(request.user, pk, action=READ, request=request)
    _withheld_or_404(request, case)
    attachment = get_object_or_404(case.attachments, pk=attachment_pk)
    detail = f"attachment:{attachment._meta.model_name}:{attachment.pk}"
    for obj in (attachment, case):
        log_access(
            user=request.user,
            obj=obj,
            request=request,
            outcome=AccessLog.Outcome.EXPORT,
            detail=detail,
        )
    for cp in selectors.case_persons(case):  # the file is part of each person's record
        log_access(
            user=request.user,
            obj=cp.person,
            person_id=cp.person_id,
            request=request,
            outcome=AccessLog.Outcome.EXPORT,
            detail=detail,
        )
    return attachment_response(attachment)
