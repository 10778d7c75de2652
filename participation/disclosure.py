"""The disclosure (開示請求) section of participation: the person's placements (参加支援)
and their follow-ups. Registered with households.disclosure from
ParticipationConfig.ready()."""

from django.utils.translation import gettext as _

from households.disclosure import Item, Section, fmt_date, iso, register_disclosure
from participation.models import Placement


@register_disclosure
def disclosure_sections(ctx) -> list[Section]:
    items = []
    for p in (
        Placement.objects.filter(person_id__in=ctx.person_ids)
        .select_related("opportunity", "agency")
        .prefetch_related("follow_ups")
        .order_by("coordinating_on", "pk")
    ):
        fields = [
            (_("参加先"), p.opportunity.name),
            (_("機関"), str(p.agency)),
            (_("状況"), p.get_status_display()),
            (_("調整開始日"), fmt_date(p.coordinating_on)),
            (_("体験開始日"), fmt_date(p.trial_started_on)),
            (_("定着日"), fmt_date(p.settled_on)),
            (_("終了日"), fmt_date(p.ended_on)),
            (_("終了の理由"), p.end_reason),
            (_("本人の希望・配慮すること"), p.note),
        ]
        for f in sorted(p.follow_ups.all(), key=lambda f: (f.followed_on, f.pk)):
            fields.append((_("フォロー %(d)s") % {"d": fmt_date(f.followed_on)}, f.note))
        items.append(
            Item(
                title=_("参加支援: %(n)s") % {"n": p.opportunity.name},
                ref=f"placement:{p.pk}",
                date=iso(p.coordinating_on),
                fields=fields,
            )
        )
    return [Section("placements", _("参加支援"), items, order=105)]
