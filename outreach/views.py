from functools import partial

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import log_access, log_reads
from cases import sharing
from common import crud
from common.ratelimit import ratelimit
from households.access import get_household_for_user
from households.contact import prime as prime_contact
from outreach import forms, selectors, services
from outreach.models import VisitRecord

# A service refusal (a Japanese message) goes back to the form: crud.save_form.
REFUSED = services.OutreachRuleError


def _worker(request):
    """Every outreach page is for case workers; others are told nothing exists."""
    if not request.user.works_on_cases:
        raise Http404


def _target(request, pk):
    _worker(request)
    return selectors.get_target_for_user(request.user, pk)


def _campaign(request, pk, *, manage=False):
    _worker(request)
    campaign = selectors.get_campaign_for_user(request.user, pk)
    if manage and not request.user.is_desk_staff:
        raise Http404
    return campaign


def _log_target_read(request, target, detail=""):
    where = f"household:{target.household_id}" if target.household_id else ""
    log_access(
        user=request.user,
        obj=target,
        person_id=target.person_id,
        request=request,
        detail=" ".join(part for part in (detail, where) if part),
    )


# ---------------------------------------------------------------- targets


@ratelimit(scope="search")
def target_list(request):
    _worker(request)
    form = forms.TargetFilterForm(request.GET or None)
    data = crud.filter_values(form)
    targets = selectors.target_list(
        request.user,
        status=form.status_value() if data else "open",
        source=data.get("source", ""),
        district=data.get("district"),
        q=data.get("q", ""),
    )
    page = crud.paginate(targets, request.GET.get("page"))
    log_reads(user=request.user, objects=page.object_list, request=request, detail="list")
    return render(request, "outreach/target_list.html", {"form": form, "page": page})


def target_create(request):
    _worker(request)
    household = None
    if request.GET.get("household"):
        try:
            household = get_household_for_user(request.user, int(request.GET["household"]))
        except ValueError:
            raise Http404 from None
    form = forms.TargetForm(request.POST or None, user=request.user, household=household)
    create = partial(services.target_create, actor=request.user)
    if household is not None:
        create = partial(create, household=household)
    target = crud.save_form(
        request,
        form,
        create,
        _("アウトリーチ対象を登録しました。"),
        refused=REFUSED,
    )
    if target is not None:
        return redirect("outreach:target_detail", pk=target.pk)
    if household is not None:  # the form offers its members by name
        log_access(user=request.user, obj=household, request=request, detail="target_create")
    return render(
        request, "outreach/target_form.html", {"form": form, "fixed_household": household}
    )


def target_detail(request, pk):
    target = _target(request, pk)
    _log_target_read(request, target)
    can_open_case = bool(target.case_id) and sharing.can(request.user, target.case, "summary")
    return render(
        request,
        "outreach/target_detail.html",
        {
            "target": target,
            "contacts": selectors.contacts_for(target),
            "status_form": forms.TargetStatusForm(target=target),
            "can_open_case": can_open_case,
        },
    )


def target_edit(request, pk):
    target = _target(request, pk)
    form = forms.TargetForm(request.POST or None, instance=target, user=request.user)
    write = partial(services.target_update, actor=request.user, target=target)
    saved = crud.save_form(
        request, form, write, _("アウトリーチ対象を保存しました。"), edit=True, refused=REFUSED
    )
    if saved is not None:
        # Handing the target to another agency may take it out of the editor's sight.
        if selectors.targets_visible_to(request.user).filter(pk=target.pk).exists():
            return redirect("outreach:target_detail", pk=target.pk)
        return redirect("outreach:target_list")
    _log_target_read(request, target, detail="edit")
    return render(request, "outreach/target_form.html", {"form": form, "target": target})


@require_POST
def target_status(request, pk):
    target = _target(request, pk)
    form = forms.TargetStatusForm(request.POST, target=target)
    write = partial(services.target_transition, actor=request.user, target=target)
    saved = crud.save_form(request, form, write, _("状況を変更しました。"), refused=REFUSED)
    if saved is not None:
        return redirect("outreach:target_detail", pk=target.pk)
    return render(request, "outreach/target_status.html", {"target": target, "form": form})


def _contact_saved(contact):
    if contact.support_record_id:
        return _("接触の記録を保存し、ケースの支援経過（③アウトリーチ）にも記録しました。")
    return _("接触の記録を保存しました。")


def contact_add(request, pk):
    target = _target(request, pk)
    form = forms.ContactForm(request.POST or None)
    write = partial(services.contact_create, actor=request.user, target=target)
    saved = crud.save_form(request, form, write, _contact_saved, refused=REFUSED)
    if saved is not None:
        return redirect("outreach:target_detail", pk=target.pk)
    _log_target_read(request, target, detail="contact")
    return render(request, "outreach/contact_form.html", {"form": form, "target": target})


