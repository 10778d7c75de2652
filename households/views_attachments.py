"""Household and consent attachments: listed and added on pages of their own, each
download an 出力 (export) re-checked through households.access.get_household_for_user,
the same getter as the household page (add: the right to change the household).
common.attachment_views runs the pages."""

from functools import partial

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import audit, reauth
from common import attachment_views
from common.attachment_views import WITHDRAW_METHODS
from households import attachments as services
from households.access import attachments_withheld, get_household_for_user
from households.models import Consent


def _household(request, pk):
    action = "change" if request.method == "POST" else "view"
    return get_household_for_user(request.user, pk, action=action)


def _consent(household, consent_pk):
    # A consent is reached under a household its person is or was a member of (as the
    # withdrawal is).
    return get_object_or_404(
        Consent.objects.select_related("person", "recorded_by").distinct(),
        pk=consent_pk,
        person__household_memberships__household=household,
    )


def _household_owner(request, household) -> attachment_views.AttachmentOwner:
    return attachment_views.AttachmentOwner(
        obj=household,
        audit=audit,
        upload_url=reverse("households:attachments", args=[household.pk]),
        download_url=lambda a: reverse("households:attachment_download", args=[household.pk, a.pk]),
        withdraw_url=lambda a: reverse("households:attachment_withdraw", args=[household.pk, a.pk]),
        user=request.user,
        add=partial(services.household_attachment_add, household=household),
        can_upload=household.can_change,
        withheld=attachments_withheld(request.user, household),
        concerned=lambda: [m.person for m in household.current_memberships()],
        title=_("%(name)sの添付ファイル") % {"name": household.name},
        back_url=reverse("households:detail", args=[household.pk]),
        back_label=household.name,
    )


def _consent_owner(request, household, consent) -> attachment_views.AttachmentOwner:
    args = [household.pk, consent.pk]
    return attachment_views.AttachmentOwner(
        obj=consent,
        audit=audit,
        upload_url=reverse("households:consent_attachments", args=args),
        download_url=lambda a: reverse(
            "households:consent_attachment_download", args=[*args, a.pk]
        ),
        withdraw_url=lambda a: reverse(
            "households:consent_attachment_withdraw", args=[*args, a.pk]
        ),
        user=request.user,
        add=partial(services.consent_attachment_add, consent=consent),
        can_upload=household.can_change,
        withheld=attachments_withheld(request.user, household),
        refused=household,
        concerned=lambda: [consent.person],
        read=(consent.person, consent.person_id, f"consent:{consent.pk}"),
        initial={"title": _("同意書のスキャン")},
        title=_("本人同意（%(name)s）の同意書") % {"name": consent.person.full_name},
        back_url=reverse("households:detail", args=[household.pk]),
        back_label=household.name,
    )


def household_attachments_panel(request, household):
    """The household page's 添付ファイル section."""
    return _household_owner(request, household).panel()


def household_attachments(request, pk):
    household = _household(request, pk)
    return attachment_views.upload_page(request, _household_owner(request, household))


@reauth.recent_auth_required
def household_attachment_download(request, pk, attachment_pk):
    household = get_household_for_user(request.user, pk)
    return attachment_views.download(request, _household_owner(request, household), attachment_pk)


@require_http_methods(WITHDRAW_METHODS)
@reauth.recent_auth_required
def household_attachment_withdraw(request, pk, attachment_pk):
    household = get_household_for_user(request.user, pk, action="change")
    return attachment_views.withdraw(request, _household_owner(request, household), attachment_pk)


def consent_attachments(request, pk, consent_pk):
    """A consent's page: what was consented to, and its scanned 同意書."""
    household = _household(request, pk)
    consent = _consent(household, consent_pk)
    agencies = "、".join(a.name for a in consent.agencies.all())
    return attachment_views.upload_page(
        request,
        _consent_owner(request, household, consent),
        done_url=reverse("households:consent_attachments", args=[household.pk, consent.pk]),
        done_message=_("同意書のファイルを添付しました。"),
        about=[
            (_("同意した人"), consent.person.full_name),
            (_("共有先"), agencies or "—"),
            (_("目的"), consent.purpose),
            (_("方法"), consent.get_method_display()),
            (_("状態"), consent.get_state_display()),
        ],
    )


@reauth.recent_auth_required
def consent_attachment_download(request, pk, consent_pk, attachment_pk):
    household = get_household_for_user(request.user, pk)
    # 住所秘匿 is refused on the household before the consent is looked up (free: the
    # answer is remembered on the household).
    _household_owner(request, household).refuse_if_withheld(request)
    consent = _consent(household, consent_pk)
    owner = _consent_owner(request, household, consent)
    return attachment_views.download(request, owner, attachment_pk)


@require_http_methods(WITHDRAW_METHODS)
@reauth.recent_auth_required
def consent_attachment_withdraw(request, pk, consent_pk, attachment_pk):
    household = get_household_for_user(request.user, pk, action="change")
    _household_owner(request, household).refuse_if_withheld(request)
    consent = _consent(household, consent_pk)
    owner = _consent_owner(request, household, consent)
    # Back to the consent's own page, where its 同意書 are listed.
    owner.back_url = reverse("households:consent_attachments", args=[household.pk, consent.pk])
    return attachment_views.withdraw(request, owner, attachment_pk)
