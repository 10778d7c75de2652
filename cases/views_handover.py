"""引継ぎ page: the agency's manager sees each worker's caseload (open cases by status
and risk, counts only), picks a worker, sees that worker's open cases, and hands one or
all to another worker."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import log_reads
from accounts.selectors import case_workers_of
from cases import handover


class HandoverForm(forms.Form):
    cases = forms.MultipleChoiceField(
        label=gettext_lazy("引継ぐケース"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("引継ぐケースを選んでください。")},
    )
    to_staff = forms.ChoiceField(
        label=gettext_lazy("引継ぎ先"),
        error_messages={
            "required": gettext_lazy("引継ぎ先を選んでください。"),
            "invalid_choice": gettext_lazy("引継ぎ先を一覧から選んでください。"),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("引継ぎのメモ"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": gettext_lazy("引継ぎの内容（メモ）を入力してください。")},
    )

    def __init__(self, *args, cases, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(str(c.pk), c.title) for c in cases]
        self.fields["to_staff"].choices = [("", "---------")] + [
            (str(u.pk), str(u)) for u in receivers
        ]


def _managed_agency(request):
    agency = request.user.primary_agency
    if agency is None or not handover.manages(request.user, agency):
        raise Http404
    return agency


def handover_page(request):
    agency = _managed_agency(request)
    workers = list(case_workers_of(agency))
    worker = next((w for w in workers if str(w.pk) == request.GET.get("worker", "")), None)
    cases = list(handover.open_cases_of(worker, agency)) if worker else []
    receivers = [w for w in workers if worker is None or w.pk != worker.pk]
    form = None
    if worker:
        data = request.POST if request.method == "POST" else None
        form = HandoverForm(
            data, cases=cases, receivers=receivers, initial={"cases": [str(c.pk) for c in cases]}
        )
        if data is not None and form.is_valid():
            chosen = [c for c in cases if str(c.pk) in form.cleaned_data["cases"]]
            to_staff = next(w for w in receivers if str(w.pk) == form.cleaned_data["to_staff"])
            try:
                count = handover.cases_hand_over(
                    actor=request.user,
                    agency=agency,
                    cases=chosen,
                    to_staff=to_staff,
                    note=form.cleaned_data["note"],
                    from_staff=worker,
                )
            except handover.HandoverRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("%(count)d件のケースを引継ぎました。") % {"count": count}
                )
                return redirect(f"{request.path}?worker={worker.pk}")
    # The worker's open cases (title, status, risk): a read of each, as the case list.
    log_reads(user=request.user, objects=cases, request=request, detail="handover")
    return render(
        request,
        "cases/handover.html",
        {
            "agency": agency,
            "workers": workers,
            "worker": worker,
            "cases": cases,
            "form": form,
            # Counts only (no case named): the managers' 担当件数 beside the handover.
            "caseload": handover.caseload_of(agency),
        },
    )
