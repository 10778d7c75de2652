"""Person pages: the disclosure (開示請求), moving a person to another household and
merging two registrations of one person. Every access question goes to
households.access; these views only parse, confirm, call the service and redirect."""

import json
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import reauth
from accounts.audit import log_access, log_denied, log_reads
from accounts.models import AccessLog
from common.pdf import pdf_response, render_pdf
from common.services import StaleEdit
from households import contact, disclosure, services
from households.access import get_household_for_user, may_answer_disclosure, sort_duplicates
from households.forms_people import DisclosureForm, MergeForm, MoveForm
from households.models import HouseholdMembership, Person


def _membership_for_user(request, pk, membership_pk, *, action):
    household = get_household_for_user(request.user, pk, action=action)
    membership = get_object_or_404(
        HouseholdMembership.objects.select_related("person", "household"),
        pk=membership_pk,
        household=household,
    )
    return household, membership


# ---------------------------------------------------------------- disclosure


def _disclosure_subject(request, pk, membership_pk):
    household, membership = _membership_for_user(request, pk, membership_pk, action="view")
    if not may_answer_disclosure(request.user):
        log_denied(
            user=request.user,
            object_type="households.person",
            object_id=membership.person_id,
            request=request,
            detail="disclosure",
        )
        raise PermissionDenied
    return household, membership.person


def _log_person_read(request, person, detail: str = "") -> None:
    log_access(user=request.user, obj=person, person_id=person.pk, request=request, detail=detail)


def disclosure_page(request, pk, membership_pk):
    household, person = _disclosure_subject(request, pk, membership_pk)
    form = DisclosureForm(initial={"redact": "1"})
    _log_person_read(request, person)
    return render(
        request,
        "households/disclosure.html",
        {"household": household, "person": person, "form": form, "membership_pk": membership_pk},
    )


def _log_export(request, ctx, detail):
    for person_id in ctx.person_ids:
        log_access(
            user=request.user,
            object_type="households.person",
            object_id=person_id,
            person_id=person_id,
            outcome=AccessLog.Outcome.EXPORT,
            request=request,
            detail=detail,
        )


@reauth.recent_auth_required
def disclosure_pdf(request, pk, membership_pk):
    household, person = _disclosure_subject(request, pk, membership_pk)
    form = DisclosureForm(request.GET or None)
    ctx, sections = disclosure.collect(person=person, user=request.user, redact=form.redact_on)
    data = render_pdf(
        "households/pdf/disclosure.html",
        {
            "ctx": ctx,
            "person": person,
            "sections": sections,
            "omissions": disclosure.omissions_list(ctx),
            "printed_at": timezone.localtime(),
            "printed_by": request.user,
        },
    )
    _log_export(request, ctx, f"disclosure_pdf:{'redacted' if ctx.redact else 'full'}")
    return pdf_response(data, f"開示_{person.pk}.pdf", inline=False)


@reauth.recent_auth_required
def disclosure_json(request, pk, membership_pk):
    household, person = _disclosure_subject(request, pk, membership_pk)
    form = DisclosureForm(request.GET or None)
    ctx, sections = disclosure.collect(person=person, user=request.user, redact=form.redact_on)
    body = json.dumps(disclosure.as_json(ctx, sections), ensure_ascii=False, indent=1)
    _log_export(request, ctx, f"disclosure_json:{'redacted' if ctx.redact else 'full'}")
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(f'開示_{person.pk}.json')}"
    )
    response["Cache-Control"] = "no-store, private"
    return response


# ---------------------------------------------------------------- moving


def person_move(request, pk, membership_pk):
    household, membership = _membership_for_user(request, pk, membership_pk, action="change")
    if membership.until is not None:
        raise Http404  # only a current membership can be moved on
    person = membership.person
    form = MoveForm(request.POST or None, user=request.user, membership=membership)
    confirmed = request.POST.get("confirm") == "1"
    if request.method == "POST" and form.is_valid():
        if confirmed:
            try:
                services.person_move(
                    actor=request.user,
                    membership=membership,
                    to_household=form.target,
                    relationship=form.cleaned_data["relationship"],
                    on=form.cleaned_data["on"],
                    expected_version=form.cleaned_data.get("version"),
                )
            except StaleEdit as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(name)sさんを%(to)sへ移動しました。")
                    % {"name": person.full_name, "to": form.target.name},
                )
                return redirect("households:detail", pk=form.target.pk)
        else:
            contact.prime(request.user, households=[household, form.target])
            _log_person_read(request, person, "move_confirm")
            # The target household's name and address are shown beside it: a read too.
            log_access(user=request.user, obj=form.target, request=request, detail="move_confirm")
            return render(
                request,
                "households/person_move_confirm.html",
                {
                    "form": form,
                    "household": household,
                    "target": form.target,
                    "membership": membership,
                    "person": person,
                    "on": form.cleaned_data["on"],
                    "ends_on": _day_before(form.cleaned_data["on"], membership.since),
                    "relationship": dict(form.fields["relationship"].choices)[
                        form.cleaned_data["relationship"]
                    ],
                },
            )
    _log_person_read(request, person, "move")
    return render(
        request,
        "households/person_move.html",
        {"form": form, "household": household, "membership": membership, "person": person},
    )


