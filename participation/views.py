from functools import partial

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import log_access, log_reads
from cases import sharing
from common import crud
from common.ratelimit import ratelimit
from households.access import get_household_for_user
from participation import forms, selectors, services

# A service refusal (a Japanese message) goes back to the form: crud.save_form.
REFUSED = services.ParticipationRuleError


def _worker(request):
    if not selectors.is_case_worker(request.user):
        raise Http404


def _manager(request):
    """Writing opportunities and host logs: desk staff and 推進員; others get 404."""
    if not selectors.can_manage_opportunities(request.user):
        raise Http404


def _int_param(request, name):
    value = request.GET.get(name) or request.POST.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def _placement(request, pk):
    _worker(request)
    return selectors.get_placement_for_user(request.user, pk)


# ---------------------------------------------------------------- opportunities


@ratelimit(scope="search")
def opportunity_list(request):
    _worker(request)
    form = forms.OpportunitySearchForm(request.GET or None)
    # The search form's fields are the selector's keywords; an invalid search lists all.
    opportunities = selectors.opportunity_search(request.user, **crud.filter_values(form))
    page = crud.paginate(opportunities, request.GET.get("page"))
    return render(
        request,
        "participation/opportunity_list.html",
        {
            "form": form,
            "page": page,
            "can_manage": selectors.can_manage_opportunities(request.user),
        },
    )


def opportunity_create(request):
    _manager(request)
    form = forms.OpportunityForm(request.POST or None)
    write = partial(services.opportunity_create, actor=request.user)
    opportunity = crud.save_form(request, form, write, _("参加先を登録しました。"))
    if opportunity is not None:
        return redirect("participation:opportunity_detail", pk=opportunity.pk)
    return render(request, "participation/opportunity_form.html", {"form": form})


def opportunity_detail(request, pk):
    _worker(request)
    opportunity = selectors.get_opportunity_for_user(request.user, pk)
    placements = list(
        selectors.placements_visible_to(request.user)
        .filter(opportunity=opportunity)
        .select_related("person", "case")
        .order_by("-coordinating_on", "-pk")
    )
    log_reads(
        user=request.user,
        objects=placements,
        request=request,
        detail=f"opportunity:{opportunity.pk}",
    )
    return render(
        request,
        "participation/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "placements": placements,
            "host_logs": opportunity.host_logs.select_related("staff").order_by("-contacted_on"),
            "case_form": forms.CasePickForm(user=request.user) if opportunity.is_active else None,
            "can_manage": selectors.can_manage_opportunities(request.user),
        },
    )


def opportunity_edit(request, pk):
    _manager(request)
    opportunity = selectors.get_opportunity_for_user(request.user, pk)
    form = forms.OpportunityForm(request.POST or None, instance=opportunity)
    write = partial(services.opportunity_update, actor=request.user, opportunity=opportunity)
    saved = crud.save_form(request, form, write, _("参加先を保存しました。"), edit=True)
    if saved is not None:
        return redirect("participation:opportunity_detail", pk=opportunity.pk)
    return render(
        request,
        "participation/opportunity_form.html",
        {"form": form, "opportunity": opportunity},
    )


# ---------------------------------------------------------------- host development


@ratelimit(scope="search")
def host_log_list(request):
    _worker(request)
    form = forms.HostLogFilterForm(request.GET or None)
    logs = selectors.host_log_list(request.user, **crud.filter_values(form))
    page = crud.paginate(logs, request.GET.get("page"))
    return render(
        request,
        "participation/host_log_list.html",
        {
            "form": form,
            "page": page,
            "can_manage": selectors.can_manage_opportunities(request.user),
        },
    )


def host_log_create(request):
    _manager(request)
    form = forms.HostLogForm(request.POST or None)
    write = partial(services.host_log_create, actor=request.user)
    log = crud.save_form(request, form, write, _("受入先開拓の記録を保存しました。"))
    if log is not None:
        return redirect("participation:host_log_detail", pk=log.pk)
    return render(request, "participation/host_log_form.html", {"form": form})


def host_log_detail(request, pk):
    _worker(request)
    log = selectors.get_host_log_for_user(request.user, pk)
    return render(
        request,
        "participation/host_log_detail.html",
        {"log": log, "can_manage": selectors.can_manage_opportunities(request.user)},
    )


def host_log_edit(request, pk):
    _manager(request)
    log = selectors.get_host_log_for_user(request.user, pk)
    form = forms.HostLogForm(request.POST or None, instance=log)
    write = partial(services.host_log_update, actor=request.user, log=log)
    saved = crud.save_form(request, form, write, _("受入先開拓の記録を保存しました。"), edit=True)
    if saved is not None:
        return redirect("participation:host_log_detail", pk=log.pk)
    return render(request, "participation/host_log_form.html", {"form": form, "log": log})


