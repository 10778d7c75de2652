"""Reads for referrals, named for the question they answer.

A referral is seen by the case workers of the two agencies it joins (sender and
receiver) and by nobody else; lists are filtered in SQL. What a referral opens of the
case is decided by cases.sharing, never here.
"""

import datetime as dt
import statistics

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from accounts.audit import log_access
from accounts.choices import AgencyKind
from accounts.models import AccessLog, Agency
from cases import sharing
from cases.models import Case as CaseModel
from cases.models import SupportRecord
from households.models import Person
from referrals.choices import GRANTED_STATUSES, ReferralStatus
from referrals.models import Notification, Referral, ReferralEvent

RECEIVED = "received"
SENT = "sent"


def _is_case_worker(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.works_on_cases)


def referrals_visible_to(user) -> QuerySet[Referral]:
    """Referrals sent by or to one of the user's agencies."""
    if not _is_case_worker(user):
        return Referral.objects.none()
    ids = user.agency_ids
    return Referral.objects.filter(Q(from_agency_id__in=ids) | Q(to_agency_id__in=ids))


def _for_list(qs: QuerySet[Referral], *, contents: bool = True) -> QuerySet[Referral]:
    """What the lists show, in a constant number of queries: unanswered first (overdue
    ones on top), then those in work, then the ended; newest first within each. The
    lists name no case, so its row is not joined (30 Case instances a page unused); of
    the persons they show the name alone, so only its columns are read, into a list
    (listed_persons: no related manager and queryset made per row to read them).

    contents=False: a list that shows neither persons nor the request (ホーム's) reads
    neither the persons nor whether the basis still holds (which decides showing them)."""
    if contents:
        qs = qs.with_basis_state().prefetch_related(
            Prefetch(
                "persons",
                queryset=Person.objects.only("pk", "family_name", "given_name").order_by("pk"),
                to_attr="listed_persons",
            )
        )
    return (
        qs.select_related("from_agency", "to_agency", "from_staff")
        .annotate(
            priority=Case(
                When(status=ReferralStatus.SENT, overdue_since__isnull=False, then=Value(0)),
                When(status=ReferralStatus.SENT, then=Value(1)),
                When(status__in=GRANTED_STATUSES, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("priority", "-sent_at", "-pk")
    )


def inbox(user, *, tab: str = RECEIVED) -> QuerySet[Referral]:
    """The partner's inbox (referrals to their agency) or the sent list."""
    if not _is_case_worker(user):
        return Referral.objects.none()
    ids = user.agency_ids
    if tab == SENT:
        qs = Referral.objects.filter(from_agency_id__in=ids)
    else:
        qs = Referral.objects.filter(to_agency_id__in=ids)
    return _for_list(qs)


def has_sent(user) -> bool:
    return Referral.objects.filter(from_agency_id__in=user.agency_ids).exists()


def get_referral_for_user(user, pk, *, request=None) -> Referral:
    """A referral the user may see, or 404 (the refusal is logged)."""
    referral = (
        referrals_visible_to(user)
        .with_basis_state()
        .select_related(
            "case",
            "case__household",
            "from_agency",
            "to_agency",
            "from_staff",
            "consent",
            "consent__person",
            "support_record",
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        if user is not None and user.is_authenticated:
            log_access(
                user=user,
                object_type="referrals.referral",
                object_id=str(pk),
                outcome=AccessLog.Outcome.DENIED,
                request=request,
            )
        raise Http404
    return referral


def referral_events(referral: Referral):
    return list(referral.events.select_related("by").order_by("at", "pk"))


def receiver_records(referral: Referral):
    """The receiving agency's own support records on the case written since the
    referral was sent: theirs to read even when their scope hides the case's records, and after
    their access ended."""
    return list(
        SupportRecord.objects.filter(
            case=referral.case, agency=referral.to_agency, created_at__gte=referral.sent_at
        )
        .select_related("staff")
        .order_by("-occurred_at", "-pk")
    )


def referrals_for_case(case, user) -> list[Referral]:
    """The case page's panel: the case's referrals the user's agencies are party to."""
    return list(
        referrals_visible_to(user)
        .filter(case=case)
        .select_related("from_agency", "to_agency", "from_staff")
        .prefetch_related(
            Prefetch(
                "persons",
                queryset=Person.objects.only("pk", "family_name", "given_name").order_by("pk"),
                to_attr="listed_persons",
            )
        )
        .order_by("-sent_at", "-pk")
    )


def case_referral_events(case) -> list[ReferralEvent]:
    return list(
        ReferralEvent.objects.filter(referral__case=case)
        .select_related("by", "referral__from_agency", "referral__to_agency")
        .order_by("at", "pk")
    )


def inbox_rows(referrals, tab: str) -> list[Referral]:
    """A page of the inbox, each referral marked shows_contents: the sender always sees
    what it sent; the receiver sees the persons and the request only while the consent
    or the legal exemption holds (basis_holds)."""
    rows = list(referrals)
    for referral in rows:
        referral.shows_contents = tab == SENT or referral.basis_holds
    return rows


def ended_referral_grants(case) -> list:
    """Grants that rested on a referral of this case and have ended (cases.sharing)."""
    return sharing.ended_grants_on(case, Referral)


def awaiting_answer(user) -> QuerySet[Referral]:
    """Unanswered referrals to the user's agencies (home page: no persons, no request)."""
    if not _is_case_worker(user):
        return Referral.objects.none()
    return _for_list(
        Referral.objects.unanswered().filter(to_agency_id__in=user.agency_ids), contents=False
    )


def overdue_for(user) -> QuerySet[Referral]:
    """Overdue unanswered referrals, sent or received by the user's agencies (home page:
    no persons, no request)."""
    return _for_list(referrals_visible_to(user).overdue(), contents=False)


# ---------------------------------------------------------------- notifications


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# ---------------------------------------------------------------- agency directory


def agency_directory(*, q: str = "", kind: str = "", include_inactive: bool = False):
    """繋ぎ先一覧: searchable by name, kind (its Japanese label) and what it handles."""
    qs = Agency.objects.all() if include_inactive else Agency.objects.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    q = (q or "").strip()
    if q:
        kinds = [value for value, label in AgencyKind.choices if q in str(label)]
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(handles__icontains=q)
            | Q(address__icontains=q)
            | Q(contact_person__icontains=q)
            | Q(kind__in=kinds)
        )
    return qs.order_by("-is_desk", "kind", "name")


# ---------------------------------------------------------------- statistics


def referral_counts_by_kind(start: dt.date, end: dt.date, agency: Agency | None = None) -> dict:
    """繋ぎ先 table: referrals sent in [start, end] (local dates), by the receiving
    agency's kind, and how many of those were accepted (at any time since).
    agency limits it to referrals sent by that agency. One GROUP BY query."""
    qs = Referral.objects.filter(sent_at__date__gte=start, sent_at__date__lte=end)
    if agency is not None:
        qs = qs.filter(from_agency=agency)
    rows = (
        qs.values("to_agency__kind")
        .annotate(sent=Count("pk"), accepted=Count("pk", filter=Q(accepted_at__isnull=False)))
        .order_by("to_agency__kind")
    )
    return {r["to_agency__kind"]: {"sent": r["sent"], "accepted": r["accepted"]} for r in rows}


def _day_stats(pairs) -> dict:
    """Calendar days (Asia/Tokyo) between each (start, end) pair: count, median, average."""
    days = [
        (timezone.localdate(end) - timezone.localdate(begin)).days
        for begin, end in pairs
        if begin is not None and end is not None
    ]
    if not days:
        return {"count": 0, "median": None, "average": None}
    return {
        "count": len(days),
        "median": float(statistics.median(days)),
        "average": round(statistics.fmean(days), 1),
    }


def days_consultation_to_first_referral(start: dt.date, end: dt.date) -> dict:
    """For cases whose first referral was sent in [start, end]: days from the case's
    first consultation to that referral. The firsts are found by aggregate SQL (MIN per
    case); the median and average of the resulting day counts are taken here."""
    pairs = (
        CaseModel.objects.annotate(
            first_referral_at=Min("referrals__sent_at"),
            first_consultation_at=Min("consultation_links__consultation__received_at"),
        )
        .filter(
            first_referral_at__date__gte=start,
            first_referral_at__date__lte=end,
            first_consultation_at__isnull=False,
            first_consultation_at__lte=F("first_referral_at"),
        )
        .values_list("first_consultation_at", "first_referral_at")
    )
    return _day_stats(pairs)


def days_referral_to_acceptance(start: dt.date, end: dt.date) -> dict:
    """For referrals sent in [start, end] and accepted: days from sending to acceptance."""
    pairs = Referral.objects.filter(
        sent_at__date__gte=start, sent_at__date__lte=end, accepted_at__isnull=False
    ).values_list("sent_at", "accepted_at")
    return _day_stats(pairs)


def can_see_case(user, referral: Referral, action: str = "summary") -> bool:
    return sharing.can(user, referral.case, action)
