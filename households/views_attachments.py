"""Household and consent attachments: listed and added on pages of their own, each
download an 出力 (export) re-checked through households.access.get_household_for_user,
the same getter as the household page (add: the right to change the household)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import reauth
from accounts.audit import log_access, log_denied
from accounts.models import AccessLog
from common import attachment_views
from common.attachments import AttachmentForm, attachment_response
from households import attachments as services
from households.access import attachments_withheld, get_household_for_user
from households.models import Consent


def _consent(household, consent_pk):
    # A consent is reached under a household its person is or was a member of (as the
    # withdrawal is).
    return get_object_or_404(
        Consent.objects.select_related("person", "recorded_by").distinct(),
        pk=consent_pk,
        person__household_memberships__household=household,
    )


def _withheld_or_404(request, household):
    """Opening or adding under 住所秘匿 without the right to see the address: 404."""
    if attachments_withheld(request.user, household):
        log_denied(
            user=request.user,
            object_type="households.household",
            object_id=household.pk,
            request=request,
            detail="attachments",
        )
        raise Http404


def _household_panel(request, household, form=None):
    return attachment_views.panel(
        household.attachments.select_related("uploaded_by"),
        download_url=lambda a: reverse("households:attachment_download", args=[household.pk, a.pk]),
        upload_url=reverse("households:attachments", args=[household.pk]),
        can_upload=household.can_change,
        form=form,
        withheld=attachments_withheld(request.user, household),
    )


def household_attachments_panel(request, household):
    """The household page's 添付ファイル section."""
    return _household_panel(request, household)


def household_attachments(request, pk):
    household = get_household_for_user(
        request.user, pk, action="change" if request.method == "POST" else "view"
    )
    if request.method == "POST":
        _withheld_or_404(request, household)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.household_attachment_add(
            actor=request.user,
            household=household,
            uploaded=form.cleaned_data["file"],
            content_type=form.content_type,
            title=form.cleaned_data["title"],
        )
        messages.success(request, _("ファイルを添付しました。"))
        return redirect(reverse("households:detail", args=[household.pk]) + "#attachments")
    log_access(user=request.user, obj=household, request=request, detail="attachments")
    return attachment_views.page(
        request,
        title=_("%(name)sの添付ファイル") % {"name": household.name},
        back_url=reverse("households:detail", args=[household.pk]),
        back_label=household.name,
        attach=_household_panel(request, household, form),
    )


@reauth.recent_auth_required
def household_attachment_download(request, pk, attachment_pk):
    household = get_household_for_user(request.user, pk)
    _withheld_or_404(request, household)
    attachment = get_object_or_404(household.attachments, pk=attachment_pk)
    persons = [m.person_id for m in household.current_memberships()]
    _log_export(request, attachment, household, persons=persons)
    return attachment_response(attachment)


def _consent_panel(request, household, consent, form=None):
    return attachment_views.panel(
        consent.attachments.select_related("uploaded_by"),
        download_url=lambda a: reverse(
            "households:consent_attachment_download", args=[household.pk, consent.pk, a.pk]
        ),
        upload_url=reverse("households:consent_attachments", args=[household.pk, consent.pk]),
        can_upload=household.can_change,
        form=form,
        withheld=attachments_withheld(request.user, household),
    )


def consent_attachments(request, pk, consent_pk):
    """A consent's page: what was consented to, and its scanned 同意書."""
    household = get_household_for_user(
        request.user, pk, action="change" if request.method == "POST" else "view"
    )
    consent = _consent(household, consent_pk)
    if request.method == "POST":
        _withheld_or_404(request, household)
    form = AttachmentForm(
        request.POST or None, request.FILES or None, initial={"title": _("同意書のスキャン")}
    )
    if request.method == "POST" and form.is_valid():
        services.consent_attachment_add(
            actor=request.user,
            consent=consent,
            uploaded=form.cleaned_data["file"],
            content_type=form.content_type,
            title=form.cleaned_data["title"],
        )
        messages.success(request, _("同意書のファイルを添付しました。"))
        return redirect("households:consent_attachments", pk=household.pk, consent_pk=consent.pk)
    log_access(
        user=request.user,
        obj=consent.person,
        person_id=consent.person_id,
        request=request,
        detail=f"consent:{consent.pk}",
    )
    agencies = "、".join(a.name for a in consent.agencies.all())
    about = [
        (_("同意した人"), consent.person.full_name),
        (_("共有先"), agencies or "—"),
        (_("目的"), consent.purpose),
        (_("方法"), consent.get_method_display()),
        (_("状態"), consent.get_state_display()),
    ]
    return attachment_views.page(
        request,
        title=_("本人同意（%(name)s）の同意書") % {"name": consent.person.full_name},
        back_url=reverse("households:detail", args=[household.pk]),
        back_label=household.name,
        attach=_consent_panel(request, household, consent, form),
        about=about,
    )


@reauth.recent_auth_required
def consent_attachment_download(request, pk, consent_pk, attachment_pk):
    household = get_household_for_user(request.user, pk)
    _withheld_or_404(request, household)
    consent = _consent(household, consent_pk)
    attachment = get_object_or_404(consent.attachments, pk=attachment_pk)
    _log_export(request, attachment, consent, persons=[consent.person_id])
    return attachment_response(attachment)


def _log_export(request, attachment, owner, *, persons):
    """The download is an 出力 of the attachment, its owner and the person concerned."""
    for obj in (attachment, owner):
        log_access(
            user=request.user,
            obj=obj,
            request=request,
            outcome=AccessLog.Outcome.EXPORT,
            detail=f"attachment:{attachment._meta.model_name}:{attachment.pk}",
        )
    for person_id in persons:
        log_access(
            user=request.user,
            object_type="households.person",
            object_id=person_id,
            person_id=person_id,
            request=request,
            outcome=AccessLog.Outcome.EXPORT,
            detail=f"attachment:{attachment._meta.model_name}:{attachment.pk}",
        )
