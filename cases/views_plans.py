"""The 支援プラン pages: draft and edit a plan with its role rows, record consent,
approve, review, revise, print."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import reauth
from accounts.audit import log_access
from cases import selectors, services, sharing
from cases.choices import PlanStatus
from cases.forms_plans import (
    MAX_PLAN_ROLES,
    PlanApproveForm,
    PlanConsentForm,
    PlanForm,
    PlanNewConsentForm,
    PlanReviewForm,
    PlanRoleFormSet,
)
from cases.models import SupportPlan
from cases.views import _case, _case_pdf, _errors_to_messages
from common.services import StaleEdit


def _plan(request, case, plan_pk):
    return get_object_or_404(
        SupportPlan.objects.select_related("consent", "consent__person", "approved_by"),
        pk=plan_pk,
        case=case,
    )


def _roles_from_formset(formset):
    return [
        {k: f.cleaned_data.get(k) for k in services.ROLE_FIELDS}
        for f in formset.forms
        if f.cleaned_data and not f.is_blank()
    ]


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
    typed = [{k: post.get(f"roles-{n}-{k}", "") for k in services.ROLE_FIELDS} for n in range(rows)]
    initial = typed + ([{}] if rows < MAX_PLAN_ROLES else [])
    formset = PlanRoleFormSet(
        prefix="roles", initial=initial, form_kwargs={"household": case.household}
    )
    return form, formset


def plan_add(request, pk):
    case = _case(request, pk, "change")
    if not case.is_open:
        # Refused before the form is filled in, not after (plan_create refuses it too).
        messages.error(request, services.ENDED_CASE_PLAN)
        return redirect("cases:case_detail", pk=case.pk)
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
    initial_roles = [{k: getattr(r, k) for k in services.ROLE_FIELDS} for r in plan.roles.all()]
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


def _record_consent(request, case, plan, form, record, success: str, form_name: str):
    """Both consent forms of the plan page: the service takes the form's fields as they
    are; a refusal shows the plan page again with the form and its error."""
    if form.is_valid():
        try:
            plan = record(actor=request.user, plan=plan, **form.cleaned_data)
        except services.CaseRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success)
            return _after_consent(case, plan)
    return plan_detail(request, case.pk, plan.pk, **{form_name: form})


@require_POST
def plan_consent(request, pk, plan_pk):
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    form = PlanConsentForm(request.POST, case=case)
    return _record_consent(
        request,
        case,
        plan,
        form,
        services.plan_record_consent,
        _("プランへの本人同意を記録しました。"),
        "consent_form",
    )


@require_POST
def plan_consent_new(request, pk, plan_pk):
    """Record a new 本人同意 on the plan page and use it for the plan."""
    case = _case(request, pk, "change")
    plan = _plan(request, case, plan_pk)
    form = PlanNewConsentForm(request.POST, plan=plan)
    return _record_consent(
        request,
        case,
        plan,
        form,
        services.plan_record_new_consent,
        _("本人同意を記録し、プランへの同意にしました。"),
        "new_consent_form",
    )


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
        "plan": plan,
        "roles": plan.roles.select_related("agency", "person"),
        "persons": selectors.case_persons(case),
    }
    return _case_pdf(
        request,
        case,
        "cases/pdf/plan.html",
        context,
        detail=f"plan_pdf:{plan.pk}",
        filename=f"支援プラン_{case.pk}_第{plan.number}版.pdf",
    )
