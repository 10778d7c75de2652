"""エコマップ: the household in the centre, the agencies and community resources
involved around it, each line drawn by the kind of relation the worker set
(EcoMapTie: supportive, weak, stressful; ordinary when unset).

Households does not know which agencies are involved: the apps above it find them
(cases.family_maps collects them from the case's grants, plan roles, referrals and
participation placements, asking each app's access rules) and pass EcoNode lists here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.audit import log_action
from common.services import bump_version, save_as
from households.choices import EcoTieKind
from households.models import EcoMapTie, Household

FONT = "Noto Sans CJK JP, Noto Sans JP, IPAexGothic, sans-serif"
WIDTH, HEIGHT = 760, 560
CENTRE_R = 78
NODE_W, NODE_H = 150, 50


@dataclass
class EcoNode:
    """One agency or resource around the household; `roles` say how it is involved
    (主担当, 繋ぎ（受理）, プラン：見守り, 参加先, …)."""

    key: str  # "agency:<id>" or "opportunity:<id>"
    label: str
    kind: str = "agency"
    roles: list[str] = field(default_factory=list)
    tie: str = EcoTieKind.NORMAL


# Apps above households register callable(user, household) -> list[EcoNode]: the nodes
# that user may see around the household (cases.family_maps registers the one source).
_HOUSEHOLD_SOURCES = []


def register_household_nodes(func):
    _HOUSEHOLD_SOURCES.append(func)
    return func


def household_nodes(user, household) -> list[EcoNode]:
    """Every node this user sees around the household, with the lines set for it."""
    nodes = []
    for func in _HOUSEHOLD_SOURCES:
        nodes.extend(func(user, household) or [])
    return with_ties(household, merge_nodes(nodes))


def merge_nodes(nodes) -> list[EcoNode]:
    """One node per key, its roles joined in order of first appearance."""
    merged: dict[str, EcoNode] = {}
    for n in nodes:
        have = merged.setdefault(n.key, EcoNode(key=n.key, label=n.label, kind=n.kind))
        for role in n.roles:
            if role not in have.roles:
                have.roles.append(role)
    return list(merged.values())


def with_ties(household: Household, nodes) -> list[EcoNode]:
    """The nodes with the kinds of line the workers set for this household."""
    ties = dict(household.eco_ties.values_list("node_key", "kind"))
    for n in nodes:
        n.tie = ties.get(n.key, EcoTieKind.NORMAL)
    return nodes


@transaction.atomic
def eco_tie_set(*, actor, household: Household, node_key: str, kind: str) -> EcoMapTie:
    """Set the kind of line to one node (the caller checked the node is one the actor
    sees on this household's eco-map). Side effects: history row, action log."""
    tie = EcoMapTie.objects.select_for_update().filter(household=household, node_key=node_key)
    tie = tie.first()
    if tie is None:
        tie = EcoMapTie(household=household, node_key=node_key, kind=kind, set_by=actor)
    else:
        tie.kind = kind
        tie.set_by = actor
        bump_version(tie)
    save_as(tie, actor)
    log_action(actor=actor, action="households.eco_tie.set", obj=household)
    return tie


def _wrap(text: str, width: int = 10) -> list[str]:
    lines = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return lines


def _tie_path(x1, y1, x2, y2, kind) -> str:
    common = 'fill="none" stroke="#1f2933"'
    if kind == EcoTieKind.SUPPORTIVE:
        return (
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {common}'
            f' stroke-width="5"/>'
        )
    if kind == EcoTieKind.WEAK:
        return (
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {common}'
            f' stroke-width="1.5" stroke-dasharray="6 6"/>'
        )
    if kind == EcoTieKind.STRESSFUL:
        # A zigzag line (the usual sign for a stressful relation).
        length = math.hypot(x2 - x1, y2 - y1) or 1
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        nx, ny = -uy, ux
        steps = max(int(length // 12), 2)
        pts = []
        for i in range(steps + 1):
            t = i / steps
            off = 0 if i in (0, steps) else (6 if i % 2 else -6)
            pts.append(
                f"{x1 + ux * length * t + nx * off:.1f},{y1 + uy * length * t + ny * off:.1f}"
            )
        return f'<polyline points="{" ".join(pts)}" fill="none" stroke="#c53030" stroke-width="2"/>'
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {common} stroke-width="2"/>'
    )


def render_ecomap_svg(*, centre_label: str, centre_lines=(), nodes, title: str = "") -> str:
    """The eco-map: centre_label (the household) with centre_lines (its members, as the
    caller may show them) in a circle, the nodes evenly around it."""
    title = title or _("エコマップ")
    cx, cy = WIDTH / 2, HEIGHT / 2 - 20
    ring_x, ring_y = 270, 190
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ecomap" role="img" width="{WIDTH}"'
        f' height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    placed = []
    count = len(nodes)
    for i, n in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / max(count, 1)
        placed.append((n, cx + ring_x * math.cos(angle), cy + ring_y * math.sin(angle), angle))
    for n, x, y, angle in placed:
        # From the circle's edge to the box's edge (approximately, on the ellipse of the box).
        x1, y1 = cx + CENTRE_R * math.cos(angle), cy + CENTRE_R * math.sin(angle)
        dx, dy = x1 - x, y1 - y
        scale = min(
            (NODE_W / 2 + 4) / abs(dx) if dx else math.inf,
            (NODE_H / 2 + 4) / abs(dy) if dy else math.inf,
        )
        x2, y2 = x + dx * scale, y + dy * scale
        parts.append(
            f'<g class="eco-edge" data-to="{escape(n.key)}" data-tie="{escape(n.tie)}">'
            + _tie_path(x1, y1, x2, y2, n.tie)
            + "</g>"
        )
    parts.append(
        f'<g class="eco-centre"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{CENTRE_R}" fill="#ebf4ff"'
        f' stroke="#2b6cb0" stroke-width="2.5"/>'
        f'<text x="{cx:.1f}" y="{cy - 22:.1f}" text-anchor="middle" font-size="14"'
        f' font-weight="bold" font-family="{FONT}" fill="#1a365d">{escape(centre_label)}</text>'
    )
    for i, text in enumerate(list(centre_lines)[:4]):
        parts.append(
            f'<text x="{cx:.1f}" y="{cy + i * 17:.1f}" text-anchor="middle" font-size="12"'
            f' font-family="{FONT}" fill="#1f2933">{escape(text)}</text>'
        )
    parts.append("</g>")
    for n, x, y, _angle in placed:
        fill = "#fffaf0" if n.kind != "agency" else "#ffffff"
        rx = 22 if n.kind != "agency" else 6
        parts.append(
            f'<g class="eco-node" data-key="{escape(n.key)}" data-kind="{escape(n.kind)}">'
            f'<rect x="{x - NODE_W / 2:.1f}" y="{y - NODE_H / 2:.1f}" width="{NODE_W}"'
            f' height="{NODE_H}" rx="{rx}" fill="{fill}" stroke="#4a5568" stroke-width="1.5"/>'
        )
        lines = _wrap(n.label, 11)
        for j, text in enumerate(lines):
            y_text = y + 5 - 8 * (len(lines) - 1) + j * 16
            parts.append(
                f'<text x="{x:.1f}" y="{y_text:.1f}" text-anchor="middle" font-size="12"'
                f' font-family="{FONT}" fill="#1f2933">{escape(text)}</text>'
            )
        if n.roles:
            parts.append(
                f'<text x="{x:.1f}" y="{y + NODE_H / 2 + 14:.1f}" text-anchor="middle"'
                f' font-size="10" font-family="{FONT}" fill="#4a5568">'
                f"{escape('、'.join(map(str, n.roles))[:24])}</text>"
            )
        parts.append("</g>")
    # Legend.
    ly = HEIGHT - 22
    legend = [
        (EcoTieKind.NORMAL, _("普通")),
        (EcoTieKind.SUPPORTIVE, _("支援的")),
        (EcoTieKind.WEAK, _("希薄")),
        (EcoTieKind.STRESSFUL, _("ストレス")),
    ]
    parts.append('<g class="eco-legend">')
    for i, (kind, label) in enumerate(legend):
        lx = 40 + i * 170
        parts.append(_tie_path(lx, ly, lx + 50, ly, kind))
        parts.append(
            f'<text x="{lx + 58}" y="{ly + 4}" font-size="12" font-family="{FONT}"'
            f' fill="#1f2933">{escape(label)}</text>'
        )
    parts.append("</g>")
    if not nodes:
        parts.append(
            f'<text x="{cx:.1f}" y="{cy + CENTRE_R + 40:.1f}" text-anchor="middle" font-size="13"'
            f' font-family="{FONT}" fill="#4a5568">'
            f"{escape(_('関わっている機関・地域資源は、まだ記録されていません。'))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()
