"""The case's sharing page: share with an agency, preview what a share or referral
would open, end a share. Every decision is cases.sharing's."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_access
from accounts.models import Agency
from cases import services, sharing
from cases.choices import ExemptionReason, GrantScope
from cases.forms import (
    ShareForm,
)
from cases.models import AccessGrant
from cases.views import _case, _errors_to_messages


def case_share(request, pk):
    case = _case(request, pk, "change")
    form = reauth.add_password_field(ShareForm(request.POST or None, case=case), request)
    if (
        request.method == "POST"
        and form.is_valid()
        and reauth.override_confirmed(request, form, bool(form.cleaned_data["exemption_reason"]))
    ):
        data = form.cleaned_data
        try:
            services.case_share(
                actor=request.user,
                case=case,
                agency=data["agency"],
                scope=data["scope"],
                consent=data["consent"],
                exemption_reason=data["exemption_reason"],
                note=data["note"],
            )
        except sharing.SharingRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(agency)sと共有しました。") % {"agency": data["agency"].name}
            )
            return redirect("cases:case_detail", pk=case.pk)
    grants = sharing.grants_for_case(case)
    log_access(user=request.user, obj=case, request=request, detail="share")
    return render(
        request,
        "cases/share_form.html",
        {
            "form": form,
            "case": case,
            "grants": grants,
            "scopes": GrantScope,
            "access": sharing.effective_access(case),
        },
    )


def access_preview(request, pk):
    """htmx: what sharing with (or referring to) the chosen agency in the chosen scope
    would give it, before the share or referral form is sent (sharing.preview_access).
    kind=referral for the referral form, whose basis is recorded on acceptance."""
    case = _case(request, pk, "change")
    raw_agency = request.GET.get("agency") or request.GET.get("to_agency") or ""
    scope = request.GET.get("scope") or ""
    agency = None
    if raw_agency.isascii() and raw_agency.isdigit() and scope in GrantScope.values:
        agency = Agency.objects.filter(pk=int(raw_agency), is_active=True).first()
    changes = []
    if agency is not None and agency.pk != case.lead_agency_id:
        kind = request.GET.get("kind", "share")
        exemption = request.GET.get("exemption_reason", "")
        basis = sharing.share_basis(
            kind=kind, exemption_reason=exemption if exemption in ExemptionReason.values else ""
        )
        changes = sharing.preview_access(case, add=[(agency, basis, scope)])
    return render(
        request,
        "cases/_access_preview.html",
        {"changes": changes, "is_lead": agency is not None and agency.pk == case.lead_agency_id},
    )


@require_POST
def grant_end(request, pk, grant_pk):
    case = _case(request, pk, "change")
    grant = get_object_or_404(AccessGrant, pk=grant_pk, case=case, revoked_at__isnull=True)
    try:
        services.grant_end(
            actor=request.user,
            grant=grant,
            # The page posts no reason; one sent anyway is kept, less what PostgreSQL
            # cannot store (NUL).
            reason=request.POST.get("reason", "").replace("\x00", "")[:200],
        )
    except services.CaseRuleError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("共有を終了しました。"))
    return redirect("cases:case_share", pk=case.pk)
