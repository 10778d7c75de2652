"""訂正 of finalised minutes (one agenda item at a time)."""

from functools import partial

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.corrections import correction_saved
from meetings import services
from meetings.forms_corrections import MinutesCorrectionForm
from meetings.views import _item, _log_brief_reads, _managed_meeting, _to_minutes


def minutes_correct(request, pk, item_pk):
    meeting, access = _managed_meeting(request, pk)
    item = _item(meeting, item_pk, access)
    if not services.may_correct_minutes(request.user, meeting, can_manage=access.can_manage):
        raise Http404
    form = MinutesCorrectionForm(request.POST or None, item=item)
    can_manage = access.can_manage
    save = partial(services.minutes_correct, actor=request.user, item=item, can_manage=can_manage)
    message = _("議事録を訂正しました。訂正前の内容は履歴に残ります。")
    if correction_saved(request, form, save, message=message, reload=item):
        return _to_minutes(meeting, f"item-{item.pk}")
    _log_brief_reads(request, meeting, [item], "minutes_correct")
    return render(
        request,
        "meetings/minutes_correct.html",
        {"form": form, "meeting": meeting, "item": item},
    )
