"""相談受付, 相談内容 and 相談経路: counts per period and the lists behind them."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q

from households.models import Person
from intake.choices import CameFrom
from intake.models import Consultation, ConsultationCategoryLink
from reports.periods import Period
from reports.statistics.definitions import STATISTICS_GROUPS
from reports.statistics.sql import _at, _at_span, _aware, _counted_by, _grouped, _zeros


def _consultations(periods, agency):
    qs = Consultation.objects.filter(_at_span("received_at", periods))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


# 相談受付 延べ件数 and うち継続相談: the condition, beside the period's, of each.
CONSULTATION_FIGURES = {"total": Q(), "continuation": Q(is_continuation=True)}


def _person_links(periods, agency):
    """(consultation, person) rows of the consultations received in the periods' span
    (Consultation.persons: who the consultation was about)."""
    links = Consultation.persons.through.objects.filter(
        _at_span("consultation__received_at", periods)
    )
    if agency is not None:
        links = links.filter(consultation__agency=agency)
    return links


def consultation_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談受付: 延べ件数 (total), うち継続相談 (continuation), 実人数 (persons)."""
    aggregates = {}
    for i, period in enumerate(periods):
        within = _at("received_at", period)
        for figure, condition in CONSULTATION_FIGURES.items():
            aggregates[f"{figure}{i}"] = Count("pk", filter=within & condition)
    row = _consultations(periods, agency).aggregate(**aggregates)

    links = _person_links(periods, agency)
    ends = {p.end for p in periods}
    if len(ends) == 1:
        # The usual case (the three columns end on the same day): a person is counted
        # in a column when their latest consultation up to that day falls in it. One
        # GROUP BY person, then conditional counts over it (Django nests the query);
        # cheaper than a COUNT(DISTINCT) per column.
        latest = links.values("person_id").annotate(latest=Max("consultation__received_at"))
        persons = latest.aggregate(
            **{
                f"persons{i}": Count("person_id", filter=Q(latest__gte=_aware(period.start)))
                for i, period in enumerate(periods)
            }
        )
    else:
        persons = links.aggregate(
            **{
                f"persons{i}": Count(
                    "person_id", distinct=True, filter=_at("consultation__received_at", period)
                )
                for i, period in enumerate(periods)
            }
        )
    n = range(len(periods))
    return {
        "total": [row[f"total{i}"] for i in n],
        "continuation": [row[f"continuation{i}"] for i in n],
        "persons": [persons[f"persons{i}"] for i in n],
    }


def consultation_items(period: Period, agency, figure: str):
    """The consultations 延べ件数 (total) or うち継続相談 (continuation) counts."""
    return _consultations([period], agency).filter(
        _at("received_at", period) & CONSULTATION_FIGURES[figure]
    )


def consultation_person_items(period: Period, agency):
    """The persons 相談受付 実人数 counts."""
    links = _person_links([period], agency).filter(_at("consultation__received_at", period))
    return Person.objects.filter(pk__in=links.values("person_id"))


def _category_links(periods, agency):
    links = ConsultationCategoryLink.objects.filter(_at_span("consultation__received_at", periods))
    if agency is not None:
        links = links.filter(consultation__agency=agency)
    return links


def category_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談内容 (重複有): (consultation, statistics row) pairs: a consultation counts once
    in each row one of its categories belongs to. Every group of STATISTICS_GROUPS is
    present; a group not in that list is added after the list."""
    rows = (
        _category_links(periods, agency)
        .values("category__statistics_group")
        .annotate(
            **{
                f"n{i}": Count(
                    "consultation_id",
                    distinct=True,
                    filter=_at("consultation__received_at", period),
                )
                for i, period in enumerate(periods)
            }
        )
        .order_by()
    )
    found = _grouped(rows, "category__statistics_group", "n", periods)
    result = {group: found.pop(group, _zeros(periods)) for group in STATISTICS_GROUPS}
    for group in sorted(found):  # groups an administrator added later
        result[group] = found[group]
    return result


def category_items(period: Period, agency, group: str | None):
    """A row of 相談内容: the consultations with a category in the group. The total
    (group None) counts pairs, so it lists (consultation, row) pairs: one category link
    per pair (the first), its category naming the row."""
    links = _category_links([period], agency).filter(_at("consultation__received_at", period))
    if group is not None:
        return Consultation.objects.filter(
            pk__in=links.filter(category__statistics_group=group).values("consultation_id")
        )
    firsts = (
        links.values("consultation_id", "category__statistics_group")
        .annotate(first=Min("pk"))
        .values("first")
    )
    return ConsultationCategoryLink.objects.filter(pk__in=firsts)


def came_from_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談経路: consultations by who came, every CameFrom value present."""
    found = _counted_by(_consultations(periods, agency), "came_from", "received_at", periods)
    return {value: found.get(value, _zeros(periods)) for value in CameFrom.values}


def came_from_items(period: Period, agency, value: str | None):
    """A row of 相談経路 (value None: the total, every CameFrom value)."""
    qs = _consultations([period], agency).filter(_at("received_at", period))
    return (
        qs.filter(came_from=value)
        if value is not None
        else qs.filter(came_from__in=CameFrom.values)
    )
