from functools import partial

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import crud
from common.ratelimit import ratelimit
from community import forms, selectors, services

# A service refusal (a Japanese message) goes back to the form: crud.save_form.
REFUSED = services.CommunityRuleError


def _worker(request):
    if not selectors.is_case_worker(request.user):
        raise Http404


def _manager(request):
    if not selectors.can_manage(request.user):
        raise Http404


# ---------------------------------------------------------------- districts


def district_list(request):
    _worker(request)
    districts = selectors.district_list(request.user)
    labels = [e["label"] for e in districts[0].extra_counts] if districts else []
    return render(
        request, "community/district_list.html", {"districts": districts, "extra_labels": labels}
    )


def district_detail(request, pk):
    district = selectors.get_district_for_user(request.user, pk)
    return render(
        request,
        "community/district_detail.html",
        {"district": district, **selectors.district_summary(district)},
    )


# ---------------------------------------------------------------- resources


@ratelimit(scope="search")
def resource_list(request):
    _worker(request)
    form = forms.ResourceFilterForm(request.GET or None)
    # The filter's fields are the selector's keywords; an invalid filter lists all.
    resources = selectors.resource_list(request.user, **crud.filter_values(form))
    page = crud.paginate(resources, request.GET.get("page"))
    return render(
        request,
        "community/resource_list.html",
        {"form": form, "page": page, "can_manage": selectors.can_manage(request.user)},
    )


def resource_create(request):
    _manager(request)
    form = forms.ResourceForm(request.POST or None)
    write = partial(services.resource_create, actor=request.user)
    resource = crud.save_form(request, form, write, _("地域資源を登録しました。"), refused=REFUSED)
    if resource is not None:
        return redirect("community:resource_detail", pk=resource.pk)
    return render(request, "community/resource_form.html", {"form": form})


def resource_detail(request, pk):
    _worker(request)
    resource = selectors.get_resource_for_user(request.user, pk)
    activities = selectors.activity_list(request.user, resource=resource)
    page = crud.paginate(activities, request.GET.get("page"))
    return render(
        request,
        "community/resource_detail.html",
        {"resource": resource, "page": page, "can_manage": selectors.can_manage(request.user)},
    )


def resource_edit(request, pk):
    _manager(request)
    resource = selectors.get_resource_for_user(request.user, pk)
    form = forms.ResourceForm(request.POST or None, instance=resource)
    write = partial(services.resource_update, actor=request.user, resource=resource)
    saved = crud.save_form(
        request, form, write, _("地域資源を保存しました。"), edit=True, refused=REFUSED
    )
    if saved is not None:
        return redirect("community:resource_detail", pk=resource.pk)
    return render(request, "community/resource_form.html", {"form": form, "resource": resource})


# ---------------------------------------------------------------- activities


def activity_list(request):
    _worker(request)
    form = forms.ActivityFilterForm(request.GET or None)
    activities = selectors.activity_list(request.user, **crud.filter_values(form))
    page = crud.paginate(activities, request.GET.get("page"))
    return render(request, "community/activity_list.html", {"form": form, "page": page})


def activity_add(request, pk):
    _worker(request)
    resource = selectors.get_resource_for_user(request.user, pk)
    form = forms.ActivityForm(request.POST or None)
    write = partial(services.activity_create, actor=request.user, resource=resource)
    saved = crud.save_form(request, form, write, _("活動を記録しました。"), refused=REFUSED)
    if saved is not None:
        return redirect("community:resource_detail", pk=resource.pk)
    return render(request, "community/activity_form.html", {"form": form, "resource": resource})


def activity_detail(request, pk):
    _worker(request)
    activity = selectors.get_activity_for_user(request.user, pk)
    return render(
        request,
        "community/activity_detail.html",
        {"activity": activity, "can_edit": selectors.can_edit_activity(request.user, activity)},
    )


def activity_edit(request, pk):
    _worker(request)
    activity = selectors.get_activity_for_user(request.user, pk)
    if not selectors.can_edit_activity(request.user, activity):
        raise Http404
    form = forms.ActivityForm(request.POST or None, instance=activity)
    write = partial(services.activity_update, actor=request.user, activity=activity)
    saved = crud.save_form(
        request, form, write, _("活動記録を保存しました。"), edit=True, refused=REFUSED
    )
    if saved is not None:
        return redirect("community:activity_detail", pk=activity.pk)
    return render(
        request,
        "community/activity_form.html",
        {"form": form, "resource": activity.resource, "activity": activity},
    )


# ---------------------------------------------------------------- issues


def issue_list(request):
    _worker(request)
    form = forms.IssueFilterForm(request.GET or None)
    data = crud.filter_values(form)
    issues = selectors.issue_list(
        request.user,
        status=form.status_value() if data else "open",
        district=data.get("district"),
        source=data.get("source", ""),
    )
    page = crud.paginate(issues, request.GET.get("page"))
    return render(
        request,
        "community/issue_list.html",
        {"form": form, "page": page, "can_manage": selectors.can_manage(request.user)},
    )


def issue_create(request):
    _manager(request)
    form = forms.IssueForm(request.POST or None)
    write = partial(services.issue_create, actor=request.user)
    issue = crud.save_form(request, form, write, _("地域課題を登録しました。"))
    if issue is not None:
        return redirect("community:issue_detail", pk=issue.pk)
    return render(request, "community/issue_form.html", {"form": form})


def _issue_page(request, issue, *, status_form=None, action_form=None):
    can_manage = selectors.can_manage(request.user)
    return render(
        request,
        "community/issue_detail.html",
        {
            "issue": issue,
            "actions": issue.actions.select_related("by").order_by("-taken_on", "-pk"),
            "can_manage": can_manage,
            "status_form": (status_form or forms.IssueStatusForm(issue=issue))
            if can_manage
            else None,
            "action_form": (action_form or forms.IssueActionForm()) if can_manage else None,
        },
    )


def issue_detail(request, pk):
    _worker(request)
    return _issue_page(request, selectors.get_issue_for_user(request.user, pk))


def issue_edit(request, pk):
    _manager(request)
    issue = selectors.get_issue_for_user(request.user, pk)
    form = forms.IssueForm(request.POST or None, instance=issue)
    write = partial(services.issue_update, actor=request.user, issue=issue)
    saved = crud.save_form(
        request, form, write, _("地域課題を保存しました。"), edit=True, refused=REFUSED
    )
    if saved is not None:
        return redirect("community:issue_detail", pk=issue.pk)
    return render(request, "community/issue_form.html", {"form": form, "issue": issue})


@require_POST
def issue_status(request, pk):
    _manager(request)
    issue = selectors.get_issue_for_user(request.user, pk)
    form = forms.IssueStatusForm(request.POST, issue=issue)
    write = partial(services.issue_transition, actor=request.user, issue=issue)
    saved = crud.save_form(
        request, form, write, _("地域課題の状況を変更しました。"), refused=REFUSED
    )
    if saved is not None:
        return redirect("community:issue_detail", pk=issue.pk)
    return _issue_page(request, issue, status_form=form)


@require_POST
def issue_action_add(request, pk):
    _manager(request)
    issue = selectors.get_issue_for_user(request.user, pk)
    form = forms.IssueActionForm(request.POST)
    write = partial(services.issue_action_add, actor=request.user, issue=issue)
    saved = crud.save_form(request, form, write, _("取り組みを記録しました。"), refused=REFUSED)
    if saved is not None:
        return redirect("community:issue_detail", pk=issue.pk)
    return _issue_page(request, issue, action_form=form)
