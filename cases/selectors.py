"""Reads for cases, all built on cases.sharing."""

import datetime as dt
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import sharing
from cases.choices import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    CaseStatus,
    PlanStatus,
    Project,
    RecordKind,
)
from cases.models import (
    Case,
    CaseAttachment,
    CasePerson,
    CaseStatusChange,
    SupportPlan,
    SupportRecord,
)
from cases.registry import TimelineEntry, timeline_providers
from common import kana, paging, textsearch
from common.row_urls import row_url
from households.access import attachments_withheld
from households.models import Household, Person
from intake.models import Consultation

CASE_LIST_ORDER = ["-opened_on", "-pk"]
CASE_LIST_COLUMNS = (
    "title",
    "status",
    "risk_level",
    "opened_on",
    "household__name",
    "lead_agency__name",
    # What User.__str__ reads.
    "lead_staff__display_name",
    "lead_staff__first_name",
    "lead_staff__last_name",
    "lead_staff__username",
)
CASE_LIST_PAGE = 30


def case_list(user, *, q: str = "", status: str = "open", mine: bool = False) -> QuerySet[Case]:
    """Cases the user may see, with what the list shows, in a constant number of queries."""
    terms = (q or "").split()
    # A search narrows the cases by its indexes first: each match is then probed. So is
    # each case a page walks for a user who holds most of the city's (the desk).
    qs = sharing.cases_visible_to(user, probe=bool(terms) or sharing.sees_many_cases(user))
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "ended":
        qs = qs.filter(status__in=ENDED_STATUSES)
    if mine:
        qs = qs.filter(lead_staff=user)
    for term in terms:
        sql, params = _text_match_sql(term)
        qs = qs.filter(RawSQL(sql, params, output_field=BooleanField()))
    return (
        qs.select_related("household", "lead_agency", "lead_staff")
        # The columns the list shows (and pages by), not every column of the four
        # tables: the rows are built and the statement compiled for ~20 columns, not ~60.
        .only(*CASE_LIST_COLUMNS)
        .prefetch_related(
            Prefetch(
                "case_persons",
                # The list names each person: their name columns alone are read.
                queryset=CasePerson.objects.select_related("person")
                .only("case", "role", "person", "person__family_name", "person__given_name")
                .order_by("role", "pk"),
            )
        )
        .order_by(*CASE_LIST_ORDER)
    )


def lead_open_cases(user) -> QuerySet[Case]:
    """ホーム's 「担当中のケース」: the open cases the user leads, newest first, read by
    walking the (lead_staff, -opened_on, -id) index and stopping at the page's end,
    not by sorting every open case of a counsellor who leads hundreds. Each case walked
    is probed for the user's permission (sharing's probe), not checked against a hash
    of every case the user's agencies hold (the desk: ~18,000)."""
    return (
        sharing.cases_visible_to(user, action="change", probe=True)
        .filter(lead_staff=user, status__in=OPEN_STATUSES)
        .select_related("household", "lead_agency")
        .order_by(*CASE_LIST_ORDER)
    )


def _text_match_sql(term: str) -> tuple[str, list]:
    """A condition on the case row: its title or its household's name contains term,
    or (kana) a person on it has a ふりがな starting with it. Everyone may search by a
    household's name, which is never hidden (住所秘匿 hides address and phone, not the
    name).

    On PostgreSQL the title and the household's name are each answered by a GIN index
    on the case table itself (`title_bigrams`, and `household_name_bigrams`, which
    cases 0010's triggers keep equal to the household's `name_bigrams`): the two make
    one bitmap OR over the cases, filtered and sorted where they are (「山田」 at
    100,000 households: 20 -> 4 ms). On SQLite, plain LIKE (common.textsearch)."""
    alias = router.db_for_read(Case)
    case = f'"{Case._meta.db_table}"'
    households = Household._meta.db_table
    title, params = textsearch.contains_sql(
        f"{case}.title", term, bigrams=f"{case}.title_bigrams", alias=alias
    )
    named = (
        f"EXISTS (SELECT 1 FROM {households} h WHERE h.id = {case}.household_id "
        "AND h.name LIKE %s ESCAPE '\\')"
    )
    if connections[alias].vendor == "postgresql":
        # A term of one or two characters is its own token: holding it is containing it.
        household = f"{case}.household_name_bigrams @> %s::text[]"
        params = [*params, textsearch.tokens(term)]
        if len(term) > 2:
            household += f" AND {named}"
            params.append(textsearch.like_pattern(term))
    else:
        household = named
        params = [*params, textsearch.like_pattern(term)]
    sql = f"({title}) OR ({household})"
    if kana.is_kana(term):
        on_case = (
            f"SELECT cp.case_id FROM {CasePerson._meta.db_table} cp "
            f"JOIN {Person._meta.db_table} p ON p.id = cp.person_id "
            "WHERE p.name_kana LIKE %s ESCAPE '\\'"
        )
        if connections[alias].vendor == "postgresql":
            # Those cases' ids first (one InitPlan), so that the OR stays a bitmap OR
            # of index scans; as "IN (…)" PostgreSQL walked every case in date order.
            sql += f" OR {case}.id = ANY(ARRAY({on_case}))"
        else:
            sql += f" OR {case}.id IN ({on_case})"
        params.append(textsearch.like_pattern(kana.normalise_kana(term))[1:])
    return f"({sql})", params


