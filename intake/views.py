from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import reauth
from accounts.audit import log_access, log_reads
from accounts.models import AccessLog
from common.corrections import corrections_for
from common.pdf import pdf_response, render_pdf
from common.services import StaleEdit
from households.access import get_household_for_user
from households.choices import Sex
from intake import selectors, services
from intake.access import get_consultation_for_user
from intake.choices import ContactMethod, Outcome, SheetStatus, SheetTopic
from intake.forms import (
    ConsultationFilterForm,
    ConsultationForm,
    SheetForm,
    SheetReturnForm,
    SheetTakeUpForm,
    initial_from_sheet,
)
from intake.models import ConnectSheet
from intake.views_attachments import consultation_attachments_panel

# ---------------------------------------------------------------- access helpers


def _case_worker_agency(request):
    """The agency a case worker records consultations for; others answer 404."""
    agency = request.user.primary_agency
    if agency is None or not request.user.works_on_cases:
        raise Http404
    return agency


def _member_agency(request):
    """Anyone working for an agency may send a つなぐシート (庁内職員 above all)."""
    agency = request.user.primary_agency
    if agency is None:
        raise Http404
    return agency


def _is_desk(request) -> bool:
    if not hasattr(request, "_is_desk_staff"):
        request._is_desk_staff = request.user.is_desk_staff
    return request._is_desk_staff


def _desk_sheet(request, pk) -> ConnectSheet:
    """A sheet the desk acts on. Another sender's sheet is 404; the sender's own sheet
    is visible to them but only the desk acts on it (403)."""
    is_desk = _is_desk(request)
    sheet = selectors.get_sheet_for_user(request.user, pk, is_desk=is_desk)
    if not is_desk:
        raise PermissionDenied
    return sheet


def _case_link(consultation):
    try:
        return consultation.case_link
    except ObjectDoesNotExist:
        return None


def _after_save(consultation):
    """継続支援 goes straight on to opening the case; anything else shows the record."""
    if consultation.outcome == Outcome.ONGOING and _case_link(consultation) is None:
        return redirect(f"{reverse('cases:case_open')}?consultation={consultation.pk}")
    return redirect("intake:consultation_detail", pk=consultation.pk)


def _log_consultation_read(request, consultation, persons, detail=""):
    log_access(user=request.user, obj=consultation, request=request, detail=detail)
    for person in persons:
        log_access(
            user=request.user,
            obj=person,
            person_id=person.pk,
            request=request,
            detail=f"consultation:{consultation.pk}",
        )


# ---------------------------------------------------------------- consultations


def consultation_list(request):
    if not request.user.works_on_cases:
        _member_agency(request)
        return redirect("intake:sheet_list")
    form = ConsultationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("show") or selectors.SHOW_ALL
    consultations = selectors.consultation_list(
        request.user, show=show, start=data.get("start"), end=data.get("end")
    )
    page = Paginator(consultations, 25).get_page(request.GET.get("page"))
    log_reads(user=request.user, objects=page.object_list, request=request, detail="list")
    return render(
        request,
        "intake/consultation_list.html",
        {
            "form": form,
            "page": page,
            "show": show,
            "awaiting_count": selectors.awaiting_case_count(request.user),
        },
    )


def consultation_new(request):
    agency = _case_worker_agency(request)
    form = ConsultationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(
                actor=request.user, agency=agency, **form.service_kwargs()
            )
        except services.IntakeRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("相談を受け付けました。"))
            return _after_save(consultation)
    return render(request, "intake/consultation_form.html", {"form": form})


def consultation_detail(request, pk):
    consultation = get_consultation_for_user(request.user, pk)
    persons = selectors.consultation_persons(consultation)
    is_desk = _is_desk(request)
    sheet = ConnectSheet.objects.filter(consultation=consultation).first() if is_desk else None
    _log_consultation_read(request, consultation, persons)
    return render(
        request,
        "intake/consultation_detail.html",
        {
            "consultation": consultation,
            "persons": persons,
            "category_links": selectors.consultation_categories(consultation),
            "case_link": _case_link(consultation),
            "sheet": sheet,
            "can_edit": consultation.agency_id in request.user.agency_ids,
            "attach": consultation_attachments_panel(request, consultation),
            "corrections": corrections_for(consultation),
        },
    )


