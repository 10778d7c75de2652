from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# The five 重層 pillars and 統計, in the order the desk speaks of them. An entry
# whose page does not exist in this installation is left out of the menu.
PILLARS = [
    ("intake", _("相談受付"), ["intake:consultation_list", "households:search"]),
    ("cases", _("多機関協働"), ["cases:case_list", "meetings:meeting_list", "referrals:inbox"]),
    ("outreach", _("アウトリーチ"), ["outreach:target_list"]),
    ("participation", _("参加支援"), ["participation:opportunity_list"]),
    ("community", _("地域づくり"), ["community:district_list"]),
    ("reports", _("統計"), ["reports:report_list"]),
]


def _first_url(names):
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = []
    current = request.resolver_match.app_name if request.resolver_match else ""
    for key, label, names in PILLARS:
        url = _first_url(names)
        if url:
            items.append({"key": key, "label": label, "url": url, "active": current == key})
    return {"nav_pillars": items}
