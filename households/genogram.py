"""ジェノグラム: the household's family drawn as SVG on the server, in the standard
notation (□ male, ○ female, ◇ unknown; the person in focus doubled; the deceased
crossed; marriage, separation (/) and divorce (//) lines; children below their parents;
a dashed line around those who live together; ages inside the symbols).

The graph comes from the current memberships (続柄, seen from the head of the household)
and the household's RelatedPerson rows (people outside the household, each placed
beside the member or related person they relate to). build_genogram() returns the graph
(tested by its nodes and edges); render_genogram_svg() draws it. Both take only what the
caller may show: the household page passes members it already shows, the meeting
agenda PDF passes show_names=False for readers of the brief only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from households.choices import RelatedRelation, Relationship, Sex

# Generation of each 続柄 relative to the head (0); parents above (negative).
GENERATION = {
    Relationship.HEAD: 0,
    Relationship.SPOUSE: 0,
    Relationship.SIBLING: 0,
    Relationship.OTHER_RELATIVE: 0,
    Relationship.NON_RELATIVE: 0,
    Relationship.CHILD: 1,
    Relationship.CHILD_IN_LAW: 1,
    Relationship.GRANDCHILD: 2,
    Relationship.PARENT: -1,
    Relationship.GRANDPARENT: -2,
}

MARRIAGE, SEPARATION, DIVORCE = "marriage", "separation", "divorce"
UNION_KIND = {
    RelatedRelation.SPOUSE: MARRIAGE,
    RelatedRelation.SEPARATED: SEPARATION,
    RelatedRelation.FORMER_SPOUSE: DIVORCE,
}

# Drawing sizes (px).
SYMBOL = 44
PARTNER_GAP = 96  # centre to centre within a couple
BLOCK_GAP = 112  # centre to centre between neighbours that are not a couple
ROW_HEIGHT = 150
MARGIN = 48
DROP = 32  # from a symbol's bottom down to the marriage line (below the name)
FONT = "Noto Sans CJK JP, Noto Sans JP, IPAexGothic, sans-serif"


@dataclass
class Node:
    key: str  # "p<person id>" for members, "r<related id>" for related persons
    label: str
    sex: str
    age: int | None = None
    deceased: bool = False
    in_household: bool = False
    focus: bool = False
    gen: int = 0
    order: tuple = ()  # birth order among siblings
    x: float = 0.0


@dataclass
class Union:
    """A couple (or a single parent, or unknown parents of siblings) and their children."""

    key: str
    partners: list[str]  # 0, 1 or 2 node keys
    kind: str = MARRIAGE
    children: list[str] = field(default_factory=list)


@dataclass
class Genogram:
    nodes: dict[str, Node]
    unions: list[Union]

    def edges(self) -> list[tuple[str, str, str]]:
        """(kind, from, to): couples by their kind, "child" from each parent to each child,
        "sibling" from the first sibling when the parents are not drawn."""
        out = []
        for u in self.unions:
            if len(u.partners) == 2:
                out.append((u.kind, u.partners[0], u.partners[1]))
            for child in u.children:
                if u.partners:
                    out.extend(("child", parent, child) for parent in u.partners)
                elif child != u.children[0]:
                    out.append(("sibling", u.children[0], child))
        return out

    @property
    def generations(self) -> int:
        return len({n.gen for n in self.nodes.values()})


def _member_label(membership, show_names: bool) -> str:
    if show_names:
        return membership.person.given_name or membership.person.family_name
    return membership.get_relationship_display()


def build_genogram(
    memberships, related=(), *, focus_person_ids=(), show_names: bool = True, today=None
) -> Genogram:
    """The graph of the current memberships (until is None) and the related persons."""
    from django.utils import timezone

    from common.wareki import age_on

    today = today or timezone.localdate()
    current = [m for m in memberships if m.until is None]
    nodes: dict[str, Node] = {}
    unions: list[Union] = []
    focus = set(focus_person_ids)

    def union(partners, kind=MARRIAGE) -> Union:
        u = Union(key=f"u{len(unions) + 1}", partners=list(partners), kind=kind)
        unions.append(u)
        return u

    def parent_union(key) -> Union | None:
        return next((u for u in unions if key in u.children), None)

    def own_union(key) -> Union:
        """The union of key with a partner (the first), else key as a single parent."""
        mine = [u for u in unions if key in u.partners]
        with_partner = [u for u in mine if len(u.partners) == 2]
        return (with_partner or mine or [union([key])])[0]

    for m in current:
        p = m.person
        nodes[f"p{p.pk}"] = Node(
            key=f"p{p.pk}",
            label=_member_label(m, show_names),
            sex=p.sex,
            age=age_on(p.birth_date, today),
            in_household=True,
            focus=p.pk in focus,
            gen=GENERATION.get(m.relationship, 0),
            order=(p.birth_date or today, p.pk),
        )
    by_rel: dict[str, list[str]] = {}
    for m in current:
        by_rel.setdefault(m.relationship, []).append(f"p{m.person_id}")
    heads = by_rel.get(Relationship.HEAD) or ([f"p{current[0].person_id}"] if current else [])
    head = heads[0] if heads else None

    if head:
        # The head's parents (and the head's siblings as their children).
        parents = by_rel.get(Relationship.PARENT, [])
        siblings = by_rel.get(Relationship.SIBLING, [])
        if parents or siblings:
            pu = union(parents[:2])
            pu.children = [head, *siblings]
        grandparents = by_rel.get(Relationship.GRANDPARENT, [])
        if grandparents:
            gu = union(grandparents[:2])
            gu.children = parents[:1] or []
        for spouse in by_rel.get(Relationship.SPOUSE, [])[:1]:
            union([head, spouse])
        children = by_rel.get(Relationship.CHILD, [])
        if children:
            own_union(head).children.extend(children)
        for in_law in by_rel.get(Relationship.CHILD_IN_LAW, []):
            free = [c for c in children if not any(c in u.partners for u in unions)]
            if free or children:
                union([(free or children)[0], in_law])
        grandchildren = by_rel.get(Relationship.GRANDCHILD, [])
        if grandchildren and children:
            parent = next(
                (c for c in children if any(c in u.partners for u in unions)), children[0]
            )
            own_union(parent).children.extend(grandchildren)

    # Related persons: each beside the one they relate to (placed once that one is).
    pending = list(related)
    while pending:
        progressed = False
        for r in list(pending):
            anchor = f"p{r.of_person_id}" if r.of_person_id else f"r{r.of_related_id}"
            if anchor not in nodes:
                continue
            pending.remove(r)
            progressed = True
            a = nodes[anchor]
            key = f"r{r.pk}"
            gen = a.gen
            if r.relation in (RelatedRelation.FATHER, RelatedRelation.MOTHER):
                gen = a.gen - 1
            elif r.relation == RelatedRelation.CHILD:
                gen = a.gen + 1
            nodes[key] = Node(
                key=key,
                label=r.label if show_names else r.get_relation_display(),
                sex=r.sex,
                age=r.age,
                deceased=r.is_deceased or bool(r.died_on),
                gen=gen,
                order=(r.birth_date or today, 10**9 + r.pk),
            )
            if r.relation in (RelatedRelation.FATHER, RelatedRelation.MOTHER):
                pu = parent_union(anchor)
                if pu is None:
                    pu = union([])
                    pu.children.append(anchor)
                if len(pu.partners) < 2:
                    pu.partners.append(key)
            elif r.relation in UNION_KIND:
                single = next((u for u in unions if u.partners == [anchor] and u.children), None)
                if single is not None:
                    single.partners.append(key)
                    single.kind = UNION_KIND[r.relation]
                else:
                    union([anchor, key], UNION_KIND[r.relation])
            elif r.relation == RelatedRelation.CHILD:
                own_union(anchor).children.append(key)
            elif r.relation == RelatedRelation.SIBLING:
                pu = parent_union(anchor)
                if pu is None:
                    pu = union([])
                    pu.children.append(anchor)
                pu.children.append(key)
            # OTHER: drawn in the anchor's row, without a family line.
        if not progressed:
            break  # an anchor that is no longer in the household: those are left out
    for u in unions:
        u.children.sort(key=lambda k: nodes[k].order)
    return Genogram(nodes=nodes, unions=unions)


# ---------------------------------------------------------------- layout


def _blocks(g: Genogram, row: list[str]) -> list[list[str]]:
    """Nodes of one row grouped into chains of partners (a couple side by side; a
    remarried person between the former and the present partner)."""
    adj: dict[str, list[str]] = {k: [] for k in row}
    for u in g.unions:
        if len(u.partners) == 2 and all(p in adj for p in u.partners):
            a, b = u.partners
            adj[a].append(b)
            adj[b].append(a)
    seen, out = set(), []
    for k in row:
        if k in seen:
            continue
        comp, stack = [], [k]
        while stack:
            c = stack.pop()
            if c in seen:
                continue
            seen.add(c)
            comp.append(c)
            stack.extend(adj[c])
        ends = [c for c in comp if len(adj[c]) <= 1] or comp
        chain, cur, prev = [], ends[0], None
        while cur is not None and cur not in chain:
            chain.append(cur)
            nxt = [n for n in adj[cur] if n != prev and n not in chain]
            prev, cur = cur, (nxt[0] if nxt else None)
        chain += [c for c in comp if c not in chain]
        if len(chain) == 2:
            a, b = (g.nodes[c] for c in chain)
            # Convention: the man on the left, the woman on the right.
            if a.sex == Sex.FEMALE and b.sex == Sex.MALE:
                chain.reverse()
        out.append(chain)
    return out


def layout(g: Genogram) -> tuple[float, float, float]:
    """Set each node's x; returns (width, height, top generation)."""
    gens = sorted({n.gen for n in g.nodes.values()})
    if not gens:
        return (MARGIN * 2, MARGIN * 2, 0)
    parent_of = {}
    for u in g.unions:
        for c in u.children:
            parent_of.setdefault(c, u)
    for gen in gens:
        row = sorted(
            (k for k, n in g.nodes.items() if n.gen == gen), key=lambda k: g.nodes[k].order
        )
        blocks = _blocks(g, row)

        def parent_union_of(block):
            return next((parent_of[k] for k in block if k in parent_of), None)

        def centre(u: Union | None) -> float | None:
            xs = [g.nodes[p].x for p in u.partners] if u else []
            if u and not xs:
                return None
            return sum(xs) / len(xs) if xs else None

        # Sibling groups: blocks sharing their parents, centred under them.
        groups: list[tuple[float, list[list[str]]]] = []
        by_union: dict[str, list[list[str]]] = {}
        loose = []
        for block in blocks:
            u = parent_union_of(block)
            if u is not None and centre(u) is not None:
                by_union.setdefault(u.key, []).append(block)
            else:
                loose.append(block)
        for ukey, members in by_union.items():
            u = next(x for x in g.unions if x.key == ukey)
            width = _group_width(members)
            groups.append((centre(u) - width / 2, members))
        groups.sort(key=lambda item: item[0])
        # Blocks without drawn parents: household members first, then the others.
        loose.sort(key=lambda b: not any(g.nodes[k].in_household for k in b))
        cursor = MARGIN + SYMBOL / 2
        placed = []
        if loose and groups:
            # Put the loose blocks left of the first group when there is room, else after.
            placed.append((None, loose))
        elif loose:
            placed.append((cursor, loose))
        placed.extend(groups)
        for start, members in placed:
            x = cursor if start is None else max(cursor, start)
            for block in members:
                for i, k in enumerate(block):
                    g.nodes[k].x = x + i * PARTNER_GAP
                x += (len(block) - 1) * PARTNER_GAP + BLOCK_GAP
            cursor = x
    min_x = min(n.x for n in g.nodes.values())
    shift = MARGIN + SYMBOL / 2 - min_x
    for n in g.nodes.values():
        n.x += shift
    width = max(n.x for n in g.nodes.values()) + SYMBOL / 2 + MARGIN
    height = (len(gens) - 1) * ROW_HEIGHT + SYMBOL + 2 * MARGIN + 16
    return (max(width, 320), height, gens[0])


