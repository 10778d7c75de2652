"""The genogram's related persons and the eco-map's lines (the drawings themselves are
a panel of the household page: cases.family_maps)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import log_reads
from households import ecomap, services
from households.access import get_household_for_user
from households.forms_family import EcoTieForm, RelatedPersonForm
from households.models import HouseholdMembership, RelatedPerson


def _anchors(household):
    members = HouseholdMembership.objects.filter(
        household=household, until__isnull=True
    ).select_related("person")
    out = [
        (f"p:{m.person_id}", f"{m.person.full_name}（{m.get_relationship_display()}）")
        for m in members.order_by("pk")
    ]
    out += [
        (f"r:{r.pk}", f"{r.label}（{r.get_relation_display()}）")
        for r in RelatedPerson.objects.filter(household=household).order_by("pk")
    ]
    return out


def _to_maps(household):
    return redirect(reverse("households:detail", args=[household.pk]) + "#family-maps")


def related_add(request, pk):
    household = get_household_for_user(request.user, pk, action="change")
    form = RelatedPersonForm(request.POST or None, anchors=_anchors(household))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        kind, _sep, anchor_id = data.pop("anchor").partition(":")
        if kind == "p":
            data["of_person"] = HouseholdMembership.objects.get(
                household=household, until__isnull=True, person_id=anchor_id
            ).person
        else:
            data["of_related"] = RelatedPerson.objects.get(household=household, pk=anchor_id)
        services.related_person_add(actor=request.user, household=household, **data)
        messages.success(request, _("世帯外の関係者を追加しました。"))
        return _to_maps(household)
    # The anchor picker names the household's members: a read of each.
    log_reads(
        user=request.user,
        objects=[m.person for m in household.current_memberships()],
        request=request,
        detail=f"related_add:{household.pk}",
    )
    return render(
        request, "households/related_person_form.html", {"form": form, "household": household}
    )


@require_POST
def related_remove(request, pk, related_pk):
    household = get_household_for_user(request.user, pk, action="change")
    related = get_object_or_404(RelatedPerson, household=household, pk=related_pk)
    services.related_person_remove(actor=request.user, related=related)
    messages.success(request, _("世帯外の関係者を削除しました。"))
    return _to_maps(household)


@require_POST
def eco_tie(request, pk):
    household = get_household_for_user(request.user, pk, action="change")
    form = EcoTieForm(request.POST)
    keys = {n.key for n in ecomap.household_nodes(request.user, household)}
    if not form.is_valid():
        messages.error(request, _("関係の種類を一覧から選んでください。"))
    elif form.cleaned_data["node"] not in keys:
        messages.error(request, _("この世帯のエコマップにない機関です。画面を開き直してください。"))
    else:
        ecomap.eco_tie_set(
            actor=request.user,
            household=household,
            node_key=form.cleaned_data["node"],
            kind=form.cleaned_data["kind"],
        )
        messages.success(request, _("エコマップの関係を保存しました。"))
    return _to_maps(household)
