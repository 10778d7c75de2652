"""Consultation attachments. Reads ask intake.access.get_consultation_for_user, as the
consultation page does; adding is for the receiving agency, as editing is. Under 住所秘匿
only those who may see the household's address open them
(households.access.attachments_withheld). common.attachment_views runs the pages."""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import audit, reauth
from common import attachment_views
from common.attachment_views import WITHDRAW_METHODS
from households.access import attachments_withheld
from intake import attachments as services
from intake import selectors
from intake.access import get_consultation_for_user


def _owner(request, consultation) -> attachment_views.AttachmentOwner:
    args = [consultation.pk]
    received = timezone.localtime(consultation.received_at).strftime("%Y-%m-%d %H:%M")
    return attachment_views.AttachmentOwner(
        obj=consultation,
        audit=audit,
        upload_url=reverse("intake:consultation_attachments", args=args),
        download_url=lambda a: reverse(
            "intake:consultation_attachment_download", args=[*args, a.pk]
        ),
        withdraw_url=lambda a: reverse(
            "intake:consultation_attachment_withdraw", args=[*args, a.pk]
        ),
        user=request.user,
        add=partial(services.consultation_attachment_add, consultation=consultation),
        can_upload=consultation.agency_id in request.user.agency_ids,
        withheld=attachments_withheld(request.user, consultation.household),
        concerned=lambda: selectors.consultation_persons(consultation),
        title=_("相談受付（%(when)s）の添付ファイル") % {"when": received},
        back_url=reverse("intake:consultation_detail", args=args),
        back_label=_("相談受付"),
    )


def consultation_attachments_panel(request, consultation):
    return _owner(request, consultation).panel()


def consultation_attachments(request, pk):
    consultation = get_consultation_for_user(request.user, pk)
    owner = _owner(request, consultation)
    if request.method == "POST" and not owner.can_upload:
        raise PermissionDenied
    return attachment_views.upload_page(request, owner)


@reauth.recent_auth_required
def consultation_attachment_download(request, pk, attachment_pk):
    consultation = get_consultation_for_user(request.user, pk)
    return attachment_views.download(request, _owner(request, consultation), attachment_pk)


@require_http_methods(WITHDRAW_METHODS)
@reauth.recent_auth_required
def consultation_attachment_withdraw(request, pk, attachment_pk):
    consultation = get_consultation_for_user(request.user, pk)
    return attachment_views.withdraw(request, _owner(request, consultation), attachment_pk)