def _group_width(blocks) -> float:
    return sum((len(b) - 1) * PARTNER_GAP for b in blocks) + (len(blocks) - 1) * BLOCK_GAP


# ---------------------------------------------------------------- drawing


def _symbol(n: Node, y: float) -> list[str]:
    h = SYMBOL / 2
    x = n.x
    out = []
    attrs = 'fill="#ffffff" stroke="#1f2933" stroke-width="2"'

    def shape(pad: float) -> str:
        if n.sex == Sex.MALE:
            return (
                f'<rect x="{x - h - pad:.1f}" y="{y - h - pad:.1f}" width="{SYMBOL + 2 * pad:.1f}"'
                f' height="{SYMBOL + 2 * pad:.1f}" {attrs}/>'
            )
        if n.sex == Sex.FEMALE:
            return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{h + pad:.1f}" {attrs}/>'
        r = h + 4 + pad
        return (
            f'<polygon points="{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f}'
            f' {x - r:.1f},{y:.1f}" {attrs}/>'
        )

    if n.focus:
        out.append(shape(5))
    out.append(shape(0))
    if n.age is not None:
        out.append(
            f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-size="14"'
            f' font-family="{FONT}" fill="#1f2933">{n.age}</text>'
        )
    if n.deceased:
        out.append(
            f'<path d="M{x - h:.1f},{y - h:.1f} L{x + h:.1f},{y + h:.1f} M{x + h:.1f},{y - h:.1f}'
            f' L{x - h:.1f},{y + h:.1f}" stroke="#1f2933" stroke-width="2" class="gg-deceased"/>'
        )
    # The name sits on a white box so the lines drawn beneath it do not cross it.
    width = len(n.label) * 12 + 6
    out.append(
        f'<rect class="gg-label-bg" x="{x - width / 2:.1f}" y="{y + h + 4:.1f}" width="{width}"'
        f' height="16"'
        f' fill="#ffffff"/>'
        f'<text x="{x:.1f}" y="{y + h + 16:.1f}" text-anchor="middle" font-size="12"'
        f' font-family="{FONT}" fill="#1f2933">{escape(n.label)}</text>'
    )
    return out


