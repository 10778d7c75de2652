"""相談受付票 (PDF), the 訂正 of a consultation and its 変更履歴. Each asks the
consultation's own getter (intake.access), as its page does."""

from functools import partial

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import reauth
from accounts.audit import log_access
from common.corrections import correction_saved
from common.exports import log_export
from common.history import change_history, merged
from common.pdf import pdf_response, render_pdf
from common.wareki import age_on, format_date
from intake import selectors, services
from intake.access import can_edit_consultation, get_consultation_for_user
from intake.choices import CameFrom, Channel, Outcome, Urgency
from intake.forms_corrections import ConsultationCorrectionForm
from intake.models import ConsultationCategory, ConsultationCategoryLink
from intake.views import _log_consultation_read


def _checks(choices, value):
    return [{"label": label, "checked": key == value} for key, label in choices]


@reauth.recent_auth_required
def consultation_pdf(request, pk):
    """相談受付票: the consultation as the desk files it on paper."""
    consultation = get_consultation_for_user(request.user, pk)
    persons = selectors.consultation_persons(consultation)
    on = timezone.localtime(consultation.received_at).date()
    chosen = {link.category_id: link for link in consultation.category_links.all()}
    categories = [
        {
            "name": c.name,
            "checked": c.pk in chosen,
            "primary": c.pk in chosen and chosen[c.pk].is_primary,
        }
        for c in ConsultationCategory.objects.filter(is_active=True).order_by("order", "pk")
    ]
    known = {c["name"] for c in categories}
    categories += [
        {"name": link.category.name, "checked": True, "primary": link.is_primary}
        for link in selectors.consultation_categories(consultation)
        if link.category.name not in known
    ]
    context = {
        "consultation": consultation,
        "persons": [{"p": p, "age": age_on(p.birth_date, on)} for p in persons],
        "channels": _checks(Channel.choices, consultation.channel),
        "came_froms": _checks(CameFrom.choices, consultation.came_from),
        "urgencies": _checks(Urgency.choices, consultation.urgency),
        "outcomes": _checks(Outcome.choices, consultation.outcome),
        "categories": categories,
        "user": request.user,  # the reader {% contact %} asks about (no request here)
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }
    data = render_pdf("intake/pdf/consultation.html", context)
    log_export(
        log_access,
        request,
        [consultation],
        detail="consultation_pdf",
        concerned=persons,
        concerned_detail=f"consultation:{consultation.pk}:pdf",
    )
    return pdf_response(data, f"相談受付票_{consultation.pk}.pdf")


def consultation_correct(request, pk):
    consultation = get_consultation_for_user(request.user, pk)
    if not can_edit_consultation(request.user, consultation):
        raise Http404
    form = ConsultationCorrectionForm(request.POST or None, consultation=consultation)
    save = partial(services.consultation_correct, actor=request.user, consultation=consultation)
    message = _("相談受付を訂正しました。訂正前の内容は履歴に残ります。")
    if correction_saved(request, form, save, message=message, reload=consultation):
        return redirect("intake:consultation_detail", pk=consultation.pk)
    _log_consultation_read(
        request, consultation, selectors.consultation_persons(consultation), detail="correct"
    )
    return render(
        request,
        "intake/consultation_correct.html",
        {"form": form, "consultation": consultation},
    )


def consultation_history(request, pk):
    consultation = get_consultation_for_user(request.user, pk)
    links = ConsultationCategoryLink.history.filter(consultation_id=consultation.pk)
    entries = merged(
        change_history(consultation),
        change_history(
            ConsultationCategoryLink(consultation=consultation),
            records=links,
            hidden=("consultation",),
            labels={"category": _("相談内容")},
            subject=_("相談内容"),
        ),
    )
    _log_consultation_read(
        request, consultation, selectors.consultation_persons(consultation), detail="history"
    )
    return render(
        request,
        "common/history.html",
        {
            "title": _("相談受付 %(at)s")
            % {"at": format_date(timezone.localtime(consultation.received_at))},
            "entries": entries,
            "back_url": reverse("intake:consultation_detail", args=[consultation.pk]),
        },
    )