def case_persons(case: Case):
    return list(
        CasePerson.objects.filter(case=case).select_related("person").order_by("role", "pk")
    )


def case_plans(case: Case) -> list[SupportPlan]:
    """Every version of the case's plan, newest first, read once per case object (the
    case page shows the active one, the draft and all of them on the timeline). For
    reads within one request only: services use active_plan."""
    if "_plans" not in case.__dict__:
        case.__dict__["_plans"] = list(
            SupportPlan.objects.filter(case=case).select_related("created_by").order_by("-number")
        )
    return case.__dict__["_plans"]


def page_plans(case: Case) -> tuple[SupportPlan | None, SupportPlan | None]:
    """(the active plan, the plan being drafted) for the case page, from case_plans."""
    plans = case_plans(case)
    active = next((p for p in plans if p.status in (PlanStatus.ACTIVE, PlanStatus.REVIEWED)), None)
    draft = next((p for p in plans if p.status in (PlanStatus.DRAFT, PlanStatus.CONSENTED)), None)
    return active, draft


def active_plan(case: Case) -> SupportPlan | None:
    return (
        case.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED])
        .order_by("-number")
        .first()
    )


TIMELINE_PAGE = 50
_RECORD_KEY = "record:{:020d}"


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str  # "" when this page reaches the start of the case


def _timeline_cursor(text: str) -> tuple[dt.datetime, str] | None:
    values = paging.decode_cursor(text, 2)
    if values is None:
        return None
    try:
        at = dt.datetime.fromisoformat(values[0])
    except ValueError:
        return None
    if timezone.is_naive(at):
        return None
    try:  # year 1 in Japan is before year 1 in UTC, which SQLite cannot store
        at = at.astimezone(dt.UTC)
    except OverflowError:
        return None
    return at, values[1]


def _records_before(cursor) -> Q:
    """Support records that sort before the cursor (at, key), newest first: earlier
    moments, and at the cursor's moment those whose key is smaller."""
    at, key = cursor
    if key.startswith("record:") and key[7:].isdecimal():  # isdigit() lets "²" by
        same_moment = Q(occurred_at=at, pk__lt=int(key[7:]))
    elif key > _RECORD_KEY.format(0):  # every record key at that moment is smaller
        same_moment = Q(occurred_at=at)
    else:
        same_moment = Q(pk__in=[])
    return Q(occurred_at__lte=at) & (Q(occurred_at__lt=at) | same_moment)


