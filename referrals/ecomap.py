"""Eco-map nodes for the agencies a case's open referrals go to (cases.family_maps)."""

from django.utils.translation import gettext as _

from cases.family_maps import register_ecomap_source
from households.ecomap import EcoNode
from referrals.choices import OPEN_STATUSES
from referrals.selectors import referrals_visible_to


@register_ecomap_source
def referral_nodes(user, case, agency_ids):
    """Open referrals of the case: all of them for those who see the case in full,
    else those the user's agencies are party to, and only their own agencies' nodes."""
    referrals = referrals_visible_to(user) if agency_ids is not None else case.referrals.all()
    referrals = referrals.filter(case=case, status__in=OPEN_STATUSES).select_related("to_agency")
    nodes = []
    for r in referrals.order_by("sent_at", "pk"):
        if agency_ids is not None and r.to_agency_id not in agency_ids:
            continue
        nodes.append(
            EcoNode(
                key=f"agency:{r.to_agency_id}",
                label=r.to_agency.name,
                roles=[_("繋ぎ（%(status)s）") % {"status": r.get_status_display()}],
            )
        )
    return nodes
