"""Reads for cases, all built on cases.sharing."""

import datetime as dt
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import sharing
from cases.choices import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    CaseStatus,
    PlanStatus,
    Project,
    RecordKind,
)
from cases.models import Case, CasePerson, CaseStatusChange, SupportPlan, SupportRecord
from cases.registry import TimelineEntry, timeline_providers
from common import kana, paging, textsearch
from common.row_urls import row_url
from households.models import Household, Person
from intake.models import Consultation

CASE_LIST_ORDER = ["-opened_on", "-pk"]
CASE_LIST_PAGE = 30


def case_list(user, *, q: str = "", status: str = "open", mine: bool = False) -> QuerySet[Case]:
    """Cases the user may see, with what the list shows, in a constant number of queries."""
    qs = sharing.cases_visible_to(user)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "ended":
        qs = qs.filter(status__in=ENDED_STATUSES)
    if mine:
        qs = qs.filter(lead_staff=user)
    for term in (q or "").split():
        sql, params = _text_match_sql(term)
        if connections[router.db_for_read(Case)].vendor == "postgresql":
            # The matching ids first (one InitPlan), then those cases by primary key.
            # As "id IN (…)" PostgreSQL guessed the matches many and walked every case
            # in date order testing each against them (「山田」 at 100,000 households:
            # 230 ms instead of 15).
            sql = f'"{Case._meta.db_table}"."id" = ANY(ARRAY({sql}))'
            qs = qs.filter(RawSQL(sql, params, output_field=BooleanField()))
        else:
            qs = qs.filter(pk__in=RawSQL(sql, params))
    return (
        qs.select_related("household", "lead_agency", "lead_staff")
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


def _text_match_sql(term: str) -> tuple[str, list]:
    """Ids of the cases whose title or household's name contains term, or (kana) a
    person on which starts with it: one UNION whose branches each read an index (the
    titles' and names' GIN indexes of common.textsearch, the ふりがな prefix index).
    Everyone may search by a household's name, which is never hidden (住所秘匿 hides
    address and phone, not the name)."""
    alias = router.db_for_read(Case)
    cases, households = Case._meta.db_table, Household._meta.db_table
    title, title_params = textsearch.contains_sql(
        "c.title", term, bigrams="c.title_bigrams", alias=alias
    )
    name, name_params = textsearch.contains_sql(
        "h.name", term, bigrams="h.name_bigrams", alias=alias
    )
    by_household = f"SELECT c.id FROM {cases} c JOIN {households} h ON h.id = c.household_id"
    if connections[alias].vendor == "postgresql":
        # Each matching household's cases through the cases' household index (a few
        # thousand probes for 「山田」 in a city), not a hash join that reads every case
        # of the city, which PostgreSQL prefers at its default costs.
        by_household = (
            f"SELECT c.id FROM {households} h CROSS JOIN LATERAL (SELECT c.id FROM "
            f"{cases} c WHERE c.household_id = h.id OFFSET 0) c"
        )
    sql = f"SELECT c.id FROM {cases} c WHERE {title} UNION {by_household} WHERE {name}"
    params = [*title_params, *name_params]
    if kana.is_kana(term):
        sql += (
            f" UNION SELECT cp.case_id FROM {CasePerson._meta.db_table} cp "
            f"JOIN {Person._meta.db_table} p ON p.id = cp.person_id "
            "WHERE p.name_kana LIKE %s ESCAPE '\\'"
        )
        params.append(textsearch.like_pattern(kana.normalise_kana(term))[1:])
    return sql, params


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
    # The choice labels translated once per page, not once per record (get_FOO_display
    # rebuilds the choices and translates on every call).
    kinds = {value: str(label) for value, label in RecordKind.choices}
    projects = {value: str(label) for value, label in Project.choices}
    return [
        TimelineEntry(
            at=r.occurred_at,
            kind="record",
            label=kinds.get(r.kind, r.kind),
            title=f"{r.agency.name}{'（' + str(r.minutes) + '分）' if r.minutes else ''}",
            body=r.narrative,
            url=row_url("cases:record_detail", r.case_id, r.pk),
            by=str(r.staff),
            extra={
                "record": r,
                "persons": [p.full_name for p in r.persons.all()],
                "project": projects.get(r.project, r.project),
            },
            key=_RECORD_KEY.format(r.pk),
        )
        for r in records
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
        records = (
            records.select_related("agency", "staff")
            .prefetch_related("persons")
            .order_by("-occurred_at", "-pk")[: per_page + 1]
        )
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
