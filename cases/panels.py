"""The household page lists the household's cases the viewer may see."""

from django.utils.translation import gettext as _

from cases.sharing import cases_visible_to
from households.registry import register_panel


@register_panel
def household_cases(request, household):
    cases = list(
        cases_visible_to(request.user)
        .filter(household=household)
        .select_related("lead_agency", "lead_staff")
        .order_by("-opened_on")
    )
    return {
        "title": _("ケース"),
        "template": "cases/_household_cases.html",
        "context": {"cases": cases, "household": household},
    }
