"""ホーム: what waits for the user, from cases and intake (intake sits below cases and
so registers nothing itself). A section's "reads" are the records its rows show; the
home view logs each read (cases.views.home)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors
from cases.choices import OPEN_STATUSES, PlanStatus
from cases.models import SupportPlan
from cases.registry import first_rows, register_home
from cases.sharing import cases_visible_to
from households.models import Consent
from intake.choices import SheetStatus
from intake.models import ConnectSheet, Consultation

LIMIT = 20


@register_home
def my_open_cases(request):
    user = request.user
    if not user.works_on_cases:
        return None
    rows, more = first_rows(selectors.lead_open_cases(user), LIMIT)
    if not rows and not user.is_desk_staff:
        return None
    return {
        "title": _("担当中のケース"),
        "template": "cases/home/cases.html",
        "context": {"cases": rows},
        "count": len(rows),
        "more": more,
        "more_url": reverse("cases:case_list") + "?status=open&mine=on",
        "order": 10,
        "reads": rows,
    }


@register_home
def plan_reviews_due(request):
    user = request.user
    if not user.works_on_cases:
        return None
    limit = timezone.localdate() + dt.timedelta(days=14)
    plans, more = first_rows(
        SupportPlan.objects.filter(
            case__in=cases_visible_to(user, action="change").values("pk"),
            status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED],
            review_on__lte=limit,
        )
        .select_related("case")
        .order_by("review_on"),
        LIMIT,
    )
    if not plans:
        return None
    return {
        "title": _("14日以内に評価予定のプラン"),
        "template": "cases/home/plans.html",
        "context": {"plans": plans, "today": timezone.localdate()},
        "count": len(plans),
        "more": more,
        "order": 20,
        "reads": [p.case for p in plans],
    }


@register_home
def consents_expiring(request):
    user = request.user
    if not user.works_on_cases:
        return None
    today = timezone.localdate()
    lead_cases = cases_visible_to(user, action="change").filter(status__in=OPEN_STATUSES)
    consents, more = first_rows(
        Consent.objects.valid_on(today)
        .filter(
            expires_on__lte=today + dt.timedelta(days=30),
            person__household_memberships__household__cases__in=lead_cases.values("pk"),
            person__household_memberships__until__isnull=True,
        )
        .distinct()
        .select_related("person")
        .order_by("expires_on"),
        LIMIT,
    )
    if not consents:
        return None
    return {
        "title": _("30日以内に期限が切れる本人同意"),
        "template": "cases/home/consents.html",
        "context": {"consents": consents},
        "count": len(consents),
        "more": more,
        "order": 30,
        "reads": [c.person for c in consents],
    }


@register_home
def intake_waiting(request):
    user = request.user
    if not user.is_desk_staff:
        return None
    consultations, more_consultations = first_rows(
        Consultation.objects.awaiting_case()
        .filter(agency_id__in=user.agency_ids)
        .select_related("household")
        .order_by("received_at"),
        LIMIT,
    )
    sheets, more_sheets = first_rows(
        ConnectSheet.objects.filter(status=SheetStatus.SENT)
        .select_related("sender_agency")
        .order_by("sent_at"),
        LIMIT,
    )
    if not consultations and not sheets:
        return None
    return {
        "title": _("受付の対応待ち"),
        "template": "cases/home/intake.html",
        "context": {
            "consultations": consultations,
            "sheets": sheets,
            # Each list says where the rest are; the badge counts both.
            "more_consultations": more_consultations,
            "consultations_url": reverse("intake:consultation_list") + "?show=awaiting",
            "more_sheets": more_sheets,
            "sheets_url": reverse("intake:sheet_list"),
        },
        "count": len(consultations) + len(sheets),
        "more": more_consultations or more_sheets,
        "more_inline": True,  # each list links to the rest itself
        "order": 5,
        # The sheets are listed by date and sender only.
        "reads": consultations,
    }
