"""The genogram and eco-map panel of the household page, and the nodes of a case's
eco-map (DESIGN: drawn in households, with the agencies the case registry provides).

Who is involved in a case comes from several apps: cases knows the grants (lead,
consent, referral, plan role, exemption) and the plan roles; referrals and
participation register sources for their own rows (register_ecomap_source). A source is
callable(user, case, agency_ids) -> list[households.ecomap.EcoNode]: agency_ids None
means the viewer sees the case in full (every holder is shown, as on the case page);
otherwise only nodes of those agencies (the viewer's own) may be returned.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases import sharing
from cases.choices import CasePersonRole, GrantBasis, PlanStatus
from cases.models import CasePerson, PlanRole
from households import ecomap, genogram
from households.choices import EcoTieKind
from households.models import HouseholdMembership, RelatedPerson
from households.registry import register_panel

_SOURCES = []
# Plans whose roles are in force (approved and not yet replaced or ended).
LIVE_PLAN = [PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.REVIEWED]


def register_ecomap_source(func):
    _SOURCES.append(func)
    return func


@register_ecomap_source
def _grants_and_roles(user, case, agency_ids):
    nodes = []
    for access in sharing.effective_access(case, agency_ids=agency_ids):
        agency = access.holder
        if not hasattr(agency, "kind"):
            continue  # a meeting member's brief is held by a person, not an agency
        roles = [str(GrantBasis(g.basis).label) for g in access.bases]
        nodes.append(ecomap.EcoNode(key=f"agency:{agency.pk}", label=agency.name, roles=roles))
    roles = PlanRole.objects.filter(
        plan__case=case, plan__status__in=LIVE_PLAN, agency__isnull=False
    ).select_related("agency")
    if agency_ids is not None:
        roles = roles.filter(agency_id__in=list(agency_ids))
    for role in roles.order_by("pk"):
        nodes.append(
            ecomap.EcoNode(
                key=f"agency:{role.agency_id}",
                label=role.agency.name,
                roles=[_("プラン：%(concern)s") % {"concern": role.concern[:12]}],
            )
        )
    return nodes


def case_ecomap_nodes(user, case) -> list:
    """The eco-map nodes of one case as this user may see them."""
    full = getattr(case, "can_full", None)
    if full is None:
        full = sharing.can(user, case, "full")
    agency_ids = None if full else set(user.agency_ids)
    nodes = []
    for source in _SOURCES:
        nodes.extend(source(user, case, agency_ids) or [])
    return ecomap.merge_nodes(nodes)


def _open_cases(user, household):
    return list(
        sharing.with_access(
            sharing.cases_visible_to(user).open().filter(household=household), user
        ).order_by("opened_on", "pk")
    )


@ecomap.register_household_nodes
def household_ecomap_nodes(user, household, cases=None) -> list:
    """Nodes of the household's open cases the user sees (each as case_ecomap_nodes)."""
    cases = _open_cases(user, household) if cases is None else cases
    nodes = []
    for case in cases:
        nodes.extend(case_ecomap_nodes(user, case))
    return ecomap.merge_nodes(nodes)


def focus_person_ids(cases) -> set[int]:
    """本人 (the principal) of the given cases: doubled on the genogram."""
    return set(
        CasePerson.objects.filter(case__in=cases, role=CasePersonRole.PRINCIPAL).values_list(
            "person_id", flat=True
        )
    )


def household_genogram(household, *, focus=(), show_names=True):
    memberships = HouseholdMembership.objects.filter(
        household=household, until__isnull=True
    ).select_related("person")
    related = RelatedPerson.objects.filter(household=household).order_by("pk")
    return genogram.build_genogram(
        list(memberships), list(related), focus_person_ids=focus, show_names=show_names
    )


def case_family_maps(user, case) -> dict:
    """Both drawings for one case (the meeting agenda PDF). Names only for those who see
    the case's summary; brief-only readers (支援会議 members) get 続柄 and ages."""
    household = case.household
    show_names = sharing.can(user, case, "summary")
    g = household_genogram(household, focus=focus_person_ids([case]), show_names=show_names)
    nodes = ecomap.with_ties(household, case_ecomap_nodes(user, case))
    return {
        "genogram_svg": genogram.render_genogram_svg(g),
        "ecomap_svg": ecomap.render_ecomap_svg(
            centre_label=household.name if show_names else _("世帯"),
            centre_lines=_centre_lines(g),
            nodes=nodes,
        ),
    }


def _centre_lines(g) -> list[str]:
    members = [n for n in g.nodes.values() if n.in_household]
    members.sort(key=lambda n: (n.gen, n.x))
    return [f"{n.label}（{n.age}）" if n.age is not None else n.label for n in members]


@register_panel
def household_family_maps(request, household):
    """The household page's panel: genogram, eco-map, related persons, line kinds."""
    user = request.user
    cases = _open_cases(user, household)
    g = household_genogram(household, focus=focus_person_ids(cases))
    nodes = ecomap.with_ties(household, household_ecomap_nodes(user, household, cases))
    return {
        "title": _("ジェノグラム・エコマップ"),
        "template": "households/_family_maps.html",
        "context": {
            "household": household,
            "genogram_svg": genogram.render_genogram_svg(g),
            "ecomap_svg": ecomap.render_ecomap_svg(
                centre_label=household.name, centre_lines=_centre_lines(g), nodes=nodes
            ),
            "nodes": nodes,
            "related": RelatedPerson.objects.filter(household=household).select_related(
                "of_person", "of_related"
            ),
            "add_url": reverse("households:related_add", args=[household.pk]),
            "tie_url": reverse("households:eco_tie", args=[household.pk]),
            "tie_choices": EcoTieKind.choices,
        },
    }
