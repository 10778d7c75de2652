from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_access, log_reads
from accounts.models import AccessLog
from cases import selectors, services, sharing
from cases.forms import (
    AssessmentForm,
    CaseEditForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseStatusForm,
    RecordForm,
)
from cases.registry import case_links, case_panels, home_sections
from cases.views_attachments import case_attachments_panel
from common.paging import keyset_page
from common.pdf import pdf_response, render_pdf
from common.ratelimit import ratelimit
from common.services import StaleEdit
from households.access import get_household_for_user
from intake.access import get_consultation_for_user


def home(request):
    sections = sorted(home_sections(request), key=lambda s: s.get("order", 100))
    log_reads(
        user=request.user,
        objects=[obj for s in sections for obj in s.get("reads", ())],
        request=request,
        detail="home",
    )
    return render(request, "cases/home.html", {"sections": sections})


def _case(request, pk, action="summary"):
    return sharing.get_case_for_user(request.user, pk, action=action, request=request)


def _log_case_read(request, case, persons, detail=""):
    """The case's read, and one read per person it shows (in one INSERT)."""
    log_access(user=request.user, obj=case, request=request, detail=detail)
    log_reads(
        user=request.user,
        objects=[cp.person for cp in persons],
        request=request,
        detail=f"case:{case.pk}",
    )


def _errors_to_messages(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


def _log_export(request, case, persons, detail):
    """A case's PDF left the system: one access row for the case and one per person
    (Person) whose record it carries."""
    log_access(
        user=request.user,
        obj=case,
        request=request,
        outcome=AccessLog.Outcome.EXPORT,
        detail=detail,
    )
    for person in persons:
        log_access(
            user=request.user,
            obj=person,
            person_id=person.pk,
            outcome=AccessLog.Outcome.EXPORT,
            request=request,
            detail=f"case:{case.pk}:{detail}",
        )


def _case_pdf(request, case, template, context, *, detail, filename):
    """Render a case's PDF (context["persons"]: its CasePerson rows) and log the export."""
    context = {
        "case": case,
        "user": request.user,  # the reader {% contact %} asks about (no request here)
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
        **context,
    }
    data = render_pdf(template, context)
    _log_export(request, case, [cp.person for cp in context["persons"]], detail)
    return pdf_response(data, filename)


@ratelimit(scope="search")
def case_list(request):
    if not request.user.works_on_cases:
        raise Http404
    form = CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(
        request.user,
        q=data.get("q", ""),
        status=data.get("status") or "open",
        mine=data.get("mine", False),
    )
    # Keyset pages in the list's order (newest opened first): no COUNT, no OFFSET, so
    # the 50th page of a city's desk costs what the first does.
    page = keyset_page(
        cases,
        selectors.CASE_LIST_ORDER,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        per_page=selectors.CASE_LIST_PAGE,
    ).links(request.GET)
    log_reads(user=request.user, objects=page.object_list, request=request, detail="list")
    return render(request, "cases/case_list.html", {"form": form, "page": page})


def case_open(request):
    """Open a case for a household (from the household page or a consultation)."""
    agency = request.user.primary_agency
    if agency is None or not request.user.works_on_cases:
        raise Http404
    consultation = None
    if request.GET.get("consultation") or request.POST.get("consultation"):
        consultation = get_consultation_for_user(
            request.user, request.GET.get("consultation") or request.POST.get("consultation")
        )
        if consultation.household_id is None:
            messages.error(
                request, _("この相談には世帯が登録されていません。先に世帯を登録してください。")
            )
            return redirect("intake:consultation_detail", pk=consultation.pk)
        if hasattr(consultation, "case_link"):
            messages.info(request, _("この相談はすでにケースに結び付いています。"))
            return redirect("cases:case_detail", pk=consultation.case_link.case_id)
        household = get_household_for_user(request.user, consultation.household_id)
    else:
        try:
            household_pk = int(request.GET.get("household") or request.POST.get("household") or 0)
        except ValueError:
            raise Http404 from None
        household = get_household_for_user(request.user, household_pk)
    refusal = sharing.case_opening_refusal(agency=agency, household=household)
    if refusal:
        messages.error(request, refusal)
        return redirect("households:detail", pk=household.pk)
    initial = {"lead_staff": request.user, "title": _("%(name)sの支援") % {"name": household.name}}
    if consultation is not None:
        persons = list(consultation.persons.all())
        if persons:
            initial["principal"] = persons[0]
            initial["members"] = persons[1:]
    form = CaseOpenForm(request.POST or None, household=household, agency=agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = services.case_open(
            actor=request.user,
            household=household,
            lead_agency=agency,
            lead_staff=data["lead_staff"],
            title=data["title"],
            opened_on=data["opened_on"],
            persons=form.persons(),
            consultation=consultation,
            risk_level=data["risk_level"],
            summary=data["summary"],
        )
        messages.success(request, _("ケースを開始しました。"))
        return redirect("cases:case_detail", pk=case.pk)
    # The form shows the household's members (and the consultation's summary).
    log_reads(
        user=request.user, objects=[household, consultation], request=request, detail="case_open"
    )
    return render(
        request,
        "cases/case_open.html",
        {"form": form, "household": household, "consultation": consultation},
    )


def case_detail(request, pk):
    case = _case(request, pk)
    persons = selectors.case_persons(case)
    timeline = selectors.case_timeline_page(
        case, request.user, before=request.GET.get("before", "")
    )
    plan, draft = selectors.page_plans(case) if case.can_records else (None, None)
    # Who sees the case and why: every holder for those who see it in full, else the
    # viewer's own agencies only.
    access = sharing.effective_access(
        case, agency_ids=None if case.can_full else request.user.agency_ids
    )
    assessment = (
        case.assessments.prefetch_related("issues", "members__issues").first()
        if case.can_records
        else None
    )
    _log_case_read(request, case, persons)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "persons": persons,
            "timeline": timeline,
            "plan": plan,
            "draft": draft,
            "access": access,
            "assessment": assessment,
            "status_form": CaseStatusForm(case=case) if case.can_change else None,
            "scope": sharing.user_scope(request.user, case),
            "case_panels": case_panels(request, case),
            "case_links": case_links(request, case),
            "attach": case_attachments_panel(request, case),
        },
    )


