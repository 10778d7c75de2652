"""Reads for 相談受付 and つなぐシート, named for the question they answer.

Consultations are filtered by intake.access (which cases.sharing widens); sheets by
the rule of the つなぐシート: the sender sees their own, the desk sees all.
"""

import datetime as dt

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from households.models import Person
from intake.access import consultations_visible_to, first_or_404
from intake.choices import SheetStatus
from intake.models import ConnectSheet, Consultation, ConsultationCategoryLink

SHOW_ALL = "all"
SHOW_AWAITING_CASE = "awaiting"


def _category_links():
    return Prefetch(
        "category_links",
        queryset=ConsultationCategoryLink.objects.select_related("category").order_by(
            "-is_primary", "category__order", "pk"
        ),
    )


def consultation_list(
    user,
    *,
    show: str = SHOW_ALL,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Consultation]:
    """The intake queue: consultations the user may see, newest first, with what the
    list shows, in a constant number of queries."""
    qs = consultations_visible_to(user)
    if show == SHOW_AWAITING_CASE:
        qs = qs.awaiting_case()
    if start:
        qs = qs.filter(received_at__date__gte=start)
    if end:
        qs = qs.filter(received_at__date__lte=end)
    return (
        qs.select_related("household", "received_by", "agency", "case_link")
        .prefetch_related(
            _category_links(),
            Prefetch("persons", queryset=Person.objects.order_by("pk")),
        )
        .order_by("-received_at", "-pk")
    )


def awaiting_case_count(user) -> int:
    return consultations_visible_to(user).awaiting_case().count()


def consultation_categories(consultation: Consultation) -> list[ConsultationCategoryLink]:
    return list(
        consultation.category_links.select_related("category").order_by(
            "-is_primary", "category__order", "pk"
        )
    )


def consultation_persons(consultation: Consultation) -> list[Person]:
    return list(consultation.persons.order_by("pk"))


def household_current_members(household) -> list[Person]:
    """Current members of a household, in the order they joined."""
    return list(
        Person.objects.filter(
            household_memberships__household=household, household_memberships__until__isnull=True
        ).order_by("household_memberships__pk")
    )


# ---------------------------------------------------------------- つなぐシート


def sheets_visible_to(user, *, is_desk: bool) -> QuerySet[ConnectSheet]:
    """The desk's staff see every sheet; anyone else only the sheets they sent.

    is_desk is user.is_desk_staff, asked once per request by the caller.
    """
    if not user.is_authenticated:
        return ConnectSheet.objects.none()
    if is_desk:
        return ConnectSheet.objects.all()
    return ConnectSheet.objects.filter(sender=user)


def sheet_list(user, *, is_desk: bool) -> QuerySet[ConnectSheet]:
    """Sheets for the list page: for the desk those not yet answered first."""
    qs = sheets_visible_to(user, is_desk=is_desk).select_related("sender", "sender_agency")
    if is_desk:
        unanswered_first = Case(
            When(status=SheetStatus.SENT, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return qs.order_by(unanswered_first, "-sent_at", "-pk")
    return qs.order_by("-sent_at", "-pk")


def get_sheet_for_user(user, pk, *, is_desk: bool) -> ConnectSheet:
    """A sheet the user may read, or 404 (another sender's sheet is not confirmed to
    exist)."""
    return first_or_404(
        sheets_visible_to(user, is_desk=is_desk).select_related(
            "sender", "sender_agency", "taken_up_by", "consultation"
        ),
        user=user,
        pk=pk,
        object_type="intake.connectsheet",
    )
