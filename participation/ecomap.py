"""Eco-map nodes for the places a case's people take part in (参加先)."""

from django.utils.translation import gettext as _

from cases.family_maps import register_ecomap_source
from households.ecomap import EcoNode
from participation.choices import PlacementStatus
from participation.selectors import placements_visible_to


@register_ecomap_source
def placement_nodes(user, case, agency_ids):
    """Ongoing placements of the case the user may see (participation's own rule)."""
    placements = (
        placements_visible_to(user)
        .filter(case=case)
        .exclude(status=PlacementStatus.ENDED)
        .select_related("opportunity")
        .order_by("pk")
    )
    return [
        EcoNode(
            key=f"opportunity:{p.opportunity_id}",
            label=p.opportunity.name,
            kind="resource",
            roles=[_("参加先（%(status)s）") % {"status": p.get_status_display()}],
        )
        for p in placements
    ]
