"""The agenda and what is written under each item: items, their minutes (autosaved),
the decisions of a 重層的支援会議, 役割分担 and addenda to finalised minutes. A failed
form on the minutes page is shown there beside its fields (meetings.views._minutes_page)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.services import StaleEdit
from meetings import selectors, services
from meetings.choices import Decision
from meetings.forms import (
    AddendumForm,
    AgendaItemEditForm,
    AgendaItemForm,
    DecisionForm,
    MinutesForm,
    RoleForm,
)
from meetings.models import RoleAssignment
from meetings.views import (
    _attempt,
    _form_errors,
    _item,
    _log_brief_reads,
    _managed_meeting,
    _minutes_page,
    _readable_pks,
    _to_detail,
    _to_minutes,
)


def item_add(request, pk):
    meeting, _access = _managed_meeting(request, pk)
    initial = {}
    if request.GET.get("case"):
        initial["case"] = request.GET["case"]
    form = AgendaItemForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agenda_item_add(
                actor=request.user,
                meeting=meeting,
                topic=data["topic"],
                case=data["case"],
                title=data["title"],
                brief=data["brief"],
            )
        except services.MeetingRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("議題を加えました。"))
            if "add_another" in request.POST:
                return redirect("meetings:item_add", pk=meeting.pk)
            return _to_detail(meeting, "#agenda")
    return render(request, "meetings/item_form.html", {"form": form, "meeting": meeting})


def item_edit(request, pk, item_pk):
    meeting, access = _managed_meeting(request, pk)
    item = _item(meeting, item_pk, access)
    form = AgendaItemEditForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_update(
                actor=request.user,
                item=item,
                expected_version=form.cleaned_data.get("version"),
                title=form.cleaned_data["title"],
                brief=form.cleaned_data["brief"],
            )
        except (StaleEdit, services.MeetingRuleError) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("議題を保存しました。"))
            return _to_detail(meeting, "#agenda")
    _log_brief_reads(request, meeting, [item], "item_edit")
    return render(
        request, "meetings/item_form.html", {"form": form, "meeting": meeting, "item": item}
    )


@require_POST
def item_remove(request, pk, item_pk):
    meeting, _access = _managed_meeting(request, pk)
    item = _item(meeting, item_pk)
    _attempt(
        request,
        lambda: services.agenda_item_remove(actor=request.user, item=item),
        _("議題を削除しました。"),
    )
    return _to_detail(meeting, "#agenda")


@require_POST
def minutes_save(request, pk, item_pk):
    """Autosave (htmx: answers a small status fragment) or the save button (redirect)."""
    meeting, access = _managed_meeting(request, pk)
    item = _item(meeting, item_pk, access)
    form = MinutesForm(request.POST, item=item)
    ok, message = False, ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.minutes_save(
                actor=request.user,
                item=item,
                discussion=data["discussion"],
                decisions=data["decisions"],
                next_review_on=data["next_review_on"],
                expected_version=data["version"],
            )
        except (StaleEdit, services.MeetingRuleError) as exc:
            message = " ".join(exc.messages)
        else:
            ok = True
            message = _("%(time)sに保存しました") % {
                "time": time_format(timezone.localtime(item.minutes_saved_at), "H:i:s")
            }
    else:
        message = " ".join(
            f"{form.fields[f].label}: {' '.join(e)}"
            for f, e in form.errors.items()
            if f in form.fields
        )
    if request.htmx:
        return render(
            request,
            "meetings/_autosave_status.html",
            {"item": item, "ok": ok, "message": message, "form": form},
        )
    (messages.success if ok else messages.error)(request, message)
    return _to_minutes(meeting, f"#item-{item.pk}")


@require_POST
def item_decide(request, pk, item_pk):
    meeting, access = _managed_meeting(request, pk)
    item = _item(meeting, item_pk, access)
    form = DecisionForm(request.POST, prefix=f"d{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        _attempt(
            request,
            lambda: services.agenda_item_decide(
                actor=request.user,
                item=item,
                decision=data["decision"],
                close_reason_kind=data["close_reason_kind"],
                reason=data["reason"],
            ),
            _("「%(decision)s」を記録し、ケースに反映しました。")
            % {"decision": Decision(data["decision"]).label},
            refused=ValidationError,  # MeetingRuleError, or the case service's refusal
        )
    elif meeting.is_open_for_minutes and meeting.is_multilayer and not item.decision:
        # The minutes page shows this form: its errors stand beside its fields.
        return _minutes_page(request, meeting, access, bound={f"d{item.pk}": form})
    else:
        _form_errors(request, form)
    return _to_minutes(meeting, f"#item-{item.pk}")


@require_POST
def role_add(request, pk, item_pk):
    meeting, access = _managed_meeting(request, pk)
    item = _item(meeting, item_pk, access)
    form = RoleForm(request.POST, prefix=f"r{item.pk}")
    if form.is_valid():
        _attempt(
            request,
            lambda: services.role_assign(actor=request.user, item=item, **form.cleaned_data),
            _("役割分担を加えました。"),
        )
    elif meeting.is_open_for_minutes:
        return _minutes_page(request, meeting, access, bound={f"r{item.pk}": form})
    else:
        _form_errors(request, form)
    return _to_minutes(meeting, f"#item-{item.pk}")


@require_POST
def role_remove(request, pk, role_pk):
    meeting, _access = _managed_meeting(request, pk)
    role = get_object_or_404(
        RoleAssignment.objects.select_related("item"), pk=role_pk, item__meeting=meeting
    )
    _attempt(request, lambda: services.role_remove(actor=request.user, role=role))
    return _to_minutes(meeting, f"#item-{role.item_id}")


@require_POST
def addendum_add(request, pk):
    meeting, access = _managed_meeting(request, pk)
    items = selectors.agenda(meeting, access)
    form = AddendumForm(request.POST, meeting=meeting, item_pks=_readable_pks(items))
    if form.is_valid():
        _attempt(
            request,
            lambda: services.addendum_add(
                actor=request.user,
                meeting=meeting,
                text=form.cleaned_data["text"],
                item=form.cleaned_data["item"],
            ),
            _("議事録に追記しました。"),
        )
    elif meeting.is_finalised:
        return _minutes_page(request, meeting, access, bound={"addendum": form})
    else:
        _form_errors(request, form)
    return _to_minutes(meeting, "#addenda")
