from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

# The five 重層 pillars and 統計, in the order the desk speaks of them, each with its
# pages. A page that does not exist in this installation is left out of the menu.
PILLARS = [
    (
        "intake",
        _("相談受付"),
        [
            ("intake:consultation_list", _("相談受付")),
            ("households:search", _("世帯を探す")),
            ("intake:sheet_list", _("つなぐシート")),
        ],
    ),
    (
        "cases",
        _("多機関協働"),
        [
            ("cases:case_list", _("ケース")),
            ("cases:calendar", _("カレンダー")),
            ("meetings:meeting_list", _("会議")),
            ("referrals:inbox", _("繋ぎ")),
            ("referrals:agency_list", _("繋ぎ先一覧")),
        ],
    ),
    (
        "outreach",
        _("アウトリーチ"),
        [
            ("outreach:target_list", _("アウトリーチ対象")),
            ("outreach:campaign_list", _("世帯訪問調査")),
        ],
    ),
    (
        "participation",
        _("参加支援"),
        [
            ("participation:opportunity_list", _("参加先")),
            ("participation:placement_list", _("参加の調整")),
            ("participation:host_log_list", _("受入先開拓")),
        ],
    ),
    (
        "community",
        _("地域づくり"),
        [
            ("community:district_list", _("地区ごとの状況")),
            ("community:resource_list", _("地域資源")),
            ("community:activity_list", _("活動記録")),
            ("community:issue_list", _("地域課題")),
        ],
    ),
    (
        "reports",
        _("統計"),
        [
            ("reports:report_list", _("月次統計")),
            ("reports:statistics", _("統計を画面で見る")),
            ("reports:dashboard", _("ダッシュボード")),
            ("households:access_log", _("閲覧記録")),
        ],
    ),
]

# What 庁内職員 and administrators (no case work) find in the menu: they send つなぐシート
# and look up where to send them.
NON_CASE_PAGES = {"intake:sheet_list", "referrals:agency_list"}

# Pages only managers reach (others would get 404). The role's value is that of
# accounts.choices.Role.MANAGER: common imports no app.
MANAGER_ROLE = "manager"
MANAGER_PAGES = {"households:access_log"}
# Pages filed under a pillar other than their app's: that pillar is active on exactly
# these views, and their namespace does not make it active elsewhere.
BORROWED_PAGES = {"households:access_log"}


def _reverse(name):
    # The menu's addresses are the same on every request: reversed once per URLconf and
    # script prefix, not 17 times a page.
    return _reverse_cached(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=256)
def _reverse_cached(name, urlconf, prefix):
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def _mark_current(children, path: str, current_name: str) -> None:
    """The sub-navigation item of the page shown: the page itself, else the item whose
    address is the longest start of this page's (a case's page lights ケース)."""
    exact = [c for c in children if c["name"] == current_name]
    if not exact:
        prefixed = [c for c in children if path.startswith(c["url"])]
        exact = sorted(prefixed, key=lambda c: len(c["url"]))[-1:]
    for child in children:
        child["active"] = child in exact


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    match = request.resolver_match
    current_ns = match.namespace if match else ""
    current_name = match.view_name if match else ""
    items, sub = [], []
    works_on_cases = user.works_on_cases
    for key, label, pages in PILLARS:
        if not works_on_cases:
            # 庁内職員 (and administrators) only send つなぐシート.
            pages = [p for p in pages if p[0] in NON_CASE_PAGES]
        if key == "reports" and not user.can_request_statistics:
            continue
        if not user.has_role(MANAGER_ROLE):
            pages = [p for p in pages if p[0] not in MANAGER_PAGES]
        children = []
        for name, child_label in pages:
            url = _reverse(name)
            if url:
                children.append({"label": child_label, "url": url, "name": name, "active": False})
        if not children:
            continue
        namespaces = {name.split(":")[0] for name, _label in pages if name not in BORROWED_PAGES}
        if current_name in BORROWED_PAGES:
            active = any(name == current_name for name, _label in pages)
        else:
            active = current_ns in namespaces
        items.append({"key": key, "label": label, "url": children[0]["url"], "active": active})
        if active and len(children) > 1:
            _mark_current(children, request.path, current_name)
            sub = children
    return {"nav_pillars": items, "nav_sub": sub}
