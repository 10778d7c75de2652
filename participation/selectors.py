"""Reads for 参加支援, filtered in SQL.

Opportunities (参加先) and the host development log are not personal data: every case
worker sees them. Placements name a person, so they follow the case sharing policy
(cases.sharing): desk staff see them all; others see the placements whose case they
may read the records of (cases_visible_to(user, action="records")). A placement with
no case is the desk's alone.
"""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.audit import log_denied
from accounts.choices import Role
from cases.sharing import cases_visible_to
from common.counting import count_by
from participation.choices import HostOutcome, OpportunityKind, PlacementStatus
from participation.models import (
    HostDevelopment,
    Opportunity,
    Placement,
    PlacementFollowUp,
)

ONGOING = [PlacementStatus.COORDINATING, PlacementStatus.TRIAL, PlacementStatus.SETTLED]


def is_case_worker(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.works_on_cases)


def can_manage_opportunities(user) -> bool:
    """Opportunities and host logs are written by desk staff and 推進員 (coordinators)."""
    return is_case_worker(user) and (user.is_desk_staff or user.has_role(Role.COORDINATOR))


# ---------------------------------------------------------------- opportunities


def opportunities_visible_to(user) -> QuerySet[Opportunity]:
    if not is_case_worker(user):
        return Opportunity.objects.none()
    return Opportunity.objects.all()


def opportunity_search(
    user,
    *,
    kind: str = "",
    district=None,
    day: int | None = None,
    q: str = "",
    include_inactive: bool = False,
) -> QuerySet[Opportunity]:
    """Search by kind, district and day of the week (0 = Monday), plus free text."""
    qs = opportunities_visible_to(user)
    if not include_inactive:
        qs = qs.active()
    if kind:
        qs = qs.filter(kind=kind)
    if district is not None:
        qs = qs.filter(district=district)
    if day is not None:
        qs = qs.open_on(day)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(name__contains=q)
            | Q(host_name__contains=q)
            | Q(description__contains=q)
            | Q(conditions__contains=q)
        )
    return (
        qs.select_related("district", "host_agency")
        .annotate(ongoing=Count("placements", filter=Q(placements__status__in=ONGOING)))
        .order_by("kind", "name", "pk")
    )


def get_opportunity_for_user(user, pk) -> Opportunity:
    opportunities = opportunities_visible_to(user).select_related(
        "district", "host_agency", "created_by"
    )
    return get_object_or_404(opportunities, pk=pk)


# ---------------------------------------------------------------- host development


def host_logs_visible_to(user) -> QuerySet[HostDevelopment]:
    if not is_case_worker(user):
        return HostDevelopment.objects.none()
    return HostDevelopment.objects.all()


def host_log_list(user, *, outcome: str = "", q: str = "") -> QuerySet[HostDevelopment]:
    qs = host_logs_visible_to(user)
    if outcome:
        qs = qs.filter(outcome=outcome)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(organisation__contains=q) | Q(outcome_note__contains=q))
    return qs.select_related("staff", "host_agency", "opportunity").order_by("-contacted_on", "-pk")


def get_host_log_for_user(user, pk) -> HostDevelopment:
    logs = host_logs_visible_to(user).select_related("staff", "host_agency", "opportunity")
    return get_object_or_404(logs, pk=pk)


# ---------------------------------------------------------------- placements


def placements_visible_q(user) -> Q | None:
    """The placement rule as a Q (None = nothing): desk staff, or the linked case's
    records are visible to the user."""
    if not is_case_worker(user):
        return None
    if user.is_desk_staff:
        return Q()
    return Q(case__in=cases_visible_to(user, action="records").values("pk"))


def placements_visible_to(user) -> QuerySet[Placement]:
    q = placements_visible_q(user)
    if q is None:
        return Placement.objects.none()
    return Placement.objects.filter(q)


def placement_list(user, *, status: str = "ongoing", kind: str = "") -> QuerySet[Placement]:
    qs = placements_visible_to(user)
    if status == "ongoing":
        qs = qs.filter(status__in=ONGOING)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(opportunity__kind=kind)
    return qs.select_related("person", "opportunity", "case", "agency").order_by(
        "-coordinating_on", "-pk"
    )


