"""Printed forms (アセスメントシート, フェイスシート), the 訂正 of a support record and the
変更履歴 pages of a case and a plan. Access is asked of cases.sharing (households:
households.access) exactly as the object's own page asks; contact details reach the
PDFs only through {% contact %}."""

from functools import partial

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import reauth
from accounts.audit import log_access
from cases import selectors, services, sharing
from cases.choices import PlanStatus
from cases.family_maps import _open_cases, focus_person_ids, household_genogram
from cases.forms_papers import RecordCorrectionForm
from cases.models import Assessment, PlanRole, SupportPlan, SupportRecord
from cases.views import _case, _log_case_read
from common.corrections import correction_saved, corrections_for, history_token
from common.exports import log_export, log_with_concerned
from common.history import change_history
from common.pdf import pdf_response, render_pdf
from common.wareki import age_on
from households import genogram
from households.access import get_household_for_user
from households.models import Consent
from households.selectors import household_members

# ---------------------------------------------------------------- support record, 訂正


def _record(case, record_pk) -> SupportRecord:
    return get_object_or_404(
        SupportRecord.objects.select_related("agency", "staff").prefetch_related("persons"),
        pk=record_pk,
        case=case,
    )


def _log_record_read(request, case, record, detail):
    log_with_concerned(
        log_access,
        request,
        [case],
        detail=f"{detail}:{record.pk}",
        concerned=record.persons.all(),
        concerned_detail=f"case:{case.pk}:{detail}",
    )


def record_detail(request, pk, record_pk):
    """One support record as it stands, its corrections struck through below."""
    case = _case(request, pk, "records")
    record = _record(case, record_pk)
    _log_record_read(request, case, record, "record")
    return render(
        request,
        "cases/record_detail.html",
        {
            "case": case,
            "record": record,
            "corrections": corrections_for(record),
            "can_correct": sharing.can_correct_record(request.user, case, record),
        },
    )


def record_correct(request, pk, record_pk):
    case = _case(request, pk, "records")
    record = _record(case, record_pk)
    if not sharing.can_correct_record(request.user, case, record):
        raise Http404
    form = RecordCorrectionForm(
        request.POST or None, case=case, record=record, token=history_token(record)
    )
    save = partial(services.record_correct, actor=request.user, case=case, record=record)
    message = _("支援経過を訂正しました。訂正前の内容は履歴に残ります。")
    if correction_saved(request, form, save, message=message, reload=record):
        return redirect("cases:record_detail", pk=case.pk, record_pk=record.pk)
    _log_record_read(request, case, record, "record_correct")
    return render(
        request, "cases/record_correct.html", {"form": form, "case": case, "record": record}
    )


# ---------------------------------------------------------------- 変更履歴


def case_history(request, pk):
    case = _case(request, pk)
    _log_case_read(request, case, selectors.case_persons(case), detail="history")
    return render(
        request,
        "common/history.html",
        {
            "title": case.title,
            "entries": change_history(case),
            "back_url": reverse("cases:case_detail", args=[case.pk]),
        },
    )


def plan_history(request, pk, plan_pk):
    case = _case(request, pk, "records")
    plan = get_object_or_404(SupportPlan, pk=plan_pk, case=case)
    roles = PlanRole.history.filter(plan_id=plan.pk)
    entries = change_history(plan)
    role_entries = change_history(
        PlanRole(plan=plan), records=roles, hidden=("plan",), subject=_("役割分担")
    )
    entries = sorted(entries + role_entries, key=lambda e: e.at, reverse=True)
    log_access(user=request.user, obj=case, request=request, detail=f"plan_history:{plan.pk}")
    return render(
        request,
        "common/history.html",
        {
            "title": str(plan),
            "entries": entries,
            "back_url": reverse("cases:plan_detail", args=[case.pk, plan.pk]),
        },
    )


# ---------------------------------------------------------------- printed forms


@reauth.recent_auth_required
def assessment_pdf(request, pk, assessment_pk):
    """アセスメントシート: the household-wide assessment, one block per member."""
    case = _case(request, pk, "records")
    assessment = get_object_or_404(
        Assessment.objects.select_related("by").prefetch_related(
            "issues", "members__issues", "members__person"
        ),
        pk=assessment_pk,
        case=case,
    )
    persons = selectors.case_persons(case)
    members = list(assessment.members.all())
    on = assessment.assessed_on
    context = {
        "case": case,
        "assessment": assessment,
        "persons": [{"cp": cp, "age": age_on(cp.person.birth_date, on)} for cp in persons],
        "members": [{"m": m, "age": age_on(m.person.birth_date, on)} for m in members],
        "user": request.user,  # the reader {% contact %} asks about (no request here)
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }
    data = render_pdf("cases/pdf/assessment.html", context)
    shown = {cp.person_id: cp.person for cp in persons} | {m.person_id: m.person for m in members}
    detail = f"assessment_pdf:{assessment.pk}"
    log_export(
        log_access,
        request,
        [case],
        detail=detail,
        concerned=shown.values(),  # one row per person whose record left as a PDF
        concerned_detail=f"case:{case.pk}:{detail}",
    )
    return pdf_response(data, f"アセスメントシート_{case.pk}_{on:%Y%m%d}.pdf")


def _facesheet_context(request, household):
    today = timezone.localdate()
    members = [m for m in household_members(household) if m.until is None]
    person_ids = [m.person_id for m in members]
    cases = _open_cases(request.user, household)
    record_cases = [c for c in cases if c.can_records]
    roles = list(
        PlanRole.objects.filter(
            plan__case__in=record_cases,
            plan__status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED],
        )
        .select_related("agency", "person", "plan", "plan__case")
        .order_by("plan__case_id", "order", "pk")
    )
    agencies = {}
    for c in cases:
        agencies.setdefault(c.lead_agency_id, {"agency": c.lead_agency, "roles": []})
        agencies[c.lead_agency_id]["roles"].append(_("主担当（%(case)s）") % {"case": c.title})
    for r in roles:
        agencies.setdefault(r.agency_id, {"agency": r.agency, "roles": []})
        agencies[r.agency_id]["roles"].append(r.concern)
    consents = (
        Consent.objects.filter(person_id__in=person_ids)
        .select_related("person")
        .prefetch_related("agencies")
        .order_by("-obtained_on", "-pk")
    )
    g = household_genogram(household, focus=focus_person_ids(cases))
    return {
        "household": household,
        "members": [{"m": m, "age": age_on(m.person.birth_date, today)} for m in members],
        "cases": cases,
        "roles": roles,
        "agencies": list(agencies.values()),
        "consents": consents,
        "genogram_svg": genogram.render_genogram_svg(g) if members else "",
        "today": today,
        "user": request.user,
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }


@reauth.recent_auth_required
def facesheet_pdf(request, household_pk):
    """フェイスシート of a household: members, 続柄, ages, services in use, agencies
    involved, the open cases the reader sees, consents. Asked of the household's own
    getter (as its page); cases only as far as the reader sees them."""
    household = get_household_for_user(request.user, household_pk)
    context = _facesheet_context(request, household)
    data = render_pdf("cases/pdf/facesheet.html", context)
    log_export(
        log_access,
        request,
        [household],
        detail="facesheet_pdf",
        concerned=[row["m"].person for row in context["members"]],
        concerned_detail=f"household:{household.pk}:facesheet_pdf",
    )
    return pdf_response(data, f"フェイスシート_{household.pk}.pdf")
