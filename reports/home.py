"""ホーム for managers: the dashboard's key figures (reports.dashboard), for the widest
scope the manager's statistics scopes allow, with a link to the whole dashboard.
Aggregates only: the section shows no personal record."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from cases.registry import register_home
from reports import dashboard, figures, selectors


@register_home
def manager_dashboard(request):
    user = request.user
    if Role.MANAGER not in user.roles():
        return None
    scopes = selectors.statistics_scopes(user)
    if not scopes.any:
        return None
    agency = None if scopes.desk_wide else scopes.agencies[0]
    key = dashboard.key_figures(agency)
    url = f"{reverse('reports:dashboard')}?scope={figures.scope_value(agency)}"
    return {
        "title": _("ダッシュボード（%(scope)s）") % {"scope": dashboard.st.scope_label(agency)},
        "template": "reports/home/dashboard.html",
        "context": {
            "figures": list(key.values()),
            "url": url,
            "scope_label": _("今日現在の数。数字を押すと一覧を開きます。"),
        },
        "count": None,
        "order": 1,
    }