# ---------------------------------------------------------------- placements


def placement_list(request):
    _worker(request)
    form = forms.PlacementFilterForm(request.GET or None)
    data = crud.filter_values(form)
    placements = selectors.placement_list(
        request.user,
        status=form.status_value() if data else "ongoing",
        kind=data.get("kind", ""),
    )
    page = crud.paginate(placements, request.GET.get("page"))
    log_reads(user=request.user, objects=page.object_list, request=request, detail="list")
    return render(request, "participation/placement_list.html", {"form": form, "page": page})


def placement_create(request):
    """Start from a case (?case=, anyone who may read its records) or, for the desk, from
    a household (?household=); ?opportunity= preselects the 参加先."""
    _worker(request)
    case = household = None
    case_pk, household_pk = _int_param(request, "case"), _int_param(request, "household")
    if case_pk:
        case = sharing.get_case_for_user(request.user, case_pk, action="records", request=request)
    elif household_pk:
        if not request.user.is_desk_staff:
            raise Http404
        household = get_household_for_user(request.user, household_pk)
    else:
        # No starting point yet: pick the case first.
        return render(
            request,
            "participation/placement_pick.html",
            {
                "form": forms.CasePickForm(user=request.user),
                "opportunity": _int_param(request, "opportunity"),
            },
        )
    initial = {"opportunity": _int_param(request, "opportunity")}
    form = forms.PlacementForm(
        request.POST or None, case=case, household=household, initial=initial
    )
    write = partial(services.placement_create, actor=request.user, case=case)
    placement = crud.save_form(
        request, form, write, _("参加支援の調整を始めました。"), refused=REFUSED
    )
    if placement is not None:
        return redirect("participation:placement_detail", pk=placement.pk)
    # The form offers the case's (or household's) members by name.
    log_access(user=request.user, obj=case or household, request=request, detail="placement")
    return render(
        request,
        "participation/placement_form.html",
        {"form": form, "case": case, "household": household},
    )


def _log_placement_read(request, placement, detail=""):
    log_access(
        user=request.user,
        obj=placement,
        person_id=placement.person_id,
        request=request,
        detail=detail,
    )


def placement_detail(request, pk):
    placement = _placement(request, pk)
    _log_placement_read(request, placement)
    return render(
        request,
        "participation/placement_detail.html",
        {
            "placement": placement,
            "follow_ups": selectors.follow_ups_for(placement),
            "status_form": forms.PlacementStatusForm(placement=placement),
            "can_open_case": bool(placement.case_id)
            and sharing.can(request.user, placement.case, "summary"),
        },
    )


def placement_edit(request, pk):
    placement = _placement(request, pk)
    form = forms.PlacementEditForm(request.POST or None, instance=placement, user=request.user)
    write = partial(services.placement_update, actor=request.user, placement=placement)
    saved = crud.save_form(
        request, form, write, _("参加支援を保存しました。"), edit=True, refused=REFUSED
    )
    if saved is not None:
        # A change of case may take the placement out of the editor's sight.
        if selectors.placements_visible_to(request.user).filter(pk=placement.pk).exists():
            return redirect("participation:placement_detail", pk=placement.pk)
        return redirect("participation:placement_list")
    _log_placement_read(request, placement, detail="edit")
    return render(
        request, "participation/placement_edit.html", {"form": form, "placement": placement}
    )


@require_POST
def placement_status(request, pk):
    placement = _placement(request, pk)
    form = forms.PlacementStatusForm(request.POST, placement=placement)
    write = partial(services.placement_transition, actor=request.user, placement=placement)
    saved = crud.save_form(
        request, form, write, _("参加支援の状況を変更しました。"), refused=REFUSED
    )
    if saved is not None:
        return redirect("participation:placement_detail", pk=placement.pk)
    return render(
        request, "participation/placement_status.html", {"form": form, "placement": placement}
    )


def _follow_up_saved(follow_up):
    if follow_up.support_record_id:
        return _("定着支援を記録し、ケースの支援経過（④参加支援）にも記録しました。")
    return _("定着支援を記録しました。")


def follow_up_add(request, pk):
    placement = _placement(request, pk)
    form = forms.FollowUpForm(request.POST or None)
    write = partial(services.follow_up_create, actor=request.user, placement=placement)
    saved = crud.save_form(request, form, write, _follow_up_saved, refused=REFUSED)
    if saved is not None:
        return redirect("participation:placement_detail", pk=placement.pk)
    _log_placement_read(request, placement, detail="follow_up")
    return render(
        request, "participation/follow_up_form.html", {"form": form, "placement": placement}
    )
