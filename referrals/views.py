from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts import services as account_services
from accounts.audit import log_access, log_reads
from accounts.models import Agency
from cases import sharing
from cases.choices import GrantScope
from common.ratelimit import ratelimit
from common.services import StaleEdit
from referrals import selectors, services
from referrals.choices import GRANTED_STATUSES, TRANSITIONS, ReferralStatus, Side
from referrals.forms import (
    SCOPE_HELP,
    AgencyForm,
    AgencySearchForm,
    CancelForm,
    DeclineForm,
    DeskReferralForm,
    NoteForm,
    ReferralForm,
    ReferralRecordForm,
)

# ---------------------------------------------------------------- access helpers


def _case_worker_or_404(request):
    if not request.user.works_on_cases:
        raise Http404


def _referral(request, pk):
    return selectors.get_referral_for_user(request.user, pk, request=request)


def _case_for_referral_new(request):
    """The case named by ?case= (or the posted case), which the user must lead."""
    raw = request.GET.get("case") or request.POST.get("case") or ""
    try:
        pk = int(raw)
    except ValueError:
        raise Http404 from None
    return sharing.get_case_for_user(request.user, pk, action="change", request=request)


def _sent(request, form) -> bool:
    """A valid POST of a form that passes a person on. Sending on a legal exemption
    instead of the person's consent asks for the password again (accounts.reauth)."""
    return (
        request.method == "POST"
        and form.is_valid()
        and reauth.override_confirmed(request, form, bool(form.cleaned_data["exemption_reason"]))
    )


def _staff_or_404(request):
    if not request.user.is_staff:
        raise Http404


# ---------------------------------------------------------------- inbox


def inbox(request):
    """The inbox (referrals to my agency); desk staff also get the sent tab here."""
    _case_worker_or_404(request)
    tab = request.GET.get("tab")
    if tab not in (selectors.RECEIVED, selectors.SENT):
        tab = selectors.RECEIVED
    page = Paginator(selectors.inbox(request.user, tab=tab), 30).get_page(request.GET.get("page"))
    page.object_list = selectors.inbox_rows(page.object_list, tab)
    # The persons the page names are read: logged as a list's reads are.
    log_reads(
        user=request.user,
        objects=[p for r in page.object_list if r.shows_contents for p in r.listed_persons],
        request=request,
        detail="inbox",
    )
    return render(
        request,
        "referrals/inbox.html",
        {
            "page": page,
            "tab": tab,
            "my_agency_ids": request.user.agency_ids,
            "show_sent_tab": tab == selectors.SENT
            or request.user.is_desk_staff
            or selectors.has_sent(request.user),
        },
    )


# ---------------------------------------------------------------- send


def referral_new(request):
    case = _case_for_referral_new(request)
    form = reauth.add_password_field(ReferralForm(request.POST or None, case=case), request)
    if _sent(request, form):
        data = form.cleaned_data
        try:
            referral = services.referral_send(
                actor=request.user,
                case=case,
                to_agency=data["to_agency"],
                persons=list(data["persons"]),
                reason=data["reason"],
                request=data["request"],
                scope=data["scope"],
                consent=data["consent"],
                exemption_reason=data["exemption_reason"],
                exemption_note=data["exemption_note"],
                sent_at=form.sent_at(),
            )
        except services.ReferralRefused as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(agency)sへ繋ぎを送りました。") % {"agency": referral.to_agency.name},
            )
            return redirect("referrals:referral_detail", pk=referral.pk)
    # The form lists the case's members and their consents by name.
    log_access(user=request.user, obj=case, request=request, detail="referral_new")
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "case": case, "scope_help": SCOPE_HELP},
    )


def consent_options(request):
    """htmx: the consent choices that cover the agency picked in the referral form."""
    case = _case_for_referral_new(request)
    form = ReferralForm(initial={"to_agency": request.GET.get("to_agency")}, case=case)
    log_access(user=request.user, obj=case, request=request, detail="consent_options")
    return render(
        request,
        "referrals/_consent_field.html",
        {"field": form["consent"], "agency": form.selected_agency()},
    )


# ---------------------------------------------------------------- detail and steps


