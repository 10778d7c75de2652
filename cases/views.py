from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_access, log_reads
from accounts.models import AccessLog, Agency
from cases import selectors, services, sharing
from cases.choices import ExemptionReason, GrantScope, PlanStatus
from cases.forms import (
    MAX_PLAN_ROLES,
    AssessmentForm,
    CaseEditForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseStatusForm,
    PlanApproveForm,
    PlanConsentForm,
    PlanForm,
    PlanNewConsentForm,
    PlanReviewForm,
    PlanRoleFormSet,
    RecordForm,
    ShareForm,
)
from cases.models import AccessGrant, SupportPlan
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
    log_access(user=request.user, obj=case, request=request, detail=detail)
    for cp in persons:
        log_access(
            user=request.user,
            obj=cp.person,
            person_id=cp.person_id,
            request=request,
            detail=f"case:{case.pk}",
        )


def _errors_to_messages(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


# ---------------------------------------------------------------- list, open, detail


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
        except StaleEdit as exc:
            form.add_error(None, exc)
        except services.CaseRuleError as exc:
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
        data = form.cleaned_data
        try:
            services.case_transition(
                actor=request.user,
                case=case,
                to_status=data["to_status"],
                on=data["on"],
                reason=data["reason"],
                close_reason_kind=data["close_reason_kind"],
            )
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


# ---------------------------------------------------------------- records


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
    persons = selectors.case_persons(case)
    context = {
        "case": case,
        "persons": persons,
        "records": selectors.records_for_pdf(case),
        "user": request.user,  # the reader {% contact %} asks about (no request here)
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }
    data = render_pdf("cases/pdf/records.html", context)
    log_access(
        user=request.user,
        obj=case,
        request=request,
        outcome=AccessLog.Outcome.EXPORT,
        detail="records_pdf",
    )
    for cp in persons:  # the PDF carries each person's record: one row per person
        log_access(
            user=request.user,
            obj=cp.person,
            person_id=cp.person_id,
            outcome=AccessLog.Outcome.EXPORT,
            request=request,
            detail=f"case:{case.pk}:records_pdf",
        )
    return pdf_response(data, f"支援経過_{case.pk}.pdf")


# ---------------------------------------------------------------- assessment


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


# ---------------------------------------------------------------- plans


def _plan(request, case, plan_pk):
    return get_object_or_404(
        SupportPlan.objects.select_related("consent", "consent__person", "approved_by"),
        pk=plan_pk,
        case=case,
    )


def _roles_from_formset(formset):
    return [
        {k: f.cleaned_data.get(k) for k in ("concern", "agency", "method", "person", "due_on")}
        for f in formset.forms
        if f.cleaned_data and not f.is_blank()
    ]


ROLE_FIELDS = ("concern", "agency", "method", "person", "due_on")


def _role_formset(request, case, initial=None):
    initial = list(initial or [])
    extra_rows = max(0, min(3 if not initial else 1, MAX_PLAN_ROLES - len(initial)))
    return PlanRoleFormSet(
        request.POST or None,
        prefix="roles",
        initial=initial + [{}] * extra_rows,
        form_kwargs={"household": case.household},
    )


def _adding_role_row(request) -> bool:
    return request.method == "POST" and "add_role" in request.POST


def _forms_with_one_more_row(request, case):
    """「行を追加」: the plan form again, unsaved, with what was typed and one more
    empty role row (no script needed, nothing saved, no errors shown yet)."""
    post = request.POST
    form = PlanForm(initial={k: post.get(k, "") for k in ("person_wishes", "goals", "review_on")})
    form.initial["version"] = post.get("version", "")
    try:
        rows = int(post.get("roles-TOTAL_FORMS", "0"))
    except ValueError:
        rows = 0
    rows = max(0, min(rows, MAX_PLAN_ROLES))
    typed = [{k: post.get(f"roles-{n}-{k}", "") for k in ROLE_FIELDS} for n in range(rows)]
    initial = typed + ([{}] if rows < MAX_PLAN_ROLES else [])
    formset = PlanRoleFormSet(
        prefix="roles", initial=initial, form_kwargs={"household": case.household}
    )
    return form, formset


def plan_add(request, pk):
    case = _case(request, pk, "change")
    if _adding_role_row(request):
        form, formset = _forms_with_one_more_row(request, case)
        return render(
            request, "cases/plan_form.html", {"form": form, "formset": formset, "case": case}
        )
    form = PlanForm(request.POST or None)
    formset = _role_formset(request, case)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                actor=request.user,
                case=case,
                person_wishes=data["person_wishes"],
                goals=data["goals"],
                review_on=data["review_on"],
                roles=_roles_from_formset(formset),
            )
        except services.CaseRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("支援プラン（案）を作成しました。本人の同意を記録してください。")
            )
            return redirect(reverse("cases:plan_detail", args=[case.pk, plan.pk]) + "#plan-consent")
    log_access(user=request.user, obj=case, request=request, detail="plan_add")
    return render(request, "cases/plan_form.html", {"form": form, "formset": formset, "case": case})


