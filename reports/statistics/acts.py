"""Acts counted per period: 繋ぎ先, 支援内容, 繋ぎ・プランの経過 and 会議, and the lists
behind them."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.choices import AgencyKind
from cases.choices import Project, RecordKind
from cases.models import Case, SupportPlan, SupportRecord
from meetings.choices import MeetingStatus
from meetings.models import AgendaItem, Meeting
from referrals.models import Referral, ReferralEvent
from reports.periods import Period
from reports.statistics.definitions import MEETING_KINDS, REFERRAL_STEPS
from reports.statistics.sql import (
    _at,
    _at_span,
    _aware,
    _counted_by,
    _grouped,
    _next,
    _on,
    _span,
    _zeros,
)

REFERRAL_MEASURES = ("sent", "accepted")


def _referrals(periods, agency):
    qs = Referral.objects.filter(_at_span("sent_at", periods))
    if agency is not None:
        qs = qs.filter(from_agency=agency)
    return qs


def _referral_conditions(period: Period) -> dict[str, Q]:
    """繋ぎ (sent in the period) and 受理 (of those, accepted by its last day)."""
    sent = _at("sent_at", period)
    return {"sent": sent, "accepted": sent & Q(accepted_at__lt=_aware(_next(period.end)))}


def referral_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """繋ぎ先: {kind: {"sent": [...], "accepted": [...]}} for every AgencyKind."""
    aggregates = {
        f"{measure}{i}": Count("pk", filter=condition)
        for i, period in enumerate(periods)
        for measure, condition in _referral_conditions(period).items()
    }
    rows = _referrals(periods, agency).values("to_agency__kind").annotate(**aggregates).order_by()
    found = {m: _grouped(rows, "to_agency__kind", m, periods) for m in REFERRAL_MEASURES}
    return {
        kind: {m: found[m].get(kind, _zeros(periods)) for m in REFERRAL_MEASURES}
        for kind in AgencyKind.values
    }


def referral_items(period: Period, agency, kind: str | None, measure: str):
    """A cell of 繋ぎ先: the referrals sent (or accepted) to agencies of the kind
    (kind None: the total, every AgencyKind)."""
    qs = _referrals([period], agency).filter(_referral_conditions(period)[measure])
    if kind is not None:
        return qs.filter(to_agency__kind=kind)
    return qs.filter(to_agency__kind__in=AgencyKind.values)


def referrals_typed_twice(periods, agency=None):
    """繋ぎ records typed by hand (no referral wrote them, no outside agency named) on a
    day when the same agency sent a referral of the same case through the system: the
    same act recorded twice, left out of 支援内容. The record form no longer allows
    them; records made before it asked for the outside agency may be such. Few rows,
    read through a partial index (cases 0004: hand-typed 繋ぎ naming no agency)."""
    written_by_referral = Referral.objects.filter(support_record=OuterRef("pk"))
    same_day = Referral.objects.annotate(day=TruncDate("sent_at")).filter(
        case=OuterRef("case"), from_agency=OuterRef("agency"), day=OuterRef("occurred_on")
    )
    qs = (
        SupportRecord.objects.filter(
            _at_span("occurred_at", periods), kind=RecordKind.REFERRAL, referred_to=""
        )
        .annotate(occurred_on=TruncDate("occurred_at"))
        .filter(~Exists(written_by_referral), Exists(same_day))
    )
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def _records(periods, agency):
    qs = SupportRecord.objects.filter(_at_span("occurred_at", periods))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def support_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """支援内容 (延べ): {"kind": {kind: [...]}, "project": {project: [...]}}.

    One GROUP BY (kind, project) query; the at most 35 grouped rows are summed per kind
    and per project here. A 繋ぎ counts once: the records typed twice
    (referrals_typed_twice, a second small query) are taken off again."""
    qs = _records(periods, agency)
    by_period = {
        f"n{i}": Count("pk", filter=_at("occurred_at", period)) for i, period in enumerate(periods)
    }
    rows = list(qs.values("kind", "project").annotate(**by_period).order_by())
    twice = referrals_typed_twice(periods, agency).values("kind", "project")
    for row in twice.annotate(**by_period).order_by():
        rows.append({**row, **{f"n{i}": -row[f"n{i}"] for i in range(len(periods))}})
    by_kind = {value: _zeros(periods) for value in RecordKind.values}
    by_project = {value: _zeros(periods) for value in Project.values}
    for row in rows:
        for i in range(len(periods)):
            by_kind.setdefault(row["kind"], _zeros(periods))[i] += row[f"n{i}"]
            by_project.setdefault(row["project"], _zeros(periods))[i] += row[f"n{i}"]
    return {"kind": by_kind, "project": by_project}


def support_items(period: Period, agency, *, kind: str | None = None, project: str | None = None):
    """A row of 支援内容 (kind) or of 事業別 (project); neither: their total. A 繋ぎ
    typed twice (referrals_typed_twice) is left out, as support_counts takes it off."""
    qs = _records([period], agency).filter(_at("occurred_at", period))
    if kind is not None:
        qs = qs.filter(kind=kind)
    if project is not None:
        qs = qs.filter(project=project)
    return qs.exclude(pk__in=referrals_typed_twice([period], agency).values("pk"))


def _referral_events(periods, agency):
    events = ReferralEvent.objects.filter(_at_span("at", periods))
    if agency is not None:
        events = events.filter(referral__from_agency=agency)
    return events


def _plans_activated(periods, agency):
    lo, hi = _span(periods)
    plans = SupportPlan.objects.filter(activated_on__gte=lo, activated_on__lte=hi)
    if agency is not None:
        plans = plans.filter(case__lead_agency=agency)
    return plans


def progress_counts(periods, agency=None) -> dict[str, list[int]]:
    """繋ぎ・プランの経過: referral steps taken in each period, by step (the ReferralEvent
    of each step carries the day it was taken), and plans that came into force
    ("plans_activated", SupportPlan.activated_on)."""
    found = _counted_by(_referral_events(periods, agency), "to_status", "at", periods)
    result = {step: found.get(step, _zeros(periods)) for step, _label in REFERRAL_STEPS}
    row = _plans_activated(periods, agency).aggregate(
        **{f"n{i}": Count("pk", filter=_on("activated_on", p)) for i, p in enumerate(periods)}
    )
    result["plans_activated"] = [row[f"n{i}"] for i in range(len(periods))]
    return result


def progress_items(period: Period, agency, step: str):
    """A row of 繋ぎ・プランの経過: the referral events of a step, or (plans_activated)
    the plans that came into force."""
    if step == "plans_activated":
        return _plans_activated([period], agency).filter(_on("activated_on", period))
    return _referral_events([period], agency).filter(_at("at", period), to_status=step)


MEETING_MEASURES = ("held", "cases_distinct", "case_items")


def _meetings_held(periods, agency, now):
    held = Meeting.objects.filter(
        _at_span("starts_at", periods), kind__in=MEETING_KINDS, starts_at__lte=now
    ).exclude(status=MeetingStatus.CANCELLED)
    if agency is not None:
        held = held.filter(organising_agency=agency)
    return held


def _agenda_items(periods, agency, now):
    items = AgendaItem.objects.filter(
        _at_span("meeting__starts_at", periods),
        case__isnull=False,
        meeting__kind__in=MEETING_KINDS,
        meeting__starts_at__lte=now,
    ).exclude(meeting__status=MeetingStatus.CANCELLED)
    if agency is not None:
        items = items.filter(meeting__organising_agency=agency)
    return items


def meeting_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """会議: per kind (and "total"): held, cases_distinct (実件数), case_items (延べ)."""
    now = timezone.now()
    held_by_kind = _counted_by(_meetings_held(periods, agency, now), "kind", "starts_at", periods)

    items = _agenda_items(periods, agency, now)
    aggregates = {}
    for i, period in enumerate(periods):
        within = _at("meeting__starts_at", period)
        aggregates[f"cases{i}"] = Count("case", distinct=True, filter=within)
        aggregates[f"items{i}"] = Count("pk", filter=within)
    item_rows = items.values("meeting__kind").annotate(**aggregates).order_by()
    cases_by_kind = _grouped(item_rows, "meeting__kind", "cases", periods)
    items_by_kind = _grouped(item_rows, "meeting__kind", "items", periods)
    totals = items.aggregate(**aggregates)

    result = {}
    for kind in MEETING_KINDS:
        result[kind] = {
            "held": held_by_kind.get(kind, _zeros(periods)),
            "cases_distinct": cases_by_kind.get(kind, _zeros(periods)),
            "case_items": items_by_kind.get(kind, _zeros(periods)),
        }
    n = range(len(periods))
    result["total"] = {
        "held": [sum(result[k]["held"][i] for k in MEETING_KINDS) for i in n],
        "cases_distinct": [totals[f"cases{i}"] for i in n],  # a case on both kinds counts once
        "case_items": [totals[f"items{i}"] for i in n],
    }
    return result


def meeting_items(period: Period, agency, kind: str | None, measure: str):
    """A row of 会議 (kind None: both kinds): the meetings held, the cases discussed
    (実件数) or the agenda items (延べ)."""
    now = timezone.now()
    if measure == "held":
        qs = _meetings_held([period], agency, now).filter(_at("starts_at", period))
        return qs.filter(kind=kind) if kind is not None else qs
    items = _agenda_items([period], agency, now).filter(_at("meeting__starts_at", period))
    if kind is not None:
        items = items.filter(meeting__kind=kind)
    if measure == "cases_distinct":
        return Case.objects.filter(pk__in=items.values("case_id"))
    return items