def consultation_edit(request, pk):
    consultation = get_consultation_for_user(request.user, pk)
    if consultation.agency_id not in request.user.agency_ids:
        raise PermissionDenied
    link = _case_link(consultation)
    sheet = ConnectSheet.objects.filter(consultation=consultation).first()
    initial = (
        initial_from_sheet(sheet, request.user)
        if sheet and consultation.household_id is None
        else {}
    )
    form = ConsultationForm(
        request.POST or None,
        user=request.user,
        instance=consultation,
        fixed_household=consultation.household if link else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_update(
                actor=request.user,
                consultation=consultation,
                expected_version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except (StaleEdit, services.IntakeRuleError) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("相談受付の内容を保存しました。"))
            return _after_save(consultation)
    _log_consultation_read(
        request, consultation, selectors.consultation_persons(consultation), detail="edit"
    )
    return render(
        request,
        "intake/consultation_form.html",
        {"form": form, "consultation": consultation, "sheet": sheet},
    )


@require_GET
def household_members(request):
    """htmx: check boxes of a household's current members, for the consultation form."""
    _case_worker_agency(request)
    pk = request.GET.get("household", "")
    if not pk.isdecimal():  # isdigit() would let "²" through to int()
        return render(request, "intake/_household_members.html", {"rows": []})
    household = get_household_for_user(request.user, int(pk))
    members = selectors.household_current_members(household)
    log_reads(
        user=request.user, objects=members, request=request, detail=f"household:{household.pk}"
    )
    rows = [{"person": p, "checked": len(members) == 1} for p in members]
    return render(request, "intake/_household_members.html", {"rows": rows, "household": household})


# ---------------------------------------------------------------- つなぐシート


def sheet_list(request):
    _member_agency(request)
    is_desk = _is_desk(request)
    sheets = selectors.sheet_list(request.user, is_desk=is_desk)
    page = Paginator(sheets, 25).get_page(request.GET.get("page"))
    log_reads(user=request.user, objects=page.object_list, request=request, detail="list")
    return render(
        request,
        "intake/sheet_list.html",
        {"page": page, "is_desk": is_desk, "statuses": SheetStatus},
    )


def sheet_new(request):
    agency = _member_agency(request)
    form = reauth.add_password_field(SheetForm(request.POST or None), request)
    if (
        request.method == "POST"
        and form.is_valid()
        # Sending without the person's consent asks for the password, as a referral does.
        and reauth.override_confirmed(request, form, bool(form.cleaned_data["exemption_reason"]))
    ):
        data = {k: v for k, v in form.cleaned_data.items() if k != reauth.PASSWORD_FIELD}
        try:
            sheet = services.sheet_send(actor=request.user, agency=agency, **data)
        except services.IntakeRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("つなぐシートを福祉の相談窓口に送りました。"))
            return redirect("intake:sheet_detail", pk=sheet.pk)
    return render(request, "intake/sheet_form.html", {"form": form, "agency": agency})


def _sheet_context(sheet):
    return {
        "sheet": sheet,
        "sex_label": dict(Sex.choices).get(sheet.sex, "") if sheet else "",
        "topic_rows": [
            {"label": label, "checked": bool(sheet and value in sheet.topics)}
            for value, label in SheetTopic.choices
        ],
        "contact_rows": [
            {"label": label, "checked": bool(sheet and value == sheet.contact_method)}
            for value, label in ContactMethod.choices
        ],
        "sex_rows": [
            {"label": label, "checked": bool(sheet and value == sheet.sex)}
            for value, label in Sex.choices
            if value != Sex.UNKNOWN
        ],
    }