def _record_entries(records) -> list[TimelineEntry]:
    """Timeline entries for the support records of `records` (a SupportRecord queryset,
    filtered and ordered), read as plain values: a page of records builds no model
    instances but one User per distinct author (for its display name)."""
    # The choice labels translated once per page, not once per record (get_FOO_display
    # rebuilds the choices and translates on every call).
    kinds = {value: str(label) for value, label in RecordKind.choices}
    projects = {value: str(label) for value, label in Project.choices}
    rows = list(
        records.values_list(
            "pk",
            "case_id",
            "occurred_at",
            "kind",
            "project",
            "minutes",
            "narrative",
            "agency__name",
            "staff_id",
            "staff__username",
            "staff__first_name",
            "staff__last_name",
            "staff__display_name",
        )
    )
    persons: dict[int, list[str]] = {}
    if rows:
        through = SupportRecord.persons.through.objects.filter(
            supportrecord_id__in=[row[0] for row in rows]
        ).order_by("pk")
        for record_id, family, given in through.values_list(
            "supportrecord_id", "person__family_name", "person__given_name"
        ):
            persons.setdefault(record_id, []).append(Person(family_name=family, given_name=given))
    staff: dict[int, str] = {}
    entries = []
    for pk, case_id, at, kind, project, minutes, narrative, agency, staff_id, *names in rows:
        if staff_id not in staff:
            username, first, last, display = names
            staff[staff_id] = str(
                User(
                    pk=staff_id,
                    username=username,
                    first_name=first,
                    last_name=last,
                    display_name=display,
                )
            )
        entries.append(
            TimelineEntry(
                at=at,
                kind="record",
                label=kinds.get(kind, kind),
                title=f"{agency}{'（' + str(minutes) + '分）' if minutes else ''}",
                body=narrative,
                url=row_url("cases:record_detail", case_id, pk),
                by=staff[staff_id],
                extra={
                    "persons": [p.full_name for p in persons.get(pk, ())],
                    "project": projects.get(project, project),
                },
                key=_RECORD_KEY.format(pk),
            )
        )
    return entries


def _attachment_entries(case: Case, user) -> list[TimelineEntry]:
    """The case file's attachments, on the day they were added, for a reader of its
    records; none under 住所秘匿 for whoever may not open them (as the 添付ファイル
    section: households.access.attachments_withheld). A withdrawn file (取り消し) is
    not on the timeline: its section lists it, without its name."""
    if attachments_withheld(user, case.household):
        return []
    return [
        TimelineEntry(
            at=a.uploaded_at,
            kind="attachment",
            label=_("添付ファイル"),
            title=f"{a.original_name}（{a.title}）" if a.title else a.original_name,
            body=f"{a.kind_label}・{a.size_label}",
            url=reverse("cases:attachment_download", args=[case.pk, a.pk]),
            by=str(a.uploaded_by),
            key=f"attachment:{a.pk:020d}",
        )
        for a in CaseAttachment.objects.filter(owner=case, withdrawn_at=None).select_related(
            "uploaded_by"
        )
    ]


def case_timeline_page(
    case: Case, user, *, before: str = "", per_page: int = TIMELINE_PAGE
) -> TimelinePage:
    """One page of the case's timeline, newest first: consultations, support records,
    plan versions and status changes, plus whatever higher apps register; each part only
    at the scope the user holds.

    The support records (hundreds on a long case) are read by keyset, one page past the
    cursor, through the (case, -occurred_at) index; the other parts are few and are read
    whole, keeping those before the cursor. `before` is the previous page's
    next_cursor; one that does not decode starts from the newest entry."""
    cursor = _timeline_cursor(before) if before else None
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
                key=f"status:{change.pk:020d}",
            )
        )
    if can_records:
        records = SupportRecord.objects.filter(case=case)
        if cursor is not None:
            records = records.filter(_records_before(cursor))
        records = records.order_by("-occurred_at", "-pk")[: per_page + 1]
        entries.extend(_record_entries(records))
        for plan in case_plans(case):
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
                    key=f"plan:{plan.pk:020d}",
                )
            )
        entries.extend(_attachment_entries(case, user))
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
                    key=f"consultation:{c.pk:020d}",
                )
            )
    for provider in timeline_providers():
        entries.extend(provider(case, user) or [])
    if cursor is not None:
        entries = [e for e in entries if e.sort_key < cursor]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    if len(entries) <= per_page:
        return TimelinePage(entries, "")
    end = per_page
    # Entries that share one sort key (same moment, same source text) stay together,
    # so that the cursor never falls between them.
    while end < len(entries) and entries[end].sort_key == entries[end - 1].sort_key:
        end += 1
    page = entries[:end]
    if end == len(entries):
        return TimelinePage(page, "")
    last = page[-1].sort_key
    return TimelinePage(page, paging.encode_cursor([last[0].isoformat(), last[1]]))


def records_for_pdf(case: Case):
    return (
        SupportRecord.objects.filter(case=case)
        .select_related("agency", "staff")
        .prefetch_related("persons")
        .order_by("occurred_at", "pk")
    )