def plan_edit(request, pk, plan_pk):
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.CONSENTED):
        messages.error(request, _("承認済みのプランは編集できません。改訂版を作成してください。"))
        return redirect("cases:plan_detail", pk=case.pk, plan_pk=plan.pk)
    if _adding_role_row(request):
        form, formset = _forms_with_one_more_row(request, case)
        return render(
            request,
            "cases/plan_form.html",
            {"form": form, "formset": formset, "case": case, "plan": plan},
        )
    initial_roles = [
        {
            "concern": r.concern,
            "agency": r.agency,
            "method": r.method,
            "person": r.person,
            "due_on": r.due_on,
        }
        for r in plan.roles.all()
    ]
    form = PlanForm(
        request.POST or None,
        initial={
            "person_wishes": plan.person_wishes,
            "goals": plan.goals,
            "review_on": plan.review_on,
            "version": plan.version,
        },
    )
    formset = _role_formset(request, case, initial_roles)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        was_consented = plan.status == PlanStatus.CONSENTED
        try:
            plan = services.plan_update(
                actor=request.user,
                plan=plan,
                expected_version=data.get("version"),
                person_wishes=data["person_wishes"],
                goals=data["goals"],
                review_on=data["review_on"],
                roles=_roles_from_formset(formset),
            )
        except (StaleEdit, services.CaseRuleError) as exc:
            form.add_error(None, exc)
        else:
            if was_consented and plan.status == PlanStatus.DRAFT:
                messages.warning(
                    request,
                    _(
                        "支援プランを保存しました。内容が変わったため本人同意の記録を外し、"
                        "「作成中」に戻しました。変更後の内容を本人に確認し、同意を記録し直して"
                        "ください。"
                    ),
                )
                return redirect(
                    reverse("cases:plan_detail", args=[case.pk, plan.pk]) + "#plan-consent"
                )
            messages.success(request, _("支援プランを保存しました。"))
            return redirect("cases:plan_detail", pk=case.pk, plan_pk=plan.pk)
    log_access(user=request.user, obj=case, request=request, detail=f"plan_edit:{plan.pk}")
    return render(
        request,
        "cases/plan_form.html",
        {"form": form, "formset": formset, "case": case, "plan": plan},
    )


def _principal(case):
    persons = selectors.case_persons(case)
    return persons[0].person if persons else None


