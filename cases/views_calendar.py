"""The calendar pages (week, month; mine, agency), the iCal feed settings and the feed
itself (cases.calendar)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.middleware import otp_not_required
from accounts.reauth import recent_auth_required
from cases import calendar
from cases.models import CalendarFeedToken
from common.ratelimit import ratelimit
from common.wareki import format_date, format_month

NEW_FEED_KEY = "cases.calendar.new_feed_token"


def _worker_or_404(request):
    if not request.user.works_on_cases:
        raise Http404


def calendar_page(request):
    """A week or a month of the entries the user may see: kind and number only, each
    linked to its page (which checks access again)."""
    _worker_or_404(request)
    today = timezone.localdate()
    view = request.GET.get("view") if request.GET.get("view") in calendar.VIEWS else "week"
    scope = request.GET.get("scope") if request.GET.get("scope") in calendar.SCOPES else "mine"
    anchor = calendar.parse_day(request.GET.get("date", ""), today)
    weeks = calendar.grid(request.user, view=view, anchor=anchor, scope=scope, today=today)
    previous, following = calendar.neighbours(view, anchor)
    if view == "month":
        heading = format_month(anchor.year, anchor.month)
    else:
        heading = _("%(start)s〜%(end)s") % {
            "start": format_date(weeks[0][0].date, with_weekday=True),
            "end": format_date(weeks[0][-1].date, with_weekday=True),
        }
    count = sum(len(day.entries) for week in weeks for day in week)
    return render(
        request,
        "cases/calendar.html",
        {
            "weeks": weeks,
            "weekdays": calendar.WEEKDAYS,
            "view": view,
            "scope": scope,
            "heading": heading,
            "count": count,
            "previous": previous.isoformat(),
            "following": following.isoformat(),
            "today": today.isoformat(),
            "anchor": anchor.isoformat(),
        },
    )


class FeedForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("issue", "issue"), ("revoke", "revoke")],
        error_messages={
            "required": _("操作を選んでください。"),
            "invalid_choice": _("操作を選び直してください。"),
        },
    )


@recent_auth_required
def calendar_feed_settings(request):
    """The user's own feed address: issue (or reissue) shows it once; revoke stops it."""
    _worker_or_404(request)
    form = FeedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["action"] == "issue":
            token = calendar.feed_token_issue(actor=request.user)
            request.session[NEW_FEED_KEY] = token
            messages.success(request, _("カレンダー購読用のアドレスを発行しました。"))
        else:
            if calendar.feed_token_revoke(actor=request.user):
                messages.success(request, _("カレンダー購読用のアドレスを無効にしました。"))
            else:
                messages.info(request, _("無効にするアドレスはありません。"))
        return redirect("cases:calendar_feed")
    token = request.session.pop(NEW_FEED_KEY, None)
    new_url = (
        request.build_absolute_uri(reverse("cases:calendar_ical", args=[token])) if token else ""
    )
    return render(
        request,
        "cases/calendar_feed.html",
        {
            "form": form,
            "feed": CalendarFeedToken.objects.filter(user=request.user).first(),
            "new_url": new_url,
        },
    )


@login_not_required
@otp_not_required
@require_GET
@ratelimit(key="ip", scope="calendar_feed")
def calendar_ical(request, token):
    """The feed: no session; the token is the key. Unknown, revoked or a deactivated
    account's token answers 404 alike."""
    user = calendar.feed_user(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar.feed_for(user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response