def get_placement_for_user(user, pk) -> Placement:
    placement = (
        placements_visible_to(user)
        .select_related(
            "person", "opportunity", "opportunity__district", "case", "agency", "created_by"
        )
        .filter(pk=pk)
        .first()
    )
    if placement is None:
        log_denied(user=user, object_type="participation.placement", object_id=pk)
        raise Http404
    return placement


def placements_for_case(case, user) -> QuerySet[Placement]:
    """Placements of the case (or of its persons) that the user may see."""
    return (
        placements_visible_to(user)
        .filter(Q(case=case) | Q(person__case_roles__case=case))
        .distinct()
        .select_related("person", "opportunity", "case", "agency")
        .order_by("-coordinating_on", "-pk")
    )


def follow_ups_for(placement: Placement):
    return placement.follow_ups.select_related("staff", "agency").order_by("-followed_on", "-pk")


# ---------------------------------------------------------------- figures


def _in(field, start, end) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


def participation_counts(start, end) -> dict:
    """参加支援 figures for [start, end] (dates, inclusive), by aggregate SQL.

    - placements_started: coordination began (調整開始日) in the period;
      trials_started: 体験開始日; placements_settled: reached 定着; placements_ended.
    - by_kind: the same four per opportunity kind.
    - follow_ups / follow_ups_not_on_case_records: 定着支援 in the period; those on a case
      are also SupportRecords with 事業 ④, so reports counting SupportRecords add only
      the second figure.
    - host_developments_by_outcome: 受入先開拓 contacts in the period.
    """
    days = PLACEMENT_DAYS
    counts = {
        "started": Count("pk", filter=_in(days["placements_started"], start, end)),
        "trials": Count("pk", filter=_in(days["trials_started"], start, end)),
        "settled": Count("pk", filter=_in(days["placements_settled"], start, end)),
        "ended": Count("pk", filter=_in(days["placements_ended"], start, end)),
    }
    totals = Placement.objects.aggregate(**counts)
    by_kind = {
        kind: {"started": 0, "trials": 0, "settled": 0, "ended": 0}
        for kind in OpportunityKind.values
    }
    for row in Placement.objects.values("opportunity__kind").annotate(**counts).order_by():
        by_kind[row["opportunity__kind"]] = {k: row[k] for k in counts}

    follow = PlacementFollowUp.objects.filter(_in("followed_on", start, end)).aggregate(
        n=Count("pk"), on_records=Count("support_record")
    )
    host_logs = HostDevelopment.objects.filter(_in("contacted_on", start, end))
    hosts = count_by(host_logs, "outcome", HostOutcome.values)
    return {
        "placements_started": totals["started"],
        "trials_started": totals["trials"],
        "placements_settled": totals["settled"],
        "placements_ended": totals["ended"],
        "by_kind": by_kind,
        "follow_ups": follow["n"],
        "follow_ups_not_on_case_records": follow["n"] - follow["on_records"],
        "host_developments": sum(hosts.values()),
        "host_developments_by_outcome": hosts,
    }


# The day each placement figure is counted on (participation_counts, participation_items).
PLACEMENT_DAYS = {
    "placements_started": "coordinating_on",
    "trials_started": "trial_started_on",
    "placements_settled": "settled_on",
    "placements_ended": "ended_on",
}


def participation_items(start, end, figure: str) -> QuerySet:
    """What one 参加支援 figure of participation_counts counts, for its list: the
    placements, follow-ups or host contacts of the period. KeyError for no such figure."""
    if figure in PLACEMENT_DAYS:
        return Placement.objects.filter(_in(PLACEMENT_DAYS[figure], start, end))
    if figure == "follow_ups":
        return PlacementFollowUp.objects.filter(_in("followed_on", start, end))
    if figure == "host_developments":
        return HostDevelopment.objects.filter(_in("contacted_on", start, end))
    raise KeyError(figure)
