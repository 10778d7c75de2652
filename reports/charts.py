"""Small SVG charts drawn in Python for the PDF (WeasyPrint renders inline SVG; its text
uses the same embedded font as the page, so no image library and no second font)."""

from xml.sax.saxutils import escape

FONT = "Noto Sans CJK JP"
BAR = "#2f6f9f"
BAR_LIGHT = "#9cc3de"
INK = "#222222"
GRID = "#cccccc"


def _nice_max(value: int) -> int:
    """A round axis maximum at or above value whose quarters are whole numbers
    (4, 8, 12, 20 × 10^n)."""
    magnitude = 1
    while True:
        for step in (4, 8, 12, 20):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def _svg(width: float, height: float, body: list[str], label: str, role: str = "img") -> str:
    # A chart with links is a group of them (an img may not hold interactive parts).
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}" role="{role}" aria-label="{escape(label)}" '
        f'font-family="{FONT}">' + "".join(body) + "</svg>"
    )


def horizontal_bars(
    rows: list[tuple[str, int]], *, label: str, width: float = 180, row_height: float = 6.2
) -> str:
    """One bar per row, label on the left and the count at the bar's end (units: mm)."""
    label_width, value_width, top = 52.0, 14.0, 2.0
    plot = width - label_width - value_width
    maximum = _nice_max(max((v for _l, v in rows), default=0))
    height = top + row_height * len(rows) + 7
    body = []
    for tick in range(5):
        x = label_width + plot * tick / 4
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 6:.1f}" '
            f'stroke="{GRID}" stroke-width="0.2"/>'
            f'<text x="{x:.1f}" y="{height - 2:.1f}" font-size="2.6" text-anchor="middle" '
            f'fill="{INK}">{maximum * tick // 4:,}</text>'
        )
    for i, (name, value) in enumerate(rows):
        y = top + i * row_height
        bar = plot * value / maximum
        body.append(
            f'<text x="{label_width - 2:.1f}" y="{y + row_height * 0.68:.1f}" font-size="3.1" '
            f'text-anchor="end" fill="{INK}">{escape(name)}</text>'
            f'<rect x="{label_width:.1f}" y="{y + 1:.1f}" width="{bar:.1f}" '
            f'height="{row_height - 2:.1f}" fill="{BAR}"/>'
            f'<text x="{label_width + bar + 1.5:.1f}" y="{y + row_height * 0.68:.1f}" '
            f'font-size="3.1" fill="{INK}">{value:,}</text>'
        )
    return _svg(width, height, body, label)


def columns(
    points: list[tuple[str, int]],
    *,
    label: str,
    width: float = 180,
    height: float = 62,
    links: list[str] | None = None,
) -> str:
    """Vertical bars over time (12 months), the count above each bar (units: mm). With
    links (one URL per point, for the screen), each bar and its count open that URL."""
    left, bottom, top = 12.0, 9.0, 6.0
    plot_w, plot_h = width - left - 2, height - bottom - top
    maximum = _nice_max(max((v for _l, v in points), default=0))
    slot = plot_w / max(len(points), 1)
    body = []
    for tick in range(5):
        y = top + plot_h - plot_h * tick / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 2}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.2"/>'
            f'<text x="{left - 1.5}" y="{y + 1:.1f}" font-size="2.6" text-anchor="end" '
            f'fill="{INK}">{maximum * tick // 4:,}</text>'
        )
    for i, (name, value) in enumerate(points):
        bar_h = plot_h * value / maximum
        x = left + i * slot + slot * 0.18
        w = slot * 0.64
        fill = BAR if i == len(points) - 1 else BAR_LIGHT
        bar = (
            f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{w:.1f}" '
            f'height="{bar_h:.1f}" fill="{fill}"/>'
            f'<text x="{x + w / 2:.1f}" y="{top + plot_h - bar_h - 1.2:.1f}" font-size="2.8" '
            f'text-anchor="middle" fill="{INK}">{value:,}</text>'
        )
        if links:
            # The whole slot is the link target, so a zero bar can be opened too.
            target = (
                f'<rect x="{left + i * slot:.1f}" y="{top}" width="{slot:.1f}" '
                f'height="{plot_h:.1f}" fill="transparent"/>'
            )
            bar = (
                f'<a href="{escape(links[i], {chr(34): "&quot;"})}" '
                f'aria-label="{escape(name)} {value:,}">{target}{bar}</a>'
            )
        body.append(
            bar + f'<text x="{x + w / 2:.1f}" y="{height - 4:.1f}" font-size="2.8" '
            f'text-anchor="middle" fill="{INK}">{escape(name)}</text>'
        )
    return _svg(width, height, body, label, "group" if links else "img")