def _detail_context(request, referral, **forms):
    user = request.user
    sides = services.sides_of(user, referral)
    is_sender = Side.SENDER in sides
    show_content = is_sender or referral.basis_holds
    persons = list(referral.persons.order_by("pk")) if show_content else []
    for person in persons:
        log_access(
            user=user,
            obj=person,
            person_id=person.pk,
            request=request,
            detail=f"referral:{referral.pk}",
        )
    allowed = {
        to for (frm, to), side in TRANSITIONS.items() if frm == referral.status and side in sides
    }
    is_receiver = Side.RECEIVER in sides
    can_log = is_receiver and referral.status in (
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
    )
    context = {
        "referral": referral,
        "persons": persons,
        "show_content": show_content,
        "is_sender": is_sender,
        "is_receiver": is_receiver,
        "events": selectors.referral_events(referral),
        "can_see_case": sharing.can(user, referral.case, "summary"),
        "can_see_records": sharing.can(user, referral.case, "records"),
        "can_log": can_log,
        "own_records": selectors.receiver_records(referral) if is_receiver else [],
        **{
            f"{prefix}_form": _step_form(to_status) if to_status in allowed else None
            for to_status, (_form, prefix, _field, _done, _label) in STEPS.items()
        },
        "scope_help": SCOPE_HELP.get(GrantScope(referral.scope), ""),
    }
    # What the receiving agency effectively sees of the case and why: its widest basis,
    # which may be wider than this referral's 開示範囲 (a plan role, a share).
    access = sharing.agency_access(referral.case, referral.to_agency)
    context["to_access"] = [access] if access.scope else []
    context["wider_than_referral"] = bool(access.scope) and access.is_wider_than(referral.scope)
    context.update({k: v for k, v in forms.items() if v is not None})
    return context


def referral_detail(request, pk):
    referral = _referral(request, pk)
    return render(request, "referrals/referral_detail.html", _detail_context(request, referral))


# to_status -> (form class, form prefix, form field holding the note, success message,
# label of the step's date)
STEPS = {
    ReferralStatus.ACCEPTED: (
        NoteForm,
        "accept",
        "note",
        gettext_lazy("繋ぎを受理しました。"),
        gettext_lazy("受理日"),
    ),
    ReferralStatus.DECLINED: (
        DeclineForm,
        "decline",
        "reason",
        gettext_lazy("繋ぎを辞退しました。"),
        gettext_lazy("辞退日"),
    ),
    ReferralStatus.IN_PROGRESS: (
        NoteForm,
        "start",
        "note",
        gettext_lazy("対応を開始しました。"),
        gettext_lazy("対応開始日"),
    ),
    ReferralStatus.COMPLETED: (
        NoteForm,
        "complete",
        "note",
        gettext_lazy("繋ぎを完了しました。"),
        gettext_lazy("完了日"),
    ),
    ReferralStatus.CANCELLED: (
        CancelForm,
        "cancel",
        "reason",
        gettext_lazy("繋ぎを取り消しました。"),
        gettext_lazy("取消日"),
    ),
}


def _step_form(to_status, data=None):
    form_class, prefix, _field, _done, date_label = STEPS[to_status]
    return form_class(data, prefix=prefix, date_label=date_label)


@require_POST
def referral_step(request, pk, to_status):
    """One step of the referral (受理, 辞退, 対応開始, 完了, 取消; the URL names it): the
    step's form from STEPS, then referrals.services.referral_transition decides."""
    referral = _referral(request, pk)
    _form_class, prefix, field, done, _label = STEPS[to_status]
    form = _step_form(to_status, request.POST)
    if form.is_valid():
        try:
            services.referral_transition(
                actor=request.user,
                referral=referral,
                to_status=to_status,
                note=form.cleaned_data[field],
                on=form.cleaned_data["on"],
            )
        except services.ReferralRefused as exc:
            if exc.code != "date":
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("referrals:referral_detail", pk=referral.pk)
            form.add_error("on", exc)  # the day is wrong: shown beside it, nothing saved
        else:
            messages.success(request, str(done))
            return redirect("referrals:referral_detail", pk=referral.pk)
    context = _detail_context(request, referral, **{f"{prefix}_form": form})
    return render(request, "referrals/referral_detail.html", context)


# ---------------------------------------------------------------- the receiver's records


