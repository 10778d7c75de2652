"""Meeting pages. Thin: fetch through selectors (404 for what the user may not see),
parse the form, call a service, redirect or render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_access
from accounts.models import AccessLog
from cases import sharing
from cases.choices import PlanStatus
from common.corrections import corrections_by_object
from common.pdf import pdf_response, render_pdf
from common.services import StaleEdit
from meetings import selectors, services
from meetings.choices import MeetingKind
from meetings.forms import (
    AddendumForm,
    AttendeeForm,
    CancelForm,
    DecisionForm,
    ExternalAttendeeForm,
    MeetingFilterForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    RoleForm,
)
from meetings.models import AgendaItem
from meetings.views_attachments import meeting_attachments_panel

# ---------------------------------------------------------------- access helpers


def _meeting(request, pk):
    return selectors.get_meeting_for_user(request.user, pk, request=request)


def _managed_meeting(request, pk):
    """Only those who run the meeting (chair, organising desk staff); others 404."""
    meeting, access = _meeting(request, pk)
    if not access.can_manage:
        raise Http404
    return meeting, access


def _readable_meeting(request, pk):
    """Briefs and minutes: 404 unless the user may read them (a 支援会議 member only
    after acknowledging 守秘義務)."""
    meeting, access = _meeting(request, pk)
    if not access.can_read:
        raise Http404
    return meeting, access


def _item(meeting, item_pk, access=None):
    """The agenda item; with the user's access, 404 unless they may read it (an item on
    a consent-based meeting whose consent no longer covers the reader's agency)."""
    item = get_object_or_404(
        AgendaItem.objects.select_related("case", "case__household", "meeting"),
        pk=item_pk,
        meeting=meeting,
    )
    if access is not None:
        selectors.mark_readable(meeting, access, [item])
        if not item.readable:
            raise Http404
    return item


def _readable_pks(items) -> list[int]:
    return [item.pk for item in items if item.readable]


def _errors(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}: {e}" if label else e)


def _log_brief_reads(request, meeting, items, detail, outcome=AccessLog.Outcome.READ):
    """Reading a brief or minutes is reading the case: one access row per case (EXPORT
    when it leaves as a PDF)."""
    for item in items:
        if item.case_id and getattr(item, "readable", True):
            log_access(
                user=request.user,
                obj=item.case,
                outcome=outcome,
                request=request,
                detail=f"meeting:{meeting.pk}:{detail}",
            )


def _attempt(request, write, success: str = "", refused=services.MeetingRuleError) -> bool:
    """Run one service call: its refusal becomes error messages, its success the given
    message. Returns whether it succeeded."""
    try:
        write()
    except refused as exc:
        _errors(request, exc)
        return False
    if success:
        messages.success(request, success)
    return True


def _to_detail(meeting, anchor=""):
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + anchor)


def _to_minutes(meeting, anchor=""):
    return redirect(reverse("meetings:minutes", args=[meeting.pk]) + anchor)


# ---------------------------------------------------------------- list, create, detail


def meeting_list(request):
    if not request.user.agency_ids:
        raise Http404
    form = MeetingFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    meetings = selectors.meeting_list(
        request.user,
        kind=data.get("kind", ""),
        when=data.get("when") or "upcoming",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    page = Paginator(meetings.only("pk"), 30).get_page(request.GET.get("page"))
    page.object_list = selectors.meeting_list_rows(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": selectors.can_create_meetings(request.user),
        },
    )


def meeting_create(request):
    if not selectors.can_create_meetings(request.user):
        raise Http404
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") else {}
    form = MeetingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, **form.service_fields())
        except services.MeetingRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("会議を登録しました。構成員と議題を加えてください。"))
            return _to_detail(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form})


def meeting_detail(request, pk):
    meeting, access = _meeting(request, pk)
    items = selectors.agenda(meeting, access)
    if access.can_read:
        _log_brief_reads(request, meeting, items, "brief")
    is_open = meeting.is_open_for_minutes
    manage_open = access.can_manage and is_open
    context = {
        "meeting": meeting,
        "access": access,
        "items": items,
        "members": selectors.members(meeting),
        "other_attendees": selectors.other_attendees(meeting),
        "external_attendees": list(meeting.external_attendees.select_related("agency")),
        "member_form": MemberForm(meeting=meeting) if manage_open else None,
        "attendee_form": (
            AttendeeForm(meeting=meeting) if manage_open and not meeting.is_confidential else None
        ),
        "external_form": ExternalAttendeeForm() if manage_open else None,
        "cancel_form": CancelForm() if manage_open else None,
        "attach": meeting_attachments_panel(request, meeting, access),
    }
    return render(request, "meetings/meeting_detail.html", context)


