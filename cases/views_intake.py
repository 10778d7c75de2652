"""Views that join 相談受付 to cases: a 継続相談 recorded on a case, and a consultation
linked to an existing case of its household. They live in cases because the decision
is cases.sharing's (intake sits below cases and may not import it)."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.audit import log_access
from cases import services, sharing
from cases.choices import OPEN_STATUSES
from intake import services as intake_services
from intake.access import get_consultation_for_user
from intake.choices import Outcome
from intake.forms import CaseChoiceForm, ConsultationForm


def _linkable_cases(user, consultation):
    """Open cases of the consultation's household that the user may change."""
    return (
        sharing.cases_visible_to(user, action="change")
        .filter(household_id=consultation.household_id, status__in=OPEN_STATUSES)
        .order_by("-opened_on", "-pk")
    )


def _is_on_case(consultation) -> bool:
    try:
        consultation.case_link  # noqa: B018  (the reverse one-to-one raises when absent)
    except ObjectDoesNotExist:
        return False
    return True


def consultation_add(request, pk):
    """継続相談: a consultation about this case's household, linked to the case."""
    case = sharing.get_case_for_user(request.user, pk, action="change", request=request)
    agency = case.lead_agency if case.lead_agency_id in request.user.agency_ids else None
    agency = agency or request.user.primary_agency
    if agency is None:
        raise Http404
    initial = {
        "outcome": Outcome.ONGOING,
        "persons": list(case.case_persons.values_list("person_id", flat=True)),
    }
    form = ConsultationForm(
        request.POST or None, user=request.user, fixed_household=case.household, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                consultation = intake_services.consultation_create(
                    actor=request.user, agency=agency, is_continuation=True, **form.service_kwargs()
                )
                services.case_link_consultation(
                    actor=request.user, case=case, consultation=consultation
                )
        except (intake_services.IntakeRuleError, services.CaseRuleError) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("継続相談を記録しました。"))
            return redirect("cases:case_detail", pk=case.pk)
    log_access(user=request.user, obj=case, request=request, detail="consultation_add")
    return render(request, "intake/consultation_form.html", {"form": form, "case": case})


def consultation_link(request, consultation_pk):
    """Join a consultation to an open case of the same household (it becomes a 継続相談
    on that case). GET from htmx returns the small form for the consultation page."""
    consultation = get_consultation_for_user(request.user, consultation_pk)
    if consultation.household_id is None or _is_on_case(consultation):
        if request.htmx:
            return render(request, "intake/_case_link_form.html", {"form": None})
        return redirect("intake:consultation_detail", pk=consultation.pk)
    cases = _linkable_cases(request.user, consultation)
    form = CaseChoiceForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        case = form.cleaned_data["case"]
        try:
            with transaction.atomic():
                intake_services.consultation_update(
                    actor=request.user, consultation=consultation, is_continuation=True
                )
                services.case_link_consultation(
                    actor=request.user, case=case, consultation=consultation
                )
        except (intake_services.IntakeRuleError, services.CaseRuleError) as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("intake:consultation_detail", pk=consultation.pk)
        messages.success(request, _("相談をケースに結び付けました。"))
        return redirect("cases:case_detail", pk=case.pk)
    template = "intake/_case_link_form.html" if request.htmx else "intake/case_link.html"
    return render(
        request,
        template,
        {"form": form, "consultation": consultation, "has_cases": cases.exists()},
    )