def _day_before(on, since):
    import datetime as dt

    day = on - dt.timedelta(days=1)
    return max(day, since) if since else day


# ---------------------------------------------------------------- merging


@dataclass
class Candidate:
    person: Person
    household: object
    membership: HouseholdMembership

    @property
    def label(self) -> str:
        from common.wareki import format_date

        return _("%(name)s（%(kana)s、%(birth)s生、%(household)s、登録番号 %(pk)d）") % {
            "name": self.person.full_name,
            "kana": self.person.full_name_kana,
            "birth": format_date(self.person.birth_date) if self.person.birth_date else "—",
            "household": self.household.name,
            "pk": self.person.pk,
        }


def _merge_candidates(request, person, household) -> list[Candidate]:
    """Possible duplicates the user may be told of (households.access.sort_duplicates)
    whose current household the user may change: same ふりがな and birth date, or the
    same ふりがな in this household."""
    found = services.possible_duplicates(
        family_name_kana=person.family_name_kana,
        given_name_kana=person.given_name_kana,
        birth_date=person.birth_date,
        exclude_pk=person.pk,
    )
    same_household = Person.objects.filter(
        name_kana=person.name_kana,
        household_memberships__household=household,
        household_memberships__until__isnull=True,
    ).exclude(pk=person.pk)
    shown = sort_duplicates(request.user, list(found) + list(same_household)).shown
    out = []
    for other in shown:
        membership = (
            HouseholdMembership.objects.filter(person=other, until__isnull=True)
            .select_related("household")
            .first()
        )
        if membership is None:
            continue
        try:
            other_household = get_household_for_user(
                request.user, membership.household_id, action="change"
            )
        except Http404:
            continue
        out.append(Candidate(other, other_household, membership))
    return out


def person_merge(request, pk, membership_pk):
    household, membership = _membership_for_user(request, pk, membership_pk, action="change")
    person = membership.person
    candidates = _merge_candidates(request, person, household)
    form = MergeForm(request.POST or None, person=person, candidates=candidates)
    confirmed = request.POST.get("confirm") == "1"
    if request.method == "POST" and form.is_valid():
        other = form.chosen.person
        survivor, merged = (
            (person, other) if form.cleaned_data["keep"] == "this" else (other, person)
        )
        versions = {
            person.pk: form.cleaned_data.get("version"),
            other.pk: form.cleaned_data.get("other_version"),
        }
        if membership.until is None and form.chosen.household.pk != household.pk:
            # The service refuses it too; said at the first step, beside the choice.
            form.add_error(
                "other",
                _(
                    "二人は現在それぞれ別の世帯に属しています。先に一方を同じ世帯へ移動してから"
                    "統合してください。"
                ),
            )
        elif confirmed:
            try:
                services.person_merge(
                    actor=request.user,
                    survivor=survivor,
                    merged=merged,
                    survivor_version=versions[survivor.pk],
                    merged_version=versions[merged.pk],
                )
            except StaleEdit as exc:
                form.add_error(None, exc)
            except services.MergeRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(name)sさんの重複した登録を統合しました。") % {"name": survivor.full_name},
                )
                current = HouseholdMembership.objects.filter(
                    person=survivor, until__isnull=True
                ).first()
                return redirect("households:detail", pk=current.household_id if current else pk)
        else:
            for p in (person, other):
                _log_person_read(request, p, "merge_confirm")
            contact.prime(request.user, persons=[person, other])
            return render(
                request,
                "households/person_merge_confirm.html",
                {
                    "form": form,
                    "household": household,
                    "membership": membership,
                    "person": person,
                    "survivor": survivor,
                    "merged": merged,
                    "moves": services.person_link_counts(merged),
                    "merged_memberships": merged.household_memberships.select_related(
                        "household"
                    ).order_by("since", "pk"),
                    "filled": _filled_fields(survivor, merged),
                },
            )
    _log_person_read(request, person, "merge")
    # The choice of whom to merge with names each candidate: a read of each.
    log_reads(
        user=request.user,
        objects=[c.person for c in candidates],
        request=request,
        detail="merge_candidate",
    )
    return render(
        request,
        "households/person_merge.html",
        {
            "form": form,
            "household": household,
            "membership": membership,
            "person": person,
            "candidates": candidates,
        },
    )


def _filled_fields(survivor, merged) -> list[str]:
    """Labels of the survivor's empty fields the merge fills from the merged row (the
    values are not shown: phones may be hidden by 住所秘匿)."""
    out = []
    for f in Person._meta.concrete_fields:
        if f.primary_key or not f.editable or f.name in ("registered_by_agency", "version"):
            continue
        mine, theirs = getattr(survivor, f.attname), getattr(merged, f.attname)
        if isinstance(mine, bool):
            if theirs and not mine:
                out.append(str(f.verbose_name))
        elif mine in (None, "") and theirs not in (None, ""):
            out.append(str(f.verbose_name))
    return out
