"""The pillar tables ③〜⑤ (アウトリーチ, 参加支援, 地域づくり): figures from each app's
selectors, counted for 全機関 only, and the tables' rows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy


def participation_figures(periods) -> dict[str, list[int]]:
    """参加支援 (pillar ④) from participation.selectors.participation_counts (全機関 only)."""
    from participation.selectors import participation_counts

    figures = [participation_counts(p.start, p.end) for p in periods]
    keys = [
        "placements_started",
        "trials_started",
        "placements_settled",
        "placements_ended",
        "follow_ups",
        "host_developments",
    ]
    return {k: [f[k] for f in figures] for k in keys}


def community_figures(periods) -> dict[str, list[int]]:
    """地域づくり (pillar ⑤) from community.selectors.community_counts (全機関 only)."""
    from community.selectors import community_counts

    figures = [community_counts(p.start, p.end) for p in periods]
    out = {
        k: [f[k] for f in figures]
        for k in (
            "active_resources",
            "activities",
            "participants",
            "volunteers",
            "multigenerational_activities",
            "issues_raised",
            "issues_resolved",
        )
    }
    for band in ("children", "youth", "middle_aged", "elderly"):
        out[band] = [f["participants_by_age_band"][band] for f in figures]
    return out


def outreach_figures(periods) -> dict[str, list[int]] | None:
    """アウトリーチ (pillar ③) from outreach.selectors.outreach_counts; None when the
    outreach app offers no such selector. Counted for 全機関 only."""
    try:
        from outreach.selectors import outreach_counts
    except ImportError:
        return None
    figures = [outreach_counts(p.start, p.end) for p in periods]
    return {
        "targets_found": [f["targets_found"] for f in figures],
        "contacts": [f["contacts"] for f in figures],
        "contacts_reached": [f["contacts_reached"] for f in figures],
        "targets_connected": [f["targets_connected"] for f in figures],
        "survey_visits": [sum(f["survey_visits_by_result"].values()) for f in figures],
    }


# The rows of the pillar tables: (key in the app's figures, label).
OUTREACH_ROWS = [
    ("targets_found", gettext_lazy("把握した対象者")),
    ("contacts", gettext_lazy("接触の試み（延べ）")),
    ("contacts_reached", gettext_lazy("うち本人・家族と接触できた")),
    ("targets_connected", gettext_lazy("支援につながった対象者")),
    ("survey_visits", gettext_lazy("世帯訪問調査（延べ）")),
]
PARTICIPATION_ROWS = [
    ("placements_started", gettext_lazy("調整を始めた参加")),
    ("trials_started", gettext_lazy("体験を始めた参加")),
    ("placements_settled", gettext_lazy("定着した参加")),
    ("placements_ended", gettext_lazy("終了した参加")),
    ("follow_ups", gettext_lazy("定着支援（延べ）")),
    ("host_developments", gettext_lazy("受入先開拓（延べ）")),
]
COMMUNITY_ROWS = [
    ("active_resources", gettext_lazy("活動中の地域資源")),
    ("activities", gettext_lazy("活動（延べ）")),
    ("participants", gettext_lazy("参加者（延べ）")),
    ("children", gettext_lazy("うち子ども（0〜17歳）")),
    ("youth", gettext_lazy("うち若者（18〜39歳）")),
    ("middle_aged", gettext_lazy("うち中高年（40〜64歳）")),
    ("elderly", gettext_lazy("うち高齢者（65歳以上）")),
    ("volunteers", gettext_lazy("ボランティア（延べ）")),
    ("multigenerational_activities", gettext_lazy("多世代の活動")),
    ("issues_raised", gettext_lazy("提起された地域課題")),
    ("issues_resolved", gettext_lazy("解決した地域課題")),
]
# Every pillar table's rows, by table key.
PILLAR_ROWS = {
    "outreach": OUTREACH_ROWS,
    "participation": PARTICIPATION_ROWS,
    "community": COMMUNITY_ROWS,
}