def record_add(request, pk):
    """The receiver logs its support against the referral, without reading the file."""
    referral = _referral(request, pk)
    if (
        Side.RECEIVER not in services.sides_of(request.user, referral)
        or referral.status not in GRANTED_STATUSES
    ):
        raise Http404
    form = ReferralRecordForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_record_create(
                actor=request.user,
                referral=referral,
                occurred_at=form.occurred_at(),
                kind=data["kind"],
                project=data["project"],
                narrative=data["narrative"],
                persons=list(data["persons"]),
                minutes=data["minutes"],
                referred_to=data["referred_to"],
            )
        except services.ReferralRefused as exc:
            form.add_error("referred_to" if exc.code == "referred_to" else None, exc)
        else:
            messages.success(request, _("支援経過を記録しました。"))
            return redirect("referrals:referral_detail", pk=referral.pk)
    # The form names the referral's persons, as its detail page does.
    log_reads(
        user=request.user,
        objects=list(referral.persons.order_by("pk")),
        request=request,
        detail=f"referral:{referral.pk}",
    )
    return render(
        request,
        "referrals/record_form.html",
        {"form": form, "referral": referral},
    )


# ---------------------------------------------------------------- to the desk


def to_desk(request):
    """A partner agency refers a person to the desk (相談受付・関係機関から)."""
    _case_worker_or_404(request)
    agency = request.user.primary_agency
    if agency is None or agency.is_desk:
        raise Http404
    desks = services.desk_agencies()
    form = reauth.add_password_field(DeskReferralForm(request.POST or None, desks=desks), request)
    if _sent(request, form):
        data = form.cleaned_data
        try:
            services.desk_referral_create(
                actor=request.user,
                from_agency=agency,
                desk_agency=data["desk_agency"],
                person_name=data["person_name"],
                person_name_kana=data["person_name_kana"],
                person_birth_date=data["person_birth_date"],
                person_contact=data["person_contact"],
                summary=data["summary"],
                wishes=data["wishes"],
                categories=list(data["categories"]),
                urgency=data["urgency"],
                consent_status=data["consent_status"],
                consent_on=data["consent_date"],
                exemption_reason=data["exemption_reason"],
                exemption_note=data["exemption_note"],
            )
        except services.ReferralRefused as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(desk)sへ相談を送りました。窓口で受け付けられます。")
                % {"desk": data["desk_agency"].name},
            )
            return redirect("referrals:inbox")
    return render(request, "referrals/to_desk.html", {"form": form, "agency": agency})


# ---------------------------------------------------------------- notifications


def notification_list(request):
    """The user's notices; the ones shown are marked read."""
    page = Paginator(selectors.notifications_for(request.user), 30).get_page(
        request.GET.get("page")
    )
    notices = list(page.object_list)
    unread = [n for n in notices if n.read_at is None]
    services.notifications_mark_read(actor=request.user, notifications=unread)
    return render(
        request,
        "referrals/notification_list.html",
        {"page": page, "notices": notices, "unread_ids": {n.pk for n in unread}},
    )


def notification_badge(request):
    """htmx: the top bar's referral links with the unread count, loaded after the page
    so that no page pays a query for them. Without JavaScript the page keeps the plain
    links it rendered."""
    return render(
        request,
        "referrals/_notification_badge.html",
        {
            "unread": selectors.unread_count(request.user),
            "works_on_cases": request.user.works_on_cases,
        },
    )


# ---------------------------------------------------------------- agency directory


@ratelimit(scope="search")
def agency_list(request):
    form = AgencySearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    agencies = selectors.agency_directory(
        q=data.get("q", ""),
        kind=data.get("kind", ""),
        include_inactive=request.user.is_staff,
    )
    page = Paginator(agencies, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/agency_list.html",
        {"form": form, "page": page, "q": data.get("q", "")},
    )


def _agency(request, pk):
    qs = Agency.objects.all() if request.user.is_staff else Agency.objects.filter(is_active=True)
    return get_object_or_404(qs, pk=pk)


def agency_detail(request, pk):
    agency = _agency(request, pk)
    return render(request, "referrals/agency_detail.html", {"agency": agency})


def agency_edit(request, pk):
    _staff_or_404(request)
    agency = _agency(request, pk)
    form = AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        changed = {n: form.cleaned_data[n] for n in form.changed_data if n != "version"}
        # ModelForm validation already wrote the values onto the instance; reload
        # so the service sees (and records) the change itself.
        agency.refresh_from_db()
        try:
            if changed:
                account_services.agency_update(
                    actor=request.user,
                    agency=agency,
                    expected_version=form.cleaned_data.get("version"),
                    **changed,
                )
        except StaleEdit as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("機関の情報を保存しました。"))
            return redirect("referrals:agency_detail", pk=agency.pk)
    return render(request, "referrals/agency_form.html", {"form": form, "agency": agency})
