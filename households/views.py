from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import log_access, log_reads
from common.paging import Page
from common.ratelimit import ratelimit
from common.services import StaleEdit
from households import contact, services
from households.access import get_household_for_user, may_answer_disclosure, sort_duplicates
from households.forms import (
    ConsentForm,
    HouseholdForm,
    MemberForm,
    MembershipForm,
    PersonForm,
    SearchForm,
    WithdrawConsentForm,
)
from households.models import Consent, HouseholdMembership
from households.selectors import (
    LOOKUP_PAGE,
    household_members,
    household_search_page,
    recent_households_page,
    search_hint,
)
from households.views_attachments import household_attachments_panel


def _agency_or_404(request):
    agency = request.user.primary_agency
    if agency is None or not request.user.works_on_cases:
        raise Http404
    return agency


def _update_fields(form) -> dict:
    """An edit form's fields as an update service takes them: the version the form was
    loaded at becomes expected_version, so a stale edit is refused."""
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    return {**data, "expected_version": form.cleaned_data.get("version")}


def _log_household_read(request, household, members):
    for m in members:
        log_access(
            user=request.user,
            obj=m.person,
            person_id=m.person_id,
            request=request,
            detail=f"household:{household.pk}",
        )
    if not members:
        log_access(user=request.user, obj=household, request=request)


@ratelimit(scope="search")
def household_search_view(request):
    _agency_or_404(request)
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    cursor = {"after": request.GET.get("after", ""), "before": request.GET.get("before", "")}
    if q:
        page = household_search_page(request.user, q, page=request.GET.get("page"), **cursor)
    elif form.is_bound and not form.is_valid():
        page = Page([])  # too short to search: the message stands beside the field
    else:
        page = recent_households_page(request.user, **cursor)
    page.links(request.GET)
    # The address column asks households.access per household: decided for the page at once.
    contact.prime(request.user, households=page.object_list)
    log_reads(user=request.user, objects=page.object_list, request=request, detail="search")
    template = "households/search.html"
    if request.htmx and request.htmx.target == "search-results":
        template += "#results"
    return render(request, template, {"form": form, "page": page, "q": q})


@ratelimit(scope="search")
def household_lookup(request):
    """htmx: inline household lookup for the consultation form (the first LOOKUP_PAGE
    matches; more means the search should be narrowed)."""
    _agency_or_404(request)
    # NUL cannot go into a PostgreSQL query (the search page's form refuses it).
    q = request.GET.get("q", "").replace("\x00", "")[:100].strip()
    hint = search_hint(q) if q else ""
    page = household_search_page(request.user, q, per_page=LOOKUP_PAGE) if q and not hint else None
    if page is not None:
        log_reads(user=request.user, objects=page.object_list, request=request, detail="lookup")
    # A result list replaced while the user had already picked a household keeps the
    # pick (two lookups can answer out of order while typing).
    selected = request.GET.get("household", "")
    selected = int(selected) if selected.isdecimal() else None  # isdigit() lets "²" by
    return render(
        request,
        "households/_lookup.html",
        {
            "households": page.object_list if page else [],
            "more": bool(page and page.has_next),
            "hint": hint,
            "q": q,
            "selected": selected,
        },
    )


def household_create(request):
    agency = _agency_or_404(request)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        household = services.household_create(actor=request.user, agency=agency, **data)
        messages.success(request, _("世帯を登録しました。続けて世帯員を追加してください。"))
        return redirect("households:member_add", pk=household.pk)
    return render(request, "households/household_form.html", {"form": form})


def household_detail(request, pk):
    household = get_household_for_user(request.user, pk)
    members = list(household_members(household))
    current = [m for m in members if m.until is None]
    consents = (
        Consent.objects.filter(person__in=[m.person_id for m in members])
        .select_related("person", "recorded_by")
        .prefetch_related("agencies")
        # A withdrawn file (取り消し) is not the consent's signed form.
        .annotate(
            attachment_count=Count("attachments", filter=Q(attachments__withdrawn_at__isnull=True))
        )
    )
    _log_household_read(request, household, current)
    contact.prime(request.user, households=[household], persons=[m.person for m in members])
    history = household.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            "members": members,
            "consents": consents,
            "history": history,
            "show_confidential": household.can_see_confidential
            or not household.is_address_confidential,
            "extra_panels": household_panels(request, household),
            "attach": household_attachments_panel(request, household),
            "today": timezone.localdate(),  # the 撤回日 boxes start at today (和暦)
        },
    )


def household_panels(request, household):
    """Panels other apps add to the household page (cases register theirs)."""
    from households.registry import panels_for

    return panels_for(request, household)