def meeting_edit(request, pk):
    meeting, _access = _managed_meeting(request, pk)
    if not meeting.is_open_for_minutes:
        messages.error(request, _("確定済み・中止の会議は編集できません。"))
        return _to_detail(meeting)
    form = MeetingForm(request.POST or None, user=request.user, instance=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                actor=request.user,
                meeting=meeting,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except (StaleEdit, services.MeetingRuleError) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("会議を保存しました。"))
            return _to_detail(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@require_POST
def meeting_cancel(request, pk):
    meeting, _access = _managed_meeting(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _to_detail(meeting)
    reason = form.cleaned_data["reason"]
    _attempt(
        request,
        lambda: services.meeting_cancel(actor=request.user, meeting=meeting, reason=reason),
        _("会議を中止しました。"),
    )
    return _to_detail(meeting)


@require_POST
def meeting_finalise(request, pk):
    meeting, access = _managed_meeting(request, pk)
    _attempt(
        request,
        lambda: services.meeting_finalise(actor=request.user, meeting=meeting),
        _("議事録を確定しました。以後の変更は日付入りの追記として記録します。"),
    )
    return _to_minutes(meeting)


# ---------------------------------------------------------------- minutes


def minutes(request, pk):
    """Write (autosave per item) while the meeting is open; read once finalised."""
    meeting, access = _readable_meeting(request, pk)
    return _minutes_page(request, meeting, access)


def _minutes_page(request, meeting, access, bound=None):
    """The minutes page; `bound` holds a form that failed ({"d12": DecisionForm, "r12":
    RoleForm, "addendum": AddendumForm}), shown with its errors beside its fields."""
    bound = bound or {}
    items = selectors.agenda(meeting, access)
    _log_brief_reads(request, meeting, items, "minutes")
    editing = access.can_manage and meeting.is_open_for_minutes
    # 訂正 of finalised minutes, shown under each item (one query for the page).
    corrected = (
        corrections_by_object(AgendaItem, [i.pk for i in items if i.readable])
        if meeting.is_finalised
        else {}
    )
    rows = []
    for item in items:
        if not item.readable:
            rows.append({"item": item})
            continue
        deciding = editing and meeting.is_multilayer and item.case_id and not item.decision
        rows.append(
            {
                "item": item,
                "form": MinutesForm(item=item) if editing else None,
                "decision_form": (
                    bound.get(f"d{item.pk}") or DecisionForm(prefix=f"d{item.pk}")
                    if deciding
                    else None
                ),
                "consented_plan": (
                    item.case.plans.filter(status=PlanStatus.CONSENTED).order_by("-number").first()
                    if deciding
                    else None
                ),
                "role_form": (
                    bound.get(f"r{item.pk}") or RoleForm(prefix=f"r{item.pk}") if editing else None
                ),
                "corrections": corrected.get(item.pk, []),
            }
        )
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "access": access,
            "rows": rows,
            "editing": editing,
            # 議事録を確定する is offered once it can succeed (meeting_finalise refuses
            # a meeting that has not begun).
            "has_started": meeting.starts_at <= timezone.now(),
            "can_correct": services.may_correct_minutes(
                request.user, meeting, can_manage=access.can_manage
            ),
            "addenda": [a for a in meeting.addenda.select_related("added_by", "item")],
            "addendum_form": (
                bound.get("addendum")
                or AddendumForm(meeting=meeting, item_pks=_readable_pks(items))
                if access.can_manage and meeting.is_finalised
                else None
            ),
        },
    )


# ---------------------------------------------------------------- PDFs


def _pdf(request, meeting, access, template, filename, detail):
    items = selectors.agenda(meeting, access)
    if template == "meetings/pdf/agenda.html":
        from cases.family_maps import case_family_maps

        for item in items:
            # Drawn as this reader may see the case (names, agencies): cases.family_maps.
            if getattr(item, "readable", False) and item.case_id:
                item.family_maps = case_family_maps(request.user, item.case)
    context = {
        "meeting": meeting,
        "items": items,
        "members": selectors.members(meeting),
        "other_attendees": selectors.other_attendees(meeting),
        "external_attendees": list(meeting.external_attendees.all()),
        "addenda": list(meeting.addenda.select_related("added_by", "item")),
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }
    data = render_pdf(template, context)
    log_access(
        user=request.user,
        obj=meeting,
        request=request,
        outcome=AccessLog.Outcome.EXPORT,
        detail=detail,
    )
    _log_brief_reads(request, meeting, items, detail, outcome=AccessLog.Outcome.EXPORT)
    date = timezone.localtime(meeting.starts_at).strftime("%Y%m%d")
    return pdf_response(data, f"{filename}_{meeting.get_kind_display()}_{date}.pdf")


@reauth.recent_auth_required
def minutes_pdf(request, pk):
    meeting, access = _readable_meeting(request, pk)
    return _pdf(request, meeting, access, "meetings/pdf/minutes.html", _("議事録"), "minutes_pdf")


@reauth.recent_auth_required
def agenda_pdf(request, pk):
    meeting, access = _readable_meeting(request, pk)
    return _pdf(request, meeting, access, "meetings/pdf/agenda.html", _("会議資料"), "agenda_pdf")


# ---------------------------------------------------------------- tasks, case history


@require_POST
def task_done(request, task_pk):
    task = get_object_or_404(selectors.open_tasks_for(request.user), pk=task_pk)
    _attempt(
        request,
        lambda: services.task_complete(actor=request.user, task=task),
        _("「%(task)s」を完了にしました。") % {"task": task.task},
    )
    return redirect("home")


def case_meetings(request, case_pk):
    """A case's meeting history, by the same rule as its timeline."""
    case = sharing.get_case_for_user(request.user, case_pk, request=request)
    items = list(selectors.case_meeting_items(case, request.user))
    log_access(user=request.user, obj=case, request=request, detail="meetings")
    return render(
        request,
        "meetings/case_meetings.html",
        {"case": case, "items": items, "kinds": MeetingKind},
    )
