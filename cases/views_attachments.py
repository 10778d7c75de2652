"""Case attachments. The sharing policy decides through cases.sharing.get_case_for_user:
reading them is reading the case's records (the `records` scope: the lead, full shares
and plan roles; not a summary or a meeting brief); adding them is changing the case.
Under 住所秘匿 only those who may see the household's address open its papers
(households.access.attachments_withheld). common.attachment_views runs the pages."""

from functools import partial

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import audit, reauth
from cases import attachments as services
from cases import selectors, sharing
from common import attachment_views
from common.attachment_views import WITHDRAW_METHODS
from households.access import attachments_withheld

READ = "records"


def _owner(request, case) -> attachment_views.AttachmentOwner:
    return attachment_views.AttachmentOwner(
        obj=case,
        audit=audit,
        upload_url=reverse("cases:attachments", args=[case.pk]),
        download_url=lambda a: reverse("cases:attachment_download", args=[case.pk, a.pk]),
        withdraw_url=lambda a: reverse("cases:attachment_withdraw", args=[case.pk, a.pk]),
        user=request.user,
        add=partial(services.case_attachment_add, case=case),
        can_upload=case.can_change,
        readable=case.can_records,
        withheld=attachments_withheld(request.user, case.household),
        # The file is part of each person's record.
        concerned=lambda: [cp.person for cp in selectors.case_persons(case)],
        title=_("%(title)sの添付ファイル") % {"title": case.title},
        back_url=reverse("cases:case_detail", args=[case.pk]),
        back_label=case.title,
    )


def case_attachments_panel(request, case):
    """The case page's 添付ファイル section, or None when the reader may not read them."""
    if not case.can_records:
        return None  # before asking about 住所秘匿: the case page needs no answer
    return _owner(request, case).panel()


def case_attachments(request, pk):
    action = "change" if request.method == "POST" else READ
    case = sharing.get_case_for_user(request.user, pk, action=action, request=request)
    return attachment_views.upload_page(request, _owner(request, case))


@reauth.recent_auth_required
def case_attachment_download(request, pk, attachment_pk):
    case = sharing.get_case_for_user(request.user, pk, action=READ, request=request)
    return attachment_views.download(request, _owner(request, case), attachment_pk)


@require_http_methods(WITHDRAW_METHODS)
@reauth.recent_auth_required
def case_attachment_withdraw(request, pk, attachment_pk):
    case = sharing.get_case_for_user(request.user, pk, action="change", request=request)
    return attachment_views.withdraw(request, _owner(request, case), attachment_pk)