def household_edit(request, pk):
    household = get_household_for_user(request.user, pk, action="change")
    if household.is_address_confidential and not household.can_see_confidential:
        raise Http404
    form = HouseholdForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                actor=request.user, household=household, **_update_fields(form)
            )
        except StaleEdit as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("世帯の情報を保存しました。"))
            return redirect("households:detail", pk=household.pk)
    log_access(user=request.user, obj=household, request=request, detail="edit")
    return render(request, "households/household_form.html", {"form": form, "household": household})


def member_add(request, pk):
    household = get_household_for_user(request.user, pk, action="change")
    agency = _agency_or_404(request)
    form = MemberForm(request.POST or None)
    duplicates, hidden_duplicates = [], 0
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        found = services.possible_duplicates(
            family_name_kana=data["family_name_kana"],
            given_name_kana=data["given_name_kana"],
            birth_date=data["birth_date"],
        )
        if not data.get("confirm_not_duplicate"):
            # A match in hiding is not mentioned at all (households.access.sort_duplicates);
            # with no other match the person is saved as if none existed.
            matches = sort_duplicates(request.user, found.prefetch_related("household_memberships"))
            duplicates, hidden_duplicates = matches.shown, matches.counted
        if not (duplicates or hidden_duplicates):
            relationship = data.pop("relationship")
            since = data.pop("since")
            data.pop("confirm_not_duplicate", None)
            services.person_add_to_household(
                actor=request.user,
                agency=agency,
                household=household,
                relationship=relationship,
                since=since,
                **data,
            )
            messages.success(request, _("世帯員を追加しました。"))
            if "add_another" in request.POST:
                return redirect("households:member_add", pk=household.pk)
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/member_form.html",
        {
            "form": form,
            "household": household,
            "duplicates": duplicates,
            "hidden_duplicates": hidden_duplicates,
        },
    )


def _membership_for_user(request, household_pk, membership_pk):
    household = get_household_for_user(request.user, household_pk, action="change")
    membership = get_object_or_404(
        HouseholdMembership.objects.select_related("person"), pk=membership_pk, household=household
    )
    return household, membership


def person_edit(request, pk, membership_pk):
    household, membership = _membership_for_user(request, pk, membership_pk)
    if household.is_address_confidential and not household.can_see_confidential:
        raise Http404
    person = membership.person
    form = PersonForm(request.POST or None, instance=person)
    mform = MembershipForm(
        request.POST or None,
        prefix="m",
        initial={
            "relationship": membership.relationship,
            "since": membership.since,
            "until": membership.until,
            "version": membership.version,
        },
    )
    if request.method == "POST" and form.is_valid() and mform.is_valid():
        # A form whose fields (and loaded version) match the stored row saves nothing,
        # so an edit of the 続柄 alone does not make an open person form stale.
        refused_in = form
        try:
            with transaction.atomic():
                if form.has_changed():
                    services.person_update(
                        actor=request.user, person=person, **_update_fields(form)
                    )
                refused_in = mform
                if mform.has_changed():
                    services.membership_update(
                        actor=request.user, membership=membership, **_update_fields(mform)
                    )
        except StaleEdit as exc:
            refused_in.add_error(None, exc)
        else:
            messages.success(request, _("世帯員の情報を保存しました。"))
            return redirect("households:detail", pk=household.pk)
    log_access(user=request.user, obj=person, person_id=person.pk, request=request)
    return render(
        request,
        "households/person_form.html",
        {
            "form": form,
            "mform": mform,
            "household": household,
            "person": person,
            "can_disclose": may_answer_disclosure(request.user),
        },
    )


def consent_add(request, pk):
    household = get_household_for_user(request.user, pk, action="change")
    form = ConsentForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.consent_record(
            actor=request.user,
            person=data["person"],
            agencies=data["agencies"],
            purpose=data["purpose"],
            method=data["method"],
            obtained_on=data["obtained_on"],
            expires_on=data["expires_on"],
        )
        messages.success(request, _("本人同意を記録しました。"))
        return redirect("households:detail", pk=household.pk)
    # The form lists the current members by name to choose who consented.
    _log_household_read(request, household, list(household.current_memberships()))
    return render(request, "households/consent_form.html", {"form": form, "household": household})


@require_POST
def consent_withdraw(request, pk, consent_pk):
    household = get_household_for_user(request.user, pk, action="change")
    consent = get_object_or_404(
        Consent, pk=consent_pk, person__household_memberships__household=household
    )
    form = WithdrawConsentForm(request.POST, consent=consent)
    if consent.withdrawn_on:
        messages.error(request, _("この同意はすでに撤回されています。"))
    elif form.is_valid():
        services.consent_withdraw(
            actor=request.user, consent=consent, on=form.cleaned_data["withdrawn_on"]
        )
        messages.success(request, _("本人同意の撤回を記録しました。共有は直ちに停止されました。"))
    else:
        for error in form.errors.get("withdrawn_on", []):
            messages.error(request, error)
    return redirect("households:detail", pk=household.pk)
