"""The disclosure (開示請求) section of outreach: targets that are the person (or their
household, when no person was named), their contact attempts, and 世帯訪問調査 visits to
a household while the person belonged to it. Registered with households.disclosure
from OutreachConfig.ready()."""

from django.db.models import Q
from django.utils.translation import gettext as _

from households.disclosure import Item, Section, fmt_date, iso, register_disclosure
from households.models import HouseholdMembership
from outreach.models import OutreachTarget, VisitRecord


@register_disclosure
def disclosure_sections(ctx) -> list[Section]:
    memberships = list(
        HouseholdMembership.objects.filter(person_id__in=ctx.person_ids).values_list(
            "household_id", "since", "until"
        )
    )
    household_ids = {h for h, _s, _u in memberships}
    items = []
    for t in (
        OutreachTarget.objects.filter(
            Q(person_id__in=ctx.person_ids) | Q(person__isnull=True, household_id__in=household_ids)
        )
        .select_related("assigned_agency", "household")
        .prefetch_related("contacts__agency", "contacts__staff")
        .order_by("found_on", "pk")
    ):
        fields = [
            (_("把握日"), fmt_date(t.found_on)),
            (_("把握の経路"), t.get_source_display()),
            (_("気になること"), t.concern),
            (_("状況"), t.get_status_display()),
            (_("状況のメモ"), t.status_note),
            (_("担当機関"), str(t.assigned_agency) if t.assigned_agency_id else ""),
            (_("支援につながった日"), fmt_date(t.connected_on)),
        ]
        for c in sorted(t.contacts.all(), key=lambda c: (c.contacted_on, c.pk)):
            fields.append(
                (
                    _("接触 %(d)s") % {"d": fmt_date(c.contacted_on)},
                    f"{c.get_method_display()}（{c.agency}）{c.result} {c.next_step}".strip(),
                )
            )
        items.append(
            Item(
                title=_("アウトリーチ %(d)s") % {"d": fmt_date(t.found_on)},
                ref=f"outreachtarget:{t.pk}",
                date=iso(t.found_on),
                fields=fields,
            )
        )
    visits = []
    for v in (
        VisitRecord.objects.filter(household_id__in=household_ids, visited_on__isnull=False)
        .select_related("campaign", "agency", "visited_by")
        .order_by("visited_on", "pk")
    ):
        during = any(
            h == v.household_id
            and (s is None or s <= v.visited_on)
            and (u is None or v.visited_on <= u)
            for h, s, u in memberships
        )
        if not during:
            continue
        visits.append(
            Item(
                title=_("世帯訪問調査 %(d)s") % {"d": fmt_date(v.visited_on)},
                ref=f"visitrecord:{v.pk}",
                date=iso(v.visited_on),
                fields=[
                    (_("調査名"), v.campaign.name),
                    (_("訪問日"), fmt_date(v.visited_on)),
                    (_("結果"), v.get_result_display()),
                    (_("訪問した機関"), str(v.agency) if v.agency_id else ""),
                    (_("訪問者"), str(v.visited_by) if v.visited_by_id else ""),
                    (_("メモ"), v.note),
                ],
            )
        )
    return [
        Section("outreach", _("アウトリーチ"), items, order=100),
        Section("visits", _("世帯訪問調査"), visits, order=101),
    ]