def plan_detail(
    request, pk, plan_pk, *, approve_form=None, consent_form=None, new_consent_form=None
):
    case = _case(request, pk, "records")
    plan = _plan(request, case, plan_pk)
    if approve_form is None and case.can_change and plan.status == PlanStatus.CONSENTED:
        approve_form = PlanApproveForm()
    uncovered = services.plan_uncovered_agencies(plan) if plan.consent_id else []
    # A consent is recorded here, in place: chosen from those recorded, or a new one.
    # A consented plan whose consent misses a role agency may take another.
    takes_consent = case.can_change and (
        plan.status == PlanStatus.DRAFT or (plan.status == PlanStatus.CONSENTED and uncovered)
    )
    if takes_consent:
        role_agencies = {r.agency_id for r in plan.roles.all()} - {case.lead_agency_id}
        consent_form = consent_form or PlanConsentForm(case=case, role_agency_ids=role_agencies)
        new_consent_form = new_consent_form or PlanNewConsentForm(
            plan=plan, principal=_principal(case)
        )
    else:
        consent_form = new_consent_form = None
    review_form = (
        PlanReviewForm(initial={"reviewed_on": timezone.localdate()})
        if (case.can_change and plan.status in (PlanStatus.ACTIVE, PlanStatus.REVIEWED))
        else None
    )
    log_access(user=request.user, obj=case, request=request, detail=f"plan:{plan.pk}")
    return render(
        request,
        "cases/plan_detail.html",
        {
            "case": case,
            "plan": plan,
            "roles": plan.roles.select_related("agency", "person"),
            "reviews": plan.reviews.select_related("by"),
            "consent_form": consent_form,
            "new_consent_form": new_consent_form,
            "review_form": review_form,
            "approve_form": approve_form,
            "uncovered": uncovered,
            "preview": sharing.preview_plan_approval(plan)
            if case.can_change and plan.status == PlanStatus.CONSENTED and not uncovered
            else [],
        },
    )


def _after_consent(case, plan):
    anchor = "#plan-approve" if plan.status == PlanStatus.CONSENTED else "#plan-consent"
    return redirect(reverse("cases:plan_detail", args=[case.pk, plan.pk]) + anchor)


@require_POST
def plan_consent(request, pk, plan_pk):
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    form = PlanConsentForm(request.POST, case=case)
    if form.is_valid():
        try:
            plan = services.plan_record_consent(
                actor=request.user,
                plan=plan,
                consent=form.cleaned_data["consent"],
                consented_on=form.cleaned_data["consented_on"],
            )
        except services.CaseRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("プランへの本人同意を記録しました。"))
            return _after_consent(case, plan)
    return plan_detail(request, pk, plan_pk, consent_form=form)


@require_POST
def plan_consent_new(request, pk, plan_pk):
    """Record a new 本人同意 on the plan page and use it for the plan."""
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    form = PlanNewConsentForm(request.POST, plan=plan)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_record_new_consent(
                actor=request.user,
                plan=plan,
                person=data["person"],
                agencies=data["agencies"],
                purpose=data["purpose"],
                method=data["method"],
                obtained_on=data["obtained_on"],
            )
        except services.CaseRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("本人同意を記録し、プランへの同意にしました。"))
            return _after_consent(case, plan)
    return plan_detail(request, pk, plan_pk, new_consent_form=form)


@require_POST
def plan_approve(request, pk, plan_pk):
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    form = PlanApproveForm(request.POST)
    if form.is_valid():
        try:
            services.plan_approve(
                actor=request.user, plan=plan, approved_on=form.cleaned_data["on"]
            )
        except services.CaseRuleError as exc:
            if exc.code != "date":
                _errors_to_messages(request, exc)
                return redirect("cases:plan_detail", pk=case.pk, plan_pk=plan.pk)
            form.add_error("on", exc)
        else:
            messages.success(request, _("プランを承認し、実施中のプランにしました。"))
            return redirect("cases:plan_detail", pk=case.pk, plan_pk=plan.pk)
    return plan_detail(request, pk, plan_pk, approve_form=form)


@require_POST
def plan_review(request, pk, plan_pk):
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    form = PlanReviewForm(request.POST)
    if form.is_valid():
        try:
            services.plan_review(actor=request.user, plan=plan, **form.cleaned_data)
        except services.CaseRuleError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("プランの評価を記録しました。"))
            return redirect("cases:plan_detail", pk=case.pk, plan_pk=plan.pk)
    return render(
        request,
        "cases/plan_detail.html",
        {
            "case": case,
            "plan": plan,
            "roles": plan.roles.select_related("agency", "person"),
            "reviews": plan.reviews.select_related("by"),
            "review_form": form,
            "uncovered": [],
        },
    )


@require_POST
def plan_revise(request, pk, plan_pk):
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    try:
        new = services.plan_revise(actor=request.user, plan=plan)
    except services.CaseRuleError as exc:
        _errors_to_messages(request, exc)
        return redirect("cases:plan_detail", pk=case.pk, plan_pk=plan.pk)
    messages.success(request, _("改訂版（案）を作成しました。"))
    return redirect("cases:plan_edit", pk=case.pk, plan_pk=new.pk)


