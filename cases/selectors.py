"""Reads for cases, all built on cases/sharing.py."""

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import sharing
from cases.choices import ENDED_STATUSES, OPEN_STATUSES, CaseStatus, PlanStatus
from cases.models import Case, CasePerson, CaseStatusChange, SupportPlan, SupportRecord
from cases.registry import TimelineEntry, timeline_providers
from common import kana
from intake.models import Consultation


def case_list(user, *, q: str = "", status: str = "open", mine: bool = False) -> QuerySet[Case]:
    """Cases the user may see, with what the list shows, in a constant number of queries."""
    qs = sharing.cases_visible_to(user)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "ended":
        qs = qs.filter(status__in=ENDED_STATUSES)
    if mine:
        qs = qs.filter(lead_staff=user)
    q = (q or "").strip()
    if q:
        cond = Q(title__contains=q) | Q(household__name__contains=q)
        if kana.is_kana(q):
            cond |= Q(case_persons__person__name_kana__startswith=kana.normalise_kana(q))
        qs = qs.filter(pk__in=Case.objects.filter(cond).values("pk"))
    return (
        qs.select_related("household", "lead_agency", "lead_staff")
        .prefetch_related(
            Prefetch(
                "case_persons",
                queryset=CasePerson.objects.select_related("person").order_by("role", "pk"),
            )
        )
        .order_by("-opened_on", "-pk")
    )


def case_persons(case: Case):
    return list(
        CasePerson.objects.filter(case=case).select_related("person").order_by("role", "pk")
    )


def active_plan(case: Case) -> SupportPlan | None:
    return (
        case.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED])
        .order_by("-number")
        .first()
    )


def case_timeline(case: Case, user, *, limit: int | None = None) -> list[TimelineEntry]:
    """One timeline mixing consultations, support records, plan versions and status
    changes, plus whatever higher apps register; each part only at the scope the user
    holds. Newest first."""
    entries: list[TimelineEntry] = []
    can_records = getattr(case, "can_records", None)
    if can_records is None:
        can_records = sharing.can(user, case, "records")
    can_full = getattr(case, "can_full", None)
    if can_full is None:
        can_full = sharing.can(user, case, "full")

    for change in CaseStatusChange.objects.filter(case=case).select_related("by"):
        title = CaseStatus(change.to_status).label
        if change.from_status:
            title = f"{CaseStatus(change.from_status).label} → {title}"
        # Shown on the business date the change took effect, at the time it was entered.
        at = timezone.make_aware(
            dt.datetime.combine(change.on, timezone.localtime(change.at).time())
        )
        entries.append(
            TimelineEntry(
                at=at,
                kind="status",
                label=_("状況"),
                title=title,
                body=change.reason,
                by=str(change.by),
            )
        )
    if can_records:
        records = (
            SupportRecord.objects.filter(case=case)
            .select_related("agency", "staff")
            .prefetch_related("persons")
        )
        if limit:
            records = records[:limit]
        for r in records:
            entries.append(
                TimelineEntry(
                    at=r.occurred_at,
                    kind="record",
                    label=r.get_kind_display(),
                    title=f"{r.agency.name}{'（' + str(r.minutes) + '分）' if r.minutes else ''}",
                    body=r.narrative,
                    by=str(r.staff),
                    extra={
                        "record": r,
                        "persons": [p.full_name for p in r.persons.all()],
                        "project": r.get_project_display(),
                    },
                )
            )
        for plan in SupportPlan.objects.filter(case=case).select_related("created_by"):
            entries.append(
                TimelineEntry(
                    at=plan.created_at,
                    kind="plan",
                    label=_("支援プラン"),
                    title=_("第%(n)s版（%(status)s）")
                    % {"n": plan.number, "status": plan.get_status_display()},
                    body=plan.goals,
                    by=str(plan.created_by),
                    url=reverse("cases:plan_detail", args=[case.pk, plan.pk]),
                )
            )
    if can_full:
        consultations = Consultation.objects.filter(case_link__case=case).select_related(
            "received_by"
        )
        for c in consultations:
            entries.append(
                TimelineEntry(
                    at=c.received_at,
                    kind="consultation",
                    label=_("継続相談") if c.is_continuation else _("相談受付"),
                    title=f"{c.get_channel_display()}・{c.get_came_from_display()}",
                    body=c.summary,
                    by=str(c.received_by),
                    url=reverse("intake:consultation_detail", args=[c.pk]),
                )
            )
    for provider in timeline_providers():
        entries.extend(provider(case, user) or [])
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit] if limit else entries


def records_for_pdf(case: Case):
    return (
        SupportRecord.objects.filter(case=case)
        .select_related("agency", "staff")
        .prefetch_related("persons")
        .order_by("occurred_at", "pk")
    )
