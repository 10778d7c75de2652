"""What participation adds to the case page, its timeline and the household page,
registered from ParticipationConfig.ready()."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases import sharing
from cases.registry import TimelineEntry, register_case_panel, register_timeline
from common.writes import start_of_day
from households.registry import register_panel
from participation import selectors
from participation.models import PlacementFollowUp


def _can_records(case, user) -> bool:
    allowed = getattr(case, "can_records", None)
    if allowed is None:
        allowed = sharing.can(user, case, "records")
    return bool(allowed)


def _placements(case, user) -> list:
    """selectors.placements_for_case, read once per case object and user: the case page
    asks for the panel and for the timeline in the same request."""
    cache = case.__dict__.setdefault("_placements_for", {})
    if user.pk not in cache:
        cache[user.pk] = list(selectors.placements_for_case(case, user))
    return cache[user.pk]


@register_case_panel
def case_placements(request, case):
    """Placements of the case's persons, for those who may see the case's records."""
    if not _can_records(case, request.user):
        return None
    placements = _placements(case, request.user)
    return {
        "title": _("参加支援"),
        "template": "participation/_case_placements.html",
        "context": {"placements": placements, "case": case},
        "order": 60,
    }


@register_timeline
def participation_timeline(case, user):
    """Each step of the placements of the case's persons the user may see, and 定着支援
    not already written as 支援経過 (those show as records)."""
    if not _can_records(case, user):
        return []
    placements = _placements(case, user)
    entries = []
    for p in placements:
        url = reverse("participation:placement_detail", args=[p.pk])
        name = f"{p.person.full_name} → {p.opportunity.name}"
        steps = [
            (p.coordinating_on, _("調整開始"), p.note),
            (p.trial_started_on, _("体験開始"), ""),
            (p.settled_on, _("定着"), ""),
            (
                p.ended_on,
                _("終了（%(reason)s）") % {"reason": p.get_end_reason_kind_display()},
                p.end_reason,
            ),
        ]
        for day, step, body in steps:
            if day:
                entries.append(
                    TimelineEntry(
                        at=start_of_day(day),
                        kind="participation",
                        label=_("④ 参加支援"),
                        title=f"{step}：{name}",
                        body=body,
                        url=url,
                    )
                )
    if not placements:
        return entries
    follow_ups = PlacementFollowUp.objects.filter(
        placement__in=[p.pk for p in placements], support_record__isnull=True
    ).select_related("placement__opportunity", "staff", "agency")
    for f in follow_ups:
        entries.append(
            TimelineEntry(
                at=start_of_day(f.followed_on),
                kind="participation",
                label=_("④ 定着支援"),
                title=f"{f.get_method_display()}（{f.placement.opportunity.name}）",
                body=f.note,
                by=str(f.staff),
                url=reverse("participation:placement_detail", args=[f.placement_id]),
            )
        )
    return entries


@register_panel
def household_placements(request, household):
    placements = list(
        selectors.placements_visible_to(request.user)
        .filter(
            person__household_memberships__household=household,
            person__household_memberships__until__isnull=True,
        )
        .select_related("person", "opportunity")
        .order_by("-coordinating_on", "-pk")
    )
    if not placements and not request.user.is_desk_staff:
        return None
    return {
        "title": _("参加支援"),
        "template": "participation/_household_placements.html",
        "context": {
            "placements": placements,
            "household": household,
            "can_add": request.user.is_desk_staff,
        },
    }
