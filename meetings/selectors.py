"""Reads for meetings, and who may see which meeting.

Who sees a meeting (ISSUE 4 rule 6): its members, the users who attended, the chair
and the staff of the organising agency; everyone else gets 404. Who reads its agenda
briefs and minutes: the chair and organising agency's staff; for a 支援会議 a member
only once their 守秘義務 acknowledgement is recorded; for other kinds members and
attendees. Access to the cases themselves is decided by cases.sharing alone.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.http import Http404
from django.utils import timezone

from accounts.audit import log_access
from accounts.choices import Role
from accounts.models import AccessLog
from cases import sharing
from cases.choices import OPEN_STATUSES
from cases.models import Case
from common.expressions import ColumnCondition
from meetings.choices import CONFIDENTIAL_KINDS, MeetingKind, MeetingStatus
from meetings.models import (
    AgendaItem,
    Meeting,
    MeetingAttendee,
    MeetingMember,
    RoleAssignment,
)

# ---------------------------------------------------------------- who may do what


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def staff_agency_ids(user) -> list[int]:
    """Agencies in which the user works on cases (accounts: the user's memberships with
    a case role; an administrator's count for nothing)."""
    if not _active(user):
        return []
    return user.case_agency_ids


def can_create_meetings(user) -> bool:
    """Desk staff and 相談支援包括化推進員 convene meetings."""
    if not _active(user):
        return False
    return user.is_desk_staff or user.has_role(Role.COORDINATOR)


def organising_agencies_for(user):
    """Agencies the user may organise a meeting for."""
    from accounts.models import Agency

    if not can_create_meetings(user):
        return Agency.objects.none()
    return Agency.objects.filter(pk__in=staff_agency_ids(user)).order_by("-is_desk", "name")


def _organiser_q(user, path: str = "") -> Q:
    return Q(**{f"{path}chair": user}) | Q(
        **{f"{path}organising_agency_id__in": staff_agency_ids(user)}
    )


def _takes_part(model, user, *, acknowledged: bool | None = None, ref="pk") -> ColumnCondition:
    """Whether the user has a row in a meeting's members or attendees table for the
    meeting whose id is `ref`: the same test as
    Exists(MeetingMember.objects.filter(meeting=OuterRef("pk"), user=user)), as SQL."""
    sql = (
        f"EXISTS(SELECT 1 FROM {model._meta.db_table} tp "
        "WHERE tp.meeting_id = {column} AND tp.user_id = %s"
    )
    if acknowledged is not None:
        sql += f" AND tp.acknowledged_at IS {'NOT ' if acknowledged else ''}NULL"
    return ColumnCondition(sql + " LIMIT 1)", [user.pk], ref=ref)


def _is_member(user, path: str = "", **kwargs) -> ColumnCondition:
    return _takes_part(MeetingMember, user, ref=f"{path}pk", **kwargs)


def _is_attendee(user, path: str = "") -> ColumnCondition:
    return _takes_part(MeetingAttendee, user, ref=f"{path}pk")


def visible_q(user, path: str = "") -> Q:
    """Meetings the user may know of: organisers, members, attendees. `path` reaches
    the meeting from another model (e.g. "meeting__" on an agenda item), so a list of
    agenda items tests its joined meeting row rather than a subquery per test."""
    return _organiser_q(user, path) | _is_member(user, path) | _is_attendee(user, path)


def readable_q(user, path: str = "") -> Q:
    """Briefs and minutes: organisers; acknowledged members of a 支援会議; members and
    attendees of other kinds. A cancelled meeting shares nothing more with its members
    (their grants ended on cancelling); its organisers keep their record. `path` as in
    visible_q."""
    confidential = Q(**{f"{path}kind__in": CONFIDENTIAL_KINDS})
    acknowledged = _is_member(user, path, acknowledged=True)
    taking_part = _is_member(user, path) | _is_attendee(user, path)
    held = ~Q(**{f"{path}status": MeetingStatus.CANCELLED})
    return _organiser_q(user, path) | (
        held & ((confidential & acknowledged) | (~confidential & taking_part))
    )


def _as_flag(q: Q) -> ExpressionWrapper:
    """A condition as a boolean column, False rather than NULL where a nullable column
    (the chair) leaves it unknown."""
    return ExpressionWrapper(
        SqlCase(When(q, then=Value(True)), default=Value(False)), output_field=BooleanField()
    )


def _has_membership(user) -> bool:
    return _active(user) and bool(user.agency_ids)


def meetings_visible_to(user) -> QuerySet[Meeting]:
    if not _has_membership(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(visible_q(user))


def meetings_readable_by(user) -> QuerySet[Meeting]:
    if not _has_membership(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(readable_q(user))


@dataclass
class MeetingAccess:
    member: MeetingMember | None
    is_chair: bool
    can_manage: bool  # edit agenda, members, minutes (before finalisation), addenda
    can_read: bool  # agenda briefs and minutes
    # The agencies the user reads the agenda for: the organiser's staff for all their
    # agencies, a member for the agency they sit for, an attendee for theirs.
    reader_agency_ids: tuple[int, ...] = ()

    @property
    def must_acknowledge(self) -> bool:
        return self.member is not None and not self.member.has_acknowledged


def access_for(user, meeting: Meeting) -> MeetingAccess:
    member = MeetingMember.objects.filter(meeting=meeting, user=user).first()
    is_chair = meeting.chair_id == user.pk
    is_organiser_staff = meeting.organising_agency_id in staff_agency_ids(user)
    can_manage = is_chair or (is_organiser_staff and can_create_meetings(user))
    attended = ()
    if not (is_chair or is_organiser_staff or member):
        attended = tuple(
            MeetingAttendee.objects.filter(meeting=meeting, user=user).values_list(
                "agency_id", flat=True
            )
        )
    if is_organiser_staff:
        readers = tuple(staff_agency_ids(user))
    elif member is not None:
        readers = (member.agency_id,)
    elif is_chair:
        readers = tuple(user.agency_ids)
    else:
        readers = tuple(a for a in attended if a)
    if is_chair or is_organiser_staff:
        can_read = True
    elif meeting.status == MeetingStatus.CANCELLED:
        can_read = False
    elif meeting.is_confidential:
        can_read = member is not None and member.has_acknowledged
    else:
        can_read = member is not None or bool(attended)
    return MeetingAccess(
        member=member,
        is_chair=is_chair,
        can_manage=can_manage,
        can_read=can_read,
        reader_agency_ids=readers,
    )


def get_meeting_for_user(user, pk, *, request=None) -> tuple[Meeting, MeetingAccess]:
    """The meeting and what the user may do with it, or 404 (logged)."""
    meeting = (
        meetings_visible_to(user)
        .select_related("organising_agency", "chair", "finalised_by", "cancelled_by")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        if _active(user):
            log_access(
                user=user,
                object_type="meetings.meeting",
                object_id=str(pk),
                outcome=AccessLog.Outcome.DENIED,
                request=request,
            )
        raise Http404
    return meeting, access_for(user, meeting)


# ---------------------------------------------------------------- lists


def meeting_list(
    user,
    *,
    kind: str = "",
    when: str = "upcoming",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Meeting]:
    """Meetings the user may see, newest last for upcoming ones, in a constant number
    of queries. The queryset orders and pages; `meeting_list_rows` then reads a page's
    rows with what the list shows of each."""
    qs = meetings_visible_to(user)
    now = timezone.now()
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(starts_at__date__lte=date_to)
    if when == "upcoming":
        qs = qs.filter(starts_at__gte=now - dt.timedelta(hours=12)).exclude(
            status=MeetingStatus.CANCELLED
        )
        order = ("starts_at", "pk")
    elif when == "past":
        qs = qs.filter(starts_at__lt=now)
        order = ("-starts_at", "-pk")
    else:
        order = ("-starts_at", "-pk")
    return qs.order_by(*order)


def meeting_list_rows(meetings) -> list[Meeting]:
    """A page of `meeting_list` with its organiser, chair and the counts of agenda items
    and members, in the page's order. The counts join and group the page's meetings
    only: counted in the paged query, every meeting before the page (past meetings,
    page 60: ~1,800) was joined, grouped and sorted for 30 rows."""
    ids = [meeting.pk for meeting in meetings]
    rows = (
        Meeting.objects.filter(pk__in=ids)
        .select_related("organising_agency", "chair")
        .annotate(
            item_count=Count("items", distinct=True),
            member_count=Count("members", distinct=True),
        )
        .in_bulk()
    )
    return [rows[pk] for pk in ids if pk in rows]


def upcoming_meetings_for(user, *, days: int = 14) -> QuerySet[Meeting]:
    """ホーム: the meetings the user may see in the coming days; `must_acknowledge`
    marks a 支援会議 whose 守秘義務 the user has yet to acknowledge."""
    now = timezone.now()
    pending = _is_member(user, acknowledged=False)
    return (
        meetings_visible_to(user)
        .filter(
            starts_at__gte=now - dt.timedelta(hours=12),
            starts_at__lte=now + dt.timedelta(days=days),
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("organising_agency")
        .annotate(
            must_acknowledge=ExpressionWrapper(
                Q(kind__in=CONFIDENTIAL_KINDS) & pending, output_field=BooleanField()
            )
        )
        .order_by("starts_at", "pk")
    )


def agenda(meeting: Meeting, access: MeetingAccess | None = None) -> list[AgendaItem]:
    """The agenda in order. With the reader's access, each item carries `readable`:
    whether its title, brief and minutes may be shown to them (mark_readable)."""
    items = list(
        meeting.items.select_related("case", "case__household", "plan", "decided_by")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.select_related("agency", "done_by").order_by("pk"),
            ),
            "addenda__added_by",
        )
        .order_by("order", "pk")
    )
    if access is not None:
        mark_readable(meeting, access, items)
    return items


def mark_readable(meeting: Meeting, access: MeetingAccess, items) -> None:
    """Which agenda items the reader may read. A 支援会議 shares its cases without
    consent with those who read it at all. Every other kind rests on the person's
    consent: a case item is readable only while one of the reader's agencies is at the
    table for that case (cases.sharing.at_the_table: its lead, or named by a valid
    consent), so a withdrawn or expired consent, or a change of lead, takes the case
    out of what the reader sees at once. Items without a case are read by all readers."""
    at_table = set()
    if access.can_read and not meeting.is_confidential:
        case_ids = {item.case_id for item in items if item.case_id}
        if case_ids and access.reader_agency_ids:
            at_table = set(
                Case.objects.filter(pk__in=case_ids)
                .filter(sharing.at_the_table_q(access.reader_agency_ids))
                .values_list("pk", flat=True)
            )
    for item in items:
        if not access.can_read:
            item.readable = False
        elif meeting.is_confidential or item.case_id is None:
            item.readable = True
        else:
            item.readable = item.case_id in at_table


def members(meeting: Meeting) -> list[MeetingMember]:
    attended = MeetingAttendee.objects.filter(meeting=meeting, user=OuterRef("user"))
    return list(
        meeting.members.select_related("user", "agency", "acknowledgement_recorded_by")
        .annotate(attended=Exists(attended))
        .order_by("pk")
    )


def other_attendees(meeting: Meeting) -> list[MeetingAttendee]:
    """Users who attended without being members (not possible on a 支援会議)."""
    is_member = MeetingMember.objects.filter(meeting=meeting, user=OuterRef("user"))
    return list(
        meeting.attendees.select_related("user", "agency")
        .annotate(is_member=Exists(is_member))
        .filter(is_member=False)
    )


def case_meeting_items(case: Case, user) -> QuerySet[AgendaItem]:
    """The agenda items about this case the user may know of (timeline, case page).

    支援会議 items: only for the lead agency's staff and for those who may read that
    meeting's minutes (its members once acknowledged, its organisers). Other kinds:
    anyone who sees the case's records. Never anything from a cancelled meeting.
    """
    if not _has_membership(user):
        return AgendaItem.objects.none()
    can_records = getattr(case, "can_records", None)
    if can_records is None:
        can_records = sharing.can(user, case, "records")
    can_change = getattr(case, "can_change", None)
    if can_change is None:
        can_change = sharing.can(user, case, "change")
    # The conditions on the joined meeting row (the item has one meeting), not
    # EXISTS subqueries over the meetings: the same test, a fraction of the ORM's work.
    readable = readable_q(user, "meeting__")
    confidential = Q(meeting__kind__in=CONFIDENTIAL_KINDS)
    allowed = confidential & (Q(pk__isnull=False) if can_change else readable)
    if can_records:
        allowed |= ~confidential
    return (
        AgendaItem.objects.filter(case=case)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .filter(allowed)
        .select_related("meeting", "meeting__organising_agency", "plan")
        .annotate(
            meeting_visible=_as_flag(visible_q(user, "meeting__")),
            minutes_readable=_as_flag(readable),
        )
        .order_by("-meeting__starts_at", "-pk")
    )


def open_tasks_for(user) -> QuerySet[RoleAssignment]:
    """「自機関の担当」: open 役割分担 of the user's agencies. Tasks from a 支援会議 only
    for those who may read its minutes (守秘義務); the case is named only to those who
    may see the case or read the meeting."""
    if not _has_membership(user):
        return RoleAssignment.objects.none()
    readable = readable_q(user, "item__meeting__")
    case_visible = sharing.case_visible_expr(user, "item__case_id")
    return (
        RoleAssignment.objects.filter(done_at__isnull=True, agency_id__in=user.agency_ids)
        .exclude(item__meeting__status=MeetingStatus.CANCELLED)
        .filter(~Q(item__meeting__kind__in=CONFIDENTIAL_KINDS) | readable)
        .select_related("agency", "item", "item__meeting", "item__case")
        .annotate(
            meeting_visible=_as_flag(visible_q(user, "item__meeting__")),
            case_named=_as_flag(readable | Q(case_visible)),
        )
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )


def selectable_cases(user) -> QuerySet[Case]:
    """Cases the user may put on an agenda: those they see at least in summary."""
    return (
        sharing.cases_visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("household")
        .order_by("-opened_on", "-pk")
    )


# ---------------------------------------------------------------- statistics


def meeting_counts(start: dt.date, end: dt.date, agency=None) -> dict:
    """Meetings held and cases discussed in [start, end] (local dates, inclusive), for
    the monthly statistics. A meeting counts as held when it was not cancelled and its
    start time has passed. 実件数 = distinct cases, 延べ = agenda items about a case.

    Returns plain dicts keyed by MeetingKind value, each kind present (0 when none):
      {"held": {kind: n}, "held_total": n,
       "cases_distinct": {kind: n}, "cases_distinct_total": n,
       "case_items": {kind: n}, "case_items_total": n}
    """
    meetings = Meeting.objects.filter(
        starts_at__date__gte=start, starts_at__date__lte=end, starts_at__lte=timezone.now()
    ).exclude(status=MeetingStatus.CANCELLED)
    if agency is not None:
        meetings = meetings.filter(organising_agency=agency)
    kinds = {k: 0 for k in MeetingKind.values}

    held = dict(kinds)
    for row in meetings.values("kind").annotate(n=Count("pk")).order_by():
        held[row["kind"]] = row["n"]

    items = AgendaItem.objects.filter(meeting__in=meetings.values("pk"), case__isnull=False)
    distinct, total_items = dict(kinds), dict(kinds)
    for row in (
        items.values("meeting__kind")
        .annotate(cases=Count("case", distinct=True), n=Count("pk"))
        .order_by()
    ):
        distinct[row["meeting__kind"]] = row["cases"]
        total_items[row["meeting__kind"]] = row["n"]
    totals = items.aggregate(cases=Count("case", distinct=True), n=Count("pk"))
    return {
        "held": held,
        "held_total": sum(held.values()),
        "cases_distinct": distinct,
        "cases_distinct_total": totals["cases"] or 0,
        "case_items": total_items,
        "case_items_total": totals["n"] or 0,
    }
