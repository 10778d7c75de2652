"""Reads for アウトリーチ, filtered in SQL by who may see them.

Visibility rule (to live in cases.sharing, which owns every access decision; it is
kept here until it moves, and mirrors sharing.py's shape): an outreach target exists
before any consent, so no case grant can cover it. It is seen only by

- desk staff (user.is_desk_staff: case workers of the 福祉の相談窓口), and
- case workers of the agency it is assigned to (assigned_agency_id in user.agency_ids).

Administrators, 庁内職員 and every other agency see nothing and get 404. A campaign of
世帯訪問調査 and its visit rows are seen by desk staff and the visiting agencies.
"""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.audit import log_denied
from cases.sharing import outreach_targets_visible_q
from common.counting import count_by
from outreach.choices import (
    OPEN_TARGET_STATUSES,
    ContactMethod,
    TargetSource,
    TargetStatus,
    VisitResult,
)
from outreach.models import ContactAttempt, OutreachTarget, VisitCampaign, VisitRecord


def _is_case_worker(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.works_on_cases)


def targets_visible_to(user) -> QuerySet[OutreachTarget]:
    q = outreach_targets_visible_q(user)
    if q is None:
        return OutreachTarget.objects.none()
    return OutreachTarget.objects.filter(q)


def get_target_for_user(user, pk) -> OutreachTarget:
    """A target the user may see (and so act on: read and write are the same rule), or 404."""
    target = (
        targets_visible_to(user)
        .select_related(
            "household",
            "household__district",
            "person",
            "district",
            "assigned_agency",
            "case",
            "visit",
            "visit__campaign",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if target is None:
        log_denied(user=user, object_type="outreach.outreachtarget", object_id=pk)
        raise Http404
    return target


def target_list(
    user, *, status: str = "open", source: str = "", district=None, q: str = ""
) -> QuerySet[OutreachTarget]:
    qs = targets_visible_to(user)
    if status == "open":
        qs = qs.filter(status__in=OPEN_TARGET_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if district is not None:
        qs = qs.filter(district=district)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(description__contains=q)
            | Q(concern__contains=q)
            | Q(household__name__contains=q)
            | Q(person__family_name__contains=q)
            | Q(person__given_name__contains=q)
        )
    return qs.select_related("household", "person", "district", "assigned_agency", "case").order_by(
        "-found_on", "-pk"
    )


def contacts_for(target: OutreachTarget):
    return target.contacts.select_related("agency", "staff", "support_record").order_by(
        "-contacted_on", "-pk"
    )


# ---------------------------------------------------------------- 世帯訪問調査


def campaigns_visible_to(user) -> QuerySet[VisitCampaign]:
    if not _is_case_worker(user):
        return VisitCampaign.objects.none()
    if user.is_desk_staff:
        return VisitCampaign.objects.all()
    ids = VisitCampaign.objects.filter(visiting_agencies__in=user.agency_ids).values("pk")
    return VisitCampaign.objects.filter(pk__in=ids)


def get_campaign_for_user(user, pk) -> VisitCampaign:
    campaign = campaigns_visible_to(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def campaign_list(user) -> QuerySet[VisitCampaign]:
    return (
        campaigns_visible_to(user)
        .annotate(
            visit_count=Count("visits", distinct=True),
            visited_count=Count("visits", filter=~Q(visits__result=""), distinct=True),
            concern_count=Count(
                "visits", filter=Q(visits__result=VisitResult.CONCERN), distinct=True
            ),
        )
        .prefetch_related("districts", "visiting_agencies")
        .order_by("-starts_on", "-pk")
    )


def campaign_visits(campaign: VisitCampaign, *, result: str = "") -> QuerySet[VisitRecord]:
    """Rows of the campaign; result "todo" = not visited yet."""
    qs = campaign.visits.all()
    if result == "todo":
        qs = qs.filter(result="")
    elif result:
        qs = qs.filter(result=result)
    return qs.select_related(
        "household", "household__district", "visited_by", "agency", "target"
    ).order_by("household__district__name", "household__name", "pk")


def flagged_untargeted(campaign: VisitCampaign) -> QuerySet[VisitRecord]:
    """気になる点あり rows that have not become an outreach target yet."""
    return campaign.visits.filter(result=VisitResult.CONCERN, target__isnull=True)


# ---------------------------------------------------------------- figures


def district_open_target_counts(district_ids) -> dict[int, int]:
    """Targets still being reached out to, per district (counts only)."""
    rows = (
        OutreachTarget.objects.open()
        .filter(district_id__in=list(district_ids))
        .values("district_id")
        .annotate(n=Count("pk"))
    )
    return {r["district_id"]: r["n"] for r in rows}


def outreach_items(start, end, figure: str) -> QuerySet:
    """What one アウトリーチ figure counts (the keys of reports' table: outreach_counts'
    figures, survey_visits for every visit with a result), for its list. KeyError for
    no such figure."""
    if figure == "targets_found":
        return OutreachTarget.objects.filter(found_on__gte=start, found_on__lte=end)
    contacts = ContactAttempt.objects.filter(contacted_on__gte=start, contacted_on__lte=end)
    if figure == "contacts":
        return contacts
    if figure == "contacts_reached":
        return contacts.filter(reached=True)
    if figure == "targets_connected":
        return OutreachTarget.objects.filter(
            status=TargetStatus.CONNECTED, connected_on__gte=start, connected_on__lte=end
        )
    if figure == "survey_visits":
        return VisitRecord.objects.filter(visited_on__gte=start, visited_on__lte=end).exclude(
            result=""
        )
    raise KeyError(figure)


def outreach_counts(start, end) -> dict:
    """アウトリーチ figures for [start, end] (dates, inclusive), by aggregate SQL.

    - targets_found / targets_found_by_source: targets whose 把握日 falls in the period.
    - contacts / contacts_by_method / contacts_reached: every ContactAttempt in the period.
    - contacts_on_case_records: those also written as a 支援経過 (SupportRecord with
      事業 ③); reports that count SupportRecords must add only contacts_not_on_case_records
      to avoid counting a contact twice.
    - targets_connected: targets that reached 支援につながった in the period.
    - survey_visits_by_result: 世帯訪問調査 visits made in the period.
    """
    targets = outreach_items(start, end, "targets_found")
    by_source = count_by(targets, "source", TargetSource.values)

    contacts = outreach_items(start, end, "contacts")
    by_method = dict.fromkeys(ContactMethod.values, 0)
    reached = on_records = 0
    for row in (
        contacts.values("method")
        .annotate(
            n=Count("pk"),
            reached=Count("pk", filter=Q(reached=True)),
            on_records=Count("support_record"),
        )
        .order_by()
    ):
        by_method[row["method"]] = row["n"]
        reached += row["reached"]
        on_records += row["on_records"]

    connected = outreach_items(start, end, "targets_connected").count()

    visits = count_by(outreach_items(start, end, "survey_visits"), "result", VisitResult.values)

    total_contacts = sum(by_method.values())
    return {
        "targets_found": sum(by_source.values()),
        "targets_found_by_source": by_source,
        "contacts": total_contacts,
        "contacts_by_method": by_method,
        "contacts_reached": reached,
        "contacts_on_case_records": on_records,
        "contacts_not_on_case_records": total_contacts - on_records,
        "targets_connected": connected,
        "survey_visits_by_result": visits,
    }