def case_timeline(request, pk):
    """htmx: the next page of the case page's timeline (「さらに表示」)."""
    case = _case(request, pk)
    timeline = selectors.case_timeline_page(
        case, request.user, before=request.GET.get("before", "")
    )
    if not request.htmx:
        url = reverse("cases:case_detail", args=[case.pk])
        return redirect(f"{url}?{urlencode({'before': request.GET.get('before', '')})}#timeline")
    _log_case_read(request, case, selectors.case_persons(case), detail="timeline")
    return render(request, "cases/_timeline_entries.html", {"case": case, "timeline": timeline})


def case_edit(request, pk):
    case = _case(request, pk, "change")
    form = CaseEditForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.case_update(
                actor=request.user,
                case=case,
                expected_version=form.cleaned_data.get("version"),
                **data,
            )
        except (StaleEdit, services.CaseRuleError) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("ケースを保存しました。"))
            if sharing.can(request.user, case, "summary"):
                return redirect("cases:case_detail", pk=case.pk)
            return redirect("cases:case_list")
    log_access(user=request.user, obj=case, request=request, detail="edit")
    return render(request, "cases/case_edit.html", {"form": form, "case": case})


@require_POST
def case_status(request, pk):
    case = _case(request, pk, "change")
    form = CaseStatusForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.case_transition(actor=request.user, case=case, **form.cleaned_data)
        except services.CaseRuleError as exc:
            if exc.code == "date":
                form.add_error("on", exc)
            else:
                _errors_to_messages(request, exc)
        else:
            messages.success(request, _("ケースの状況を変更しました。"))
            return redirect("cases:case_detail", pk=case.pk)
    persons = selectors.case_persons(case)
    return render(
        request, "cases/case_status.html", {"case": case, "form": form, "persons": persons}
    )


def record_add(request, pk):
    case = _case(request, pk, "records")
    agency = next((m.agency for m in request.user.active_memberships()), None)
    if agency is None:
        raise Http404
    form = RecordForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.record_create(
                actor=request.user,
                case=case,
                agency=agency,
                occurred_at=form.occurred_at(),
                kind=data["kind"],
                project=data["project"],
                narrative=data["narrative"],
                persons=data["persons"],
                minutes=data["minutes"],
                referred_to=data["referred_to"],
                next_visit_on=data["next_visit_on"],
            )
        except services.CaseRuleError as exc:
            field = exc.code if exc.code in ("referred_to", "next_visit_on") else None
            form.add_error(field, exc)
        else:
            messages.success(request, _("支援経過を記録しました。"))
            if "add_another" in request.POST:
                return redirect("cases:record_add", pk=case.pk)
            # Land on the new entry in the timeline (cases/_timeline_entries.html ids).
            url = reverse("cases:case_detail", args=[case.pk])
            return redirect(f"{url}#tl-record-{record.pk}")
    log_access(user=request.user, obj=case, request=request, detail="record_add")
    return render(request, "cases/record_form.html", {"form": form, "case": case, "agency": agency})


@reauth.recent_auth_required
def records_pdf(request, pk):
    case = _case(request, pk, "records")
    context = {
        "persons": selectors.case_persons(case),
        "records": selectors.records_for_pdf(case),
    }
    return _case_pdf(
        request,
        case,
        "cases/pdf/records.html",
        context,
        detail="records_pdf",
        filename=f"支援経過_{case.pk}.pdf",
    )


def assessment_add(request, pk):
    case = _case(request, pk, "change")
    form = AssessmentForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.assessment_create(
            actor=request.user,
            case=case,
            assessed_on=data["assessed_on"],
            household_overview=data["household_overview"],
            issues=data["issues"],
            members=form.members(),
        )
        messages.success(request, _("アセスメントを記録しました。"))
        return redirect("cases:case_detail", pk=case.pk)
    log_access(user=request.user, obj=case, request=request, detail="assessment_add")
    return render(request, "cases/assessment_form.html", {"form": form, "case": case})
