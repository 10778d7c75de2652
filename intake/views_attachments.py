"""Consultation attachments. Reads ask intake.access.get_consultation_for_user, as the
consultation page does; adding is for the receiving agency, as editing is."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import reauth
from accounts.audit import log_access, log_denied
from accounts.models import AccessLog
from common import attachment_views
from common.attachments import AttachmentForm, attachment_response
from households.access import attachments_withheld
from intake import attachments as services
from intake import selectors
from intake.access import get_consultation_for_user


def _can_add(request, consultation) -> bool:
    return consultation.agency_id in request.user.agency_ids


def _withheld(request, consultation) -> str:
    return attachments_withheld(request.user, consultation.household)


def _withheld_or_404(request, consultation):
    if _withheld(request, consultation):
        log_denied(
            user=request.user,
            object_type="intake.consultation",
            object_id=consultation.pk,
            request=request,
            detail="attachments",
        )
        raise Http404


def consultation_attachments_panel(request, consultation, form=None):
    return attachment_views.panel(
        consultation.attachments.select_related("uploaded_by"),
        download_url=lambda a: reverse(
            "intake:consultation_attachment_download", args=[consultation.pk, a.pk]
        ),
        upload_url=reverse("intake:consultation_attachments", args=[consultation.pk]),
        can_upload=_can_add(request, consultation),
        form=form,
        withheld=_withheld(request, consultation),
    )


def consultation_attachments(request, pk):
    consultation = get_consultation_for_user(request.user, pk)
    if request.method == "POST":
        if not _can_add(request, consultation):
            raise PermissionDenied
        _withheld_or_404(request, consultation)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.consultation_attachment_add(
            actor=request.user,
            consultation=consultation,
            uploaded=form.cleaned_data["file"],
            content_type=form.content_type,
            title=form.cleaned_data["title"],
        )
        messages.success(request, _("ファイルを添付しました。"))
        url = reverse("intake:consultation_detail", args=[consultation.pk])
        return redirect(url + "#attachments")
    log_access(user=request.user, obj=consultation, request=request, detail="attachments")
    received = timezone.localtime(consultation.received_at).strftime("%Y-%m-%d %H:%M")
    return attachment_views.page(
        request,
        title=_("相談受付（%(when)s）の添付ファイル") % {"when": received},
        back_url=reverse("intake:consultation_detail", args=[consultation.pk]),
        back_label=_("相談受付"),
        attach=consultation_attachments_panel(request, consultation, form),
    )


@reauth.recent_auth_required
def consultation_attachment_download(request, pk, attachment_pk):
    consultation = get_consultation_for_user(request.user, pk)
    _withheld_or_404(request, consultation)
    attachment = get_object_or_404(consultation.attachments, pk=attachment_pk)
    detail = f"attachment:{attachment._meta.model_name}:{attachment.pk}"
    for obj in (attachment, consultation):
        log_access(
            user=request.user,
            obj=obj,
            request=request,
            outcome=AccessLog.Outcome.EXPORT,
            detail=detail,
        )
    for person in selectors.consultation_persons(consultation):
        log_access(
            user=request.user,
            obj=person,
            person_id=person.pk,
            request=request,
            outcome=AccessLog.Outcome.EXPORT,
            detail=detail,
        )
    return attachment_response(attachment)