def _boundary(g: Genogram, row_y) -> str:
    """A dashed outline around the members who live together, row by row."""
    rows = {}
    for n in g.nodes.values():
        if n.in_household:
            lo, hi = rows.get(n.gen, (n.x, n.x))
            rows[n.gen] = (min(lo, n.x), max(hi, n.x))
    if not rows:
        return ""
    pad = SYMBOL / 2 + 14
    right, left = [], []
    for gen in sorted(rows):
        lo, hi = rows[gen]
        top, bottom = row_y(gen) - pad, row_y(gen) + pad + 16
        right += [(hi + pad, top), (hi + pad, bottom)]
        left += [(lo - pad, top), (lo - pad, bottom)]
    points = right + list(reversed(left))
    d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z"
    return (
        f'<path class="gg-household" d="{d}" fill="none" stroke="#2b6cb0" stroke-width="1.5"'
        f' stroke-dasharray="6 4" stroke-linejoin="round"/>'
    )


def render_genogram_svg(g: Genogram, *, title: str = "") -> str:
    width, height, top_gen = layout(g)

    def row_y(gen):
        return MARGIN + SYMBOL / 2 + (gen - top_gen) * ROW_HEIGHT

    title = title or _("ジェノグラム")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="genogram" role="img"'
        f' width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}"'
        f' aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _boundary(g, row_y),
    ]
    line = 'stroke="#1f2933" stroke-width="2" fill="none"'
    for u in g.unions:
        partners = [g.nodes[p] for p in u.partners]
        y = row_y(partners[0].gen) + SYMBOL / 2 + DROP if partners else None
        if len(partners) == 2:
            a, b = sorted(partners, key=lambda n: n.x)
            ya = row_y(a.gen) + SYMBOL / 2
            d = f"M{a.x:.1f},{ya:.1f} L{a.x:.1f},{y:.1f} L{b.x:.1f},{y:.1f} L{b.x:.1f},{ya:.1f}"
            marks = ""
            mid = (a.x + b.x) / 2
            slashes = {SEPARATION: [0], DIVORCE: [-5, 5]}.get(u.kind, [])
            for dx in slashes:
                marks += f" M{mid + dx - 6:.1f},{y + 9:.1f} L{mid + dx + 6:.1f},{y - 9:.1f}"
            parts.append(
                f'<g class="gg-edge" data-kind="{u.kind}" data-from="{u.partners[0]}"'
                f' data-to="{u.partners[1]}"><path d="{d}{marks}" {line}/></g>'
            )
        if not u.children:
            continue
        kids = [g.nodes[c] for c in u.children]
        child_top = row_y(kids[0].gen) - SYMBOL / 2
        bar_y = child_top - 22
        if partners:
            top_x = sum(n.x for n in partners) / len(partners)
            top_y = y if len(partners) == 2 else row_y(partners[0].gen) + SYMBOL / 2
            d = f"M{top_x:.1f},{top_y:.1f} L{top_x:.1f},{bar_y:.1f}"
        else:
            top_x = None
            d = ""
        xs = [k.x for k in kids] + ([top_x] if top_x is not None else [])
        d += f" M{min(xs):.1f},{bar_y:.1f} L{max(xs):.1f},{bar_y:.1f}"
        for k in kids:
            d += f" M{k.x:.1f},{bar_y:.1f} L{k.x:.1f},{child_top:.1f}"
        parents = " ".join(u.partners)
        children = " ".join(u.children)
        parts.append(
            f'<g class="gg-children" data-parents="{parents}" data-children="{children}">'
            f'<path d="{d.strip()}" {line}/></g>'
        )
    for n in sorted(g.nodes.values(), key=lambda n: (n.gen, n.x)):
        attrs = (
            f'class="gg-node" data-key="{n.key}" data-sex="{n.sex}" data-gen="{n.gen}"'
            f' data-in-household="{int(n.in_household)}" data-focus="{int(n.focus)}"'
            f' data-deceased="{int(n.deceased)}"'
        )
        parts.append(f"<g {attrs}>" + "".join(_symbol(n, row_y(n.gen))) + "</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()