@reauth.recent_auth_required
def plan_pdf(request, pk, plan_pk):
    case = _case(request, pk, "records")
    plan = _plan(request, case, plan_pk)
    context = {
        "case": case,
        "plan": plan,
        "roles": plan.roles.select_related("agency", "person"),
        "persons": selectors.case_persons(case),
        "user": request.user,  # the reader {% contact %} asks about (no request here)
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }
    data = render_pdf("cases/pdf/plan.html", context)
    log_access(
        user=request.user,
        obj=case,
        request=request,
        outcome=AccessLog.Outcome.EXPORT,
        detail=f"plan_pdf:{plan.pk}",
    )
    for cp in context["persons"]:  # one row per person whose plan left as a PDF
        log_access(
            user=request.user,
            obj=cp.person,
            person_id=cp.person_id,
            outcome=AccessLog.Outcome.EXPORT,
            request=request,
            detail=f"case:{case.pk}:plan_pdf:{plan.pk}",
        )
    return pdf_response(data, f"支援プラン_{case.pk}_第{plan.number}版.pdf")


# ---------------------------------------------------------------- sharing


def case_share(request, pk):
    case = _case(request, pk, "change")
    form = reauth.add_password_field(ShareForm(request.POST or None, case=case), request)
    if (
        request.method == "POST"
        and form.is_valid()
        and reauth.override_confirmed(request, form, bool(form.cleaned_data["exemption_reason"]))
    ):
        data = form.cleaned_data
        try:
            services.case_share(
                actor=request.user,
                case=case,
                agency=data["agency"],
                scope=data["scope"],
                consent=data["consent"],
                exemption_reason=data["exemption_reason"],
                note=data["note"],
            )
        except sharing.SharingRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(agency)sと共有しました。") % {"agency": data["agency"].name}
            )
            return redirect("cases:case_detail", pk=case.pk)
    grants = sharing.grants_for_case(case)
    log_access(user=request.user, obj=case, request=request, detail="share")
    return render(
        request,
        "cases/share_form.html",
        {
            "form": form,
            "case": case,
            "grants": grants,
            "scopes": GrantScope,
            "access": sharing.effective_access(case),
        },
    )


def access_preview(request, pk):
    """htmx: what sharing with (or referring to) the chosen agency in the chosen scope
    would give it, before the share or referral form is sent (sharing.preview_access).
    kind=referral for the referral form, whose basis is recorded on acceptance."""
    case = _case(request, pk, "change")
    raw_agency = request.GET.get("agency") or request.GET.get("to_agency") or ""
    scope = request.GET.get("scope") or ""
    agency = None
    if raw_agency.isascii() and raw_agency.isdigit() and scope in GrantScope.values:
        agency = Agency.objects.filter(pk=int(raw_agency), is_active=True).first()
    changes = []
    if agency is not None and agency.pk != case.lead_agency_id:
        kind = request.GET.get("kind", "share")
        exemption = request.GET.get("exemption_reason", "")
        basis = sharing.share_basis(
            kind=kind, exemption_reason=exemption if exemption in ExemptionReason.values else ""
        )
        changes = sharing.preview_access(case, add=[(agency, basis, scope)])
    return render(
        request,
        "cases/_access_preview.html",
        {"changes": changes, "is_lead": agency is not None and agency.pk == case.lead_agency_id},
    )


@require_POST
def grant_end(request, pk, grant_pk):
    case = _case(request, pk, "change")
    grant = get_object_or_404(AccessGrant, pk=grant_pk, case=case, revoked_at__isnull=True)
    try:
        services.grant_end(
            actor=request.user,
            grant=grant,
            # The page posts no reason; one sent anyway is kept, less what PostgreSQL
            # cannot store (NUL).
            reason=request.POST.get("reason", "").replace("\x00", "")[:200],
        )
    except services.CaseRuleError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("共有を終了しました。"))
    return redirect("cases:case_share", pk=case.pk)