def target_connect(request, pk):
    target = _target(request, pk)
    if target.case_id:
        messages.info(request, _("この対象はすでにケースにつながっています。"))
        return redirect("outreach:target_detail", pk=target.pk)
    form = forms.ConnectForm(request.POST or None, target=target, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = data["mode"] == forms.ConnectForm.EXISTING
        try:
            target = services.target_connect_case(
                actor=request.user,
                target=target,
                case=data["case"] if existing else None,
                title=data["title"],
                principal=data["principal"],
                members=list(data["members"]),
                opened_on=data["opened_on"],
            )
        except services.OutreachRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("支援につながりました。ケースに記録を続けてください。"))
            return redirect("cases:case_detail", pk=target.case_id)
    _log_target_read(request, target, detail="connect")
    return render(request, "outreach/connect_form.html", {"form": form, "target": target})


# ---------------------------------------------------------------- 世帯訪問調査


def campaign_list(request):
    _worker(request)
    campaigns = selectors.campaign_list(request.user)
    page = crud.paginate(campaigns, request.GET.get("page"))
    return render(
        request,
        "outreach/campaign_list.html",
        {"page": page, "can_manage": request.user.is_desk_staff},
    )


def campaign_create(request):
    _worker(request)
    if not request.user.is_desk_staff:
        raise Http404
    form = forms.CampaignForm(request.POST or None)
    campaign = crud.save_form(
        request,
        form,
        partial(services.campaign_create, actor=request.user),
        refused=REFUSED,
        success=lambda campaign: (
            _("世帯訪問調査を登録しました（訪問先 %(n)s 世帯）。") % {"n": campaign.visits.count()}
        ),
    )
    if campaign is not None:
        return redirect("outreach:campaign_detail", pk=campaign.pk)
    return render(request, "outreach/campaign_form.html", {"form": form})


def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    filter_form = forms.VisitFilterForm(request.GET or None)
    result = crud.filter_values(filter_form).get("result", "")
    visits = selectors.campaign_visits(campaign, result=result)
    page = crud.paginate(visits, request.GET.get("page"), per_page=50)
    # 住所秘匿 for the page's rows in one query (none when no row is hidden).
    prime_contact(request.user, households=[v.household for v in page])
    # The rows show each household's name and address: a read of each.
    log_reads(
        user=request.user,
        objects=[v.household for v in page],
        request=request,
        detail=f"campaign:{campaign.pk}",
    )
    visible_targets = set(
        selectors.targets_visible_to(request.user)
        .filter(visit__in=[v.pk for v in page])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "outreach/campaign_detail.html",
        {
            "campaign": campaign,
            "districts": campaign.districts.all(),
            "agencies": campaign.visiting_agencies.all(),
            "filter_form": filter_form,
            "page": page,
            "visible_targets": visible_targets,
            "flagged_count": selectors.flagged_untargeted(campaign).count(),
            "can_manage": request.user.is_desk_staff,
        },
    )


def campaign_edit(request, pk):
    campaign = _campaign(request, pk, manage=True)
    form = forms.CampaignForm(request.POST or None, instance=campaign)
    write = partial(services.campaign_update, actor=request.user, campaign=campaign)
    saved = crud.save_form(
        request, form, write, _("世帯訪問調査を保存しました。"), edit=True, refused=REFUSED
    )
    if saved is not None:
        return redirect("outreach:campaign_detail", pk=campaign.pk)
    return render(request, "outreach/campaign_form.html", {"form": form, "campaign": campaign})


@require_POST
def campaign_add_households(request, pk):
    campaign = _campaign(request, pk, manage=True)
    added = services.campaign_add_households(actor=request.user, campaign=campaign)
    if added:
        messages.success(request, _("訪問先を %(n)s 世帯追加しました。") % {"n": added})
    else:
        messages.info(request, _("追加する世帯はありません。"))
    return redirect("outreach:campaign_detail", pk=campaign.pk)


@require_POST
def campaign_make_targets(request, pk):
    campaign = _campaign(request, pk, manage=True)
    created = services.campaign_flagged_to_targets(actor=request.user, campaign=campaign)
    if created:
        messages.success(
            request,
            _("気になる点のあった %(n)s 世帯をアウトリーチ対象にしました。") % {"n": len(created)},
        )
    else:
        messages.info(request, _("対象にする世帯はありません。"))
    return redirect("outreach:campaign_detail", pk=campaign.pk)


def visit_edit(request, pk, visit_pk):
    campaign = _campaign(request, pk)
    visit = get_object_or_404(
        VisitRecord.objects.select_related("household", "household__district"),
        pk=visit_pk,
        campaign=campaign,
    )
    initial = {
        "result": visit.result,
        "visited_on": visit.visited_on or timezone.localdate(),
        "note": visit.note,
        "version": visit.version,
    }
    form = forms.VisitForm(request.POST or None, initial=initial)
    write = partial(services.visit_record, actor=request.user, visit=visit)
    saved = crud.save_form(
        request,
        form,
        write,
        _("%(name)sの訪問を記録しました。") % {"name": visit.household.name},
        edit=True,
        refused=REFUSED,
    )
    if saved is not None:
        return redirect("outreach:campaign_detail", pk=campaign.pk)
    log_access(user=request.user, obj=visit.household, request=request, detail=f"visit:{visit.pk}")
    return render(
        request,
        "outreach/visit_form.html",
        {"form": form, "campaign": campaign, "visit": visit},
    )