def sheet_detail(request, pk):
    is_desk = _is_desk(request)
    sheet = selectors.get_sheet_for_user(request.user, pk, is_desk=is_desk)
    log_access(user=request.user, obj=sheet, request=request)
    context = _sheet_context(sheet) | {"is_desk": is_desk, "statuses": SheetStatus}
    if is_desk and sheet.status == SheetStatus.SENT:
        context |= _take_up_context(request, sheet)
    return render(request, "intake/sheet_detail.html", context)


def _take_up_context(request, sheet, *, take_up_form=None, return_form=None):
    """The desk's two answers to a sent sheet. When the person is not registered in a
    household the desk sees, taking up registers them (asking 行政区 and せい/めい)."""
    known = services.known_sheet_person(request.user, sheet)
    if known is None and take_up_form is None:
        take_up_form = SheetTakeUpForm(sheet=sheet, user=request.user)
    return {
        "return_form": return_form or SheetReturnForm(),
        "take_up_form": take_up_form if known is None else None,
        "known_household": known,
    }


@require_POST
def sheet_take_up(request, pk):
    sheet = _desk_sheet(request, pk)
    form = SheetTakeUpForm(request.POST, sheet=sheet, user=request.user)
    was_known = services.known_sheet_person(request.user, sheet) is not None
    options = {}
    if form.is_valid():
        options = {
            "register_household": form.cleaned_data["register_household"],
            "family_name_kana": form.cleaned_data["family_name_kana"] or "",
            "given_name_kana": form.cleaned_data["given_name_kana"] or "",
            "district": form.cleaned_data["district"],
        }
    elif not was_known:
        context = _sheet_context(sheet) | {"is_desk": True, "statuses": SheetStatus}
        context |= _take_up_context(request, sheet, take_up_form=form)
        return render(request, "intake/sheet_detail.html", context)
    try:
        consultation = services.sheet_take_up(
            actor=request.user, sheet=sheet, agency=request.user.primary_agency, **options
        )
    except services.IntakeRuleError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("intake:sheet_detail", pk=sheet.pk)
    if consultation.household_id is None:
        messages.warning(
            request,
            _(
                "相談として受け付けました。登録済みの世帯に対象者が見つからなかったため、"
                "「編集」から世帯を選ぶか登録してください。"
            ),
        )
    elif not was_known:
        messages.success(
            request,
            _(
                "相談として受け付け、シートの対象者を新しい世帯として登録しました。"
                "内容を確認し、継続支援ならケースを開始してください。"
            ),
        )
    else:
        messages.success(request, _("相談として受け付けました。登録済みの世帯に結び付けました。"))
    return redirect("intake:consultation_detail", pk=consultation.pk)


@require_POST
def sheet_return(request, pk):
    sheet = _desk_sheet(request, pk)
    form = SheetReturnForm(request.POST)
    if form.is_valid():
        try:
            services.sheet_return(actor=request.user, sheet=sheet, note=form.cleaned_data["note"])
        except services.IntakeRuleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("シートを担当課に差し戻しました。"))
            return redirect("intake:sheet_detail", pk=sheet.pk)
    context = _sheet_context(sheet) | {"is_desk": True, "statuses": SheetStatus}
    context |= _take_up_context(request, sheet, return_form=form)
    return render(request, "intake/sheet_detail.html", context)


@reauth.recent_auth_required
def sheet_pdf(request, pk):
    sheet = selectors.get_sheet_for_user(request.user, pk, is_desk=_is_desk(request))
    context = _sheet_context(sheet) | {"printed_at": timezone.localtime()}
    data = render_pdf("intake/pdf/sheet.html", context)
    log_access(
        user=request.user,
        obj=sheet,
        request=request,
        outcome=AccessLog.Outcome.EXPORT,
        detail="sheet_pdf",
    )
    return pdf_response(data, f"つなぐシート_{sheet.pk}.pdf")


def sheet_blank_pdf(request):
    """The paper sheet, empty, for handwriting and the person's signature."""
    _member_agency(request)
    data = render_pdf("intake/pdf/sheet.html", _sheet_context(None) | {"blank": True})
    return pdf_response(data, "つなぐシート_白紙.pdf")
