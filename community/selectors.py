"""Reads for 地域づくり. Nothing here names a person: resources, activities counted by
age band, community issues counted by case, and per-district counts. Every case worker
may read it all."""

import datetime as dt

from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import Case
from common.counting import count_by
from community.choices import (
    AGE_BANDS,
    MULTIGENERATIONAL_BANDS,
    OPEN_ISSUE_STATUSES,
    IssueSource,
    IssueStatus,
    ResourceKind,
)
from community.models import ActivityLog, CommunityIssue, CommunityResource
from community.registry import district_counts
from households.models import District

RECENT_DAYS = 90


def is_case_worker(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.works_on_cases)


def can_manage(user) -> bool:
    """Resources and community issues are managed by desk staff."""
    return is_case_worker(user) and user.is_desk_staff


def _count_subquery(queryset, ref: str):
    """COUNT(*) of queryset rows whose `ref` equals the outer row, as a subquery."""
    return Coalesce(
        Subquery(
            queryset.filter(**{ref: OuterRef("pk")})
            .order_by()
            .values(ref)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _recent_start() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=RECENT_DAYS)


def open_cases() -> QuerySet[Case]:
    return Case.objects.open()


# ---------------------------------------------------------------- districts


def district_list(user) -> list[District]:
    """Every district with its counts: running resources, activities in the last 90
    days, open community issues, open cases, and the registered providers' counts.
    A constant number of queries whatever the number of districts."""
    if not is_case_worker(user):
        return []
    districts = list(
        District.objects.annotate(
            resource_count=_count_subquery(
                CommunityResource.objects.filter(ended_on__isnull=True), "district"
            ),
            recent_activity_count=_count_subquery(
                ActivityLog.objects.filter(held_on__gte=_recent_start()), "resource__district"
            ),
            open_issue_count=_count_subquery(
                CommunityIssue.objects.filter(status__in=OPEN_ISSUE_STATUSES), "district"
            ),
            open_case_count=_count_subquery(open_cases(), "household__district"),
        ).order_by("code", "name")
    )
    extra = district_counts([d.pk for d in districts])
    for d in districts:
        d.extra_counts = [{"label": e["label"], "n": e["counts"][d.pk]} for e in extra]
    return districts


def get_district_for_user(user, pk) -> District:
    if not is_case_worker(user):
        raise Http404
    district = District.objects.filter(pk=pk).first()
    if district is None:
        raise Http404
    return district


def district_summary(district: District) -> dict:
    """What the district page shows: resources, recent activities and counts only."""
    resources = list(
        CommunityResource.objects.filter(district=district)
        .annotate(
            recent_activities=Count(
                "activities", filter=Q(activities__held_on__gte=_recent_start())
            )
        )
        .order_by("ended_on", "kind", "name")
    )
    activities = list(
        ActivityLog.objects.filter(resource__district=district)
        .select_related("resource")
        .order_by("-held_on", "-pk")[:20]
    )
    totals = ActivityLog.objects.filter(
        resource__district=district, held_on__gte=_recent_start()
    ).aggregate(
        **{band: Coalesce(Sum(band), 0) for band, _label in AGE_BANDS},
        volunteers=Coalesce(Sum("volunteers"), 0),
        n=Count("pk"),
    )
    extra = district_counts([district.pk])
    return {
        "resources": resources,
        "activities": activities,
        "recent_totals": totals,
        "recent_bands": [(label, totals[band]) for band, label in AGE_BANDS],
        "open_case_count": open_cases().filter(household__district=district).count(),
        "extra_counts": [{"label": e["label"], "n": e["counts"][district.pk]} for e in extra],
        "issues": list(
            CommunityIssue.objects.filter(
                district=district, status__in=OPEN_ISSUE_STATUSES
            ).order_by("-raised_on", "-pk")
        ),
        "recent_days": RECENT_DAYS,
    }


# ---------------------------------------------------------------- resources, activities


def resources_visible_to(user) -> QuerySet[CommunityResource]:
    if not is_case_worker(user):
        return CommunityResource.objects.none()
    return CommunityResource.objects.all()


def resource_list(
    user, *, kind: str = "", district=None, q: str = "", include_ended: bool = False
) -> QuerySet[CommunityResource]:
    qs = resources_visible_to(user)
    if not include_ended:
        qs = qs.filter(ended_on__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if district is not None:
        qs = qs.filter(district=district)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(organiser__contains=q) | Q(place__contains=q))
    return (
        qs.select_related("district")
        .annotate(
            last_held_on=Subquery(
                ActivityLog.objects.filter(resource=OuterRef("pk"))
                .order_by("-held_on")
                .values("held_on")[:1]
            )
        )
        .order_by("kind", "name", "pk")
    )


def get_resource_for_user(user, pk) -> CommunityResource:
    return get_object_or_404(
        resources_visible_to(user).select_related("district", "created_by"), pk=pk
    )


def activities_visible_to(user) -> QuerySet[ActivityLog]:
    if not is_case_worker(user):
        return ActivityLog.objects.none()
    return ActivityLog.objects.all()


def activity_list(user, *, resource=None, district=None, kind: str = "") -> QuerySet[ActivityLog]:
    qs = activities_visible_to(user)
    if resource is not None:
        qs = qs.filter(resource=resource)
    if district is not None:
        qs = qs.filter(resource__district=district)
    if kind:
        qs = qs.filter(resource__kind=kind)
    return qs.select_related("resource", "resource__district", "recorded_by").order_by(
        "-held_on", "-pk"
    )


def get_activity_for_user(user, pk) -> ActivityLog:
    activities = activities_visible_to(user).select_related(
        "resource", "resource__district", "recorded_by"
    )
    return get_object_or_404(activities, pk=pk)


def can_edit_activity(user, activity: ActivityLog) -> bool:
    """The person who logged it, or desk staff."""
    return is_case_worker(user) and (activity.recorded_by_id == user.pk or user.is_desk_staff)


# ---------------------------------------------------------------- issues


def issues_visible_to(user) -> QuerySet[CommunityIssue]:
    if not is_case_worker(user):
        return CommunityIssue.objects.none()
    return CommunityIssue.objects.all()


def issue_list(
    user, *, status: str = "open", district=None, source: str = ""
) -> QuerySet[CommunityIssue]:
    qs = issues_visible_to(user)
    if status == "open":
        qs = qs.filter(status__in=OPEN_ISSUE_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if district is not None:
        qs = qs.filter(district=district)
    if source:
        qs = qs.filter(source=source)
    return qs.select_related("district", "raised_by").order_by("-raised_on", "-pk")


def get_issue_for_user(user, pk) -> CommunityIssue:
    return get_object_or_404(issues_visible_to(user).select_related("district", "raised_by"), pk=pk)


# ---------------------------------------------------------------- figures


def _bands_present():
    total = None
    for band, _label in AGE_BANDS:
        term = SqlCase(When(**{f"{band}__gt": 0}, then=Value(1)), default=Value(0))
        total = term if total is None else total + term
    return total


# Head counts: the activity columns each figure sums (its list: the activities).
HEADCOUNT_FIGURES = {
    "participants": tuple(band for band, _label in AGE_BANDS),
    **{band: (band,) for band, _label in AGE_BANDS},
    "volunteers": ("volunteers",),
}


def community_items(start, end, figure: str) -> QuerySet:
    """What one 地域づくり figure of community_counts counts, for its list: resources,
    activities or issues of the period. A head count (HEADCOUNT_FIGURES) lists the
    activities whose columns it sums. KeyError for no such figure."""
    if figure == "active_resources":
        return CommunityResource.objects.active_between(start, end)
    activities = ActivityLog.objects.filter(held_on__gte=start, held_on__lte=end)
    if figure == "activities" or figure in HEADCOUNT_FIGURES:
        return activities
    if figure == "multigenerational_activities":
        return activities.annotate(bands=_bands_present()).filter(
            bands__gte=MULTIGENERATIONAL_BANDS
        )
    if figure == "issues_raised":
        return CommunityIssue.objects.filter(raised_on__gte=start, raised_on__lte=end)
    if figure == "issues_resolved":
        return CommunityIssue.objects.filter(
            status=IssueStatus.RESOLVED, resolved_on__gte=start, resolved_on__lte=end
        )
    raise KeyError(figure)


def community_counts(start, end) -> dict:
    """地域づくり figures for [start, end] (dates, inclusive), by aggregate SQL.

    - active_resources / active_resources_by_kind: resources running at some time in
      the period (started before its end, not ended before its start).
    - activities, participants_by_age_band (keys children, youth, middle_aged, elderly),
      participants, volunteers, multigenerational_activities (3+ age bands present).
    - issues_raised / issues_raised_by_source / cases_behind_issues_raised (the sum of the
      case counts given, never names), issues_resolved (resolved in the period).
    """
    by_kind = count_by(community_items(start, end, "active_resources"), "kind", ResourceKind.values)

    activity = (
        community_items(start, end, "activities")
        .annotate(bands=_bands_present())
        .aggregate(
            n=Count("pk"),
            volunteers=Coalesce(Sum("volunteers"), 0),
            multigenerational=Count("pk", filter=Q(bands__gte=MULTIGENERATIONAL_BANDS)),
            **{band: Coalesce(Sum(band), 0) for band, _label in AGE_BANDS},
        )
    )
    bands = {band: activity[band] for band, _label in AGE_BANDS}

    raised = community_items(start, end, "issues_raised")
    by_source = count_by(raised, "source", IssueSource.values)
    behind = raised.aggregate(n=Coalesce(Sum("case_count"), 0))["n"]
    resolved = community_items(start, end, "issues_resolved").count()
    return {
        "active_resources": sum(by_kind.values()),
        "active_resources_by_kind": by_kind,
        "activities": activity["n"],
        "participants_by_age_band": bands,
        "participants": sum(bands.values()),
        "volunteers": activity["volunteers"],
        "multigenerational_activities": activity["multigenerational"],
        "issues_raised": sum(by_source.values()),
        "issues_raised_by_source": by_source,
        "cases_behind_issues_raised": behind,
        "issues_resolved": resolved,
    }
