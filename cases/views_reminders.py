"""The user's own reminder setting (the daily e-mail digest, opt-in)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import reminders


class ReminderPreferenceForm(forms.Form):
    email_digest = forms.BooleanField(
        label=gettext_lazy("毎日のまとめをメールで受け取る"),
        required=False,
        help_text=gettext_lazy("件数とリンクだけのメールです。"),
    )


def reminder_settings(request):
    if not request.user.works_on_cases:
        raise Http404
    pref = reminders.preference_for(request.user)
    data = request.POST if request.method == "POST" else None
    form = ReminderPreferenceForm(data, initial={"email_digest": pref.email_digest})
    if request.method == "POST" and form.is_valid():
        reminders.preference_set(actor=request.user, email_digest=form.cleaned_data["email_digest"])
        messages.success(request, _("リマインダーの設定を保存しました。"))
        return redirect("cases:reminder_settings")
    # The user's own sign-in e-mail, not a person's contact: the page only says
    # whether the digest has an address to go to.
    has_address = bool(request.user.email)
    return render(
        request, "cases/reminder_settings.html", {"form": form, "has_address": has_address}
    )
