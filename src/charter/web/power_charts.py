"""The Inspection's pictures for the pages: the power map and formal against effective power.

Like the result charts, these are SVG written here with presentation
attributes only, so the Content Security Policy stays strict. The layout of the
map is networkx's Kamada–Kawai (deterministic for a given map), the same the
CLI's matplotlib drawing uses (`charter.inspection_plots`); edges on a circular
flow of power are drawn thick and red.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import networkx as nx

from charter.domain.constitution import Constitution
from charter.domain.inspection.gaps import PowerGap
from charter.domain.inspection.report import Inspection

__all__ = ["KIND_COLOURS", "power_map_svg", "power_svg"]

KIND_COLOURS = {
    "appoints": "#1f4e79",
    "elects": "#2e7d32",
    "nominates": "#6a1b9a",
    "removes": "#8d6e63",
    "admits": "#00838f",
    "sets-agenda": "#757575",
    "inspects": "#b8860b",
    "sits-in": "#9e9e9e",
}
CIRCLE = "#d50000"
MAP_W, MAP_H, PAD = 900, 640, 70


def _wrap(text: str, width: int = 16) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:3] or [text]


def _spread(
    points: dict[str, tuple[float, float]], width: float, height: float, gap: float = 84.0
) -> dict[str, tuple[float, float]]:
    """The layout scaled to the picture, then nodes closer than `gap` pushed apart (labels stay legible)."""
    xs = [x for x, _ in points.values()]
    ys = [y for _, y in points.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    at = {
        node: [(x - min(xs)) / span_x * width, (y - min(ys)) / span_y * height]
        for node, (x, y) in points.items()
    }
    nodes = sorted(at)
    for _ in range(60 if len(nodes) <= 120 else 10):
        moved = False
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                dx, dy = at[b][0] - at[a][0], at[b][1] - at[a][1]
                distance = (dx * dx + dy * dy) ** 0.5
                if distance >= gap:
                    continue
                if distance < 1e-6:
                    dx, dy, distance = 1.0, 0.0, 1.0
                push = (gap - distance) / 2 / distance
                at[a][0] -= dx * push
                at[a][1] -= dy * push * 0.6
                at[b][0] += dx * push
                at[b][1] += dy * push * 0.6
                moved = True
        for point in at.values():
            point[0] = min(max(point[0], 0.0), width)
            point[1] = min(max(point[1], 0.0), height)
        if not moved:
            break
    return {node: (x, y) for node, (x, y) in at.items()}


def power_map_svg(inspection: Inspection, constitution: Constitution) -> str:
    """Posts as nodes (offices square, bodies round), who appoints, elects, removes... whom as arrows."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    for relation in inspection.relations:
        graph.add_edge(relation.source, relation.target)
    if graph.number_of_nodes() == 0:
        return ""
    layout = (
        nx.kamada_kawai_layout(graph)
        if graph.number_of_nodes() > 1
        else dict.fromkeys(graph, (0.0, 0.0))
    )
    placed = _spread(
        {node: (float(x), float(y)) for node, (x, y) in layout.items()},
        MAP_W - 2 * PAD,
        MAP_H - 2 * PAD - 40,
    )

    def at(node: str) -> tuple[float, float]:
        x, y = placed[node]
        return PAD + x, PAD + y

    hot = {(r.source, r.target) for flow in inspection.flows for r in flow.path}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {MAP_W} {MAP_H}" class="chart map"'
        ' role="img" aria-labelledby="map-t map-d" font-family="system-ui, sans-serif">',
        f'<title id="map-t">Power map of {escape(constitution.name)}</title>',
        f'<desc id="map-d">{len(graph)} posts and {len(inspection.relations)} relations; '
        f"{len(inspection.flows)} circular flows of power drawn in red.</desc>",
        "<defs>",
    ]
    for kind, colour in [*KIND_COLOURS.items(), ("circle", CIRCLE)]:
        parts.append(
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9"'
            f' markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z"'
            f' fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    seen: set[tuple[str, str]] = set()
    for relation in sorted(inspection.relations, key=lambda r: (r.source, r.target) in hot):
        pair = (relation.source, relation.target)
        if relation.source == relation.target:
            continue
        (x1, y1), (x2, y2) = at(relation.source), at(relation.target)
        length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1.0)
        shorten = 34 / length
        ex, ey = x2 - (x2 - x1) * shorten, y2 - (y2 - y1) * shorten
        bend = 18 if pair in seen or (relation.target, relation.source) in seen else 8
        seen.add(pair)
        mx, my = (
            (x1 + ex) / 2 - (ey - y1) / length * bend,
            (y1 + ey) / 2 + (ex - x1) / length * bend,
        )
        circular = pair in hot
        colour = CIRCLE if circular else KIND_COLOURS.get(relation.kind, "#999999")
        marker = "circle" if circular else relation.kind
        flag = ' data-circular="true"' if circular else ""
        label = (
            f"{constitution.label(relation.source)} {relation.kind}"
            f" {constitution.label(relation.target)} ({relation.clause})"
        )
        parts.append(
            f'<path d="M{x1:.1f},{y1:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}" fill="none"'
            f' stroke="{colour}" stroke-width="{3.5 if circular else 1.3}"'
            f' marker-end="url(#arrow-{marker})" data-kind="{relation.kind}"'
            f"{flag}>"
            f"<title>{escape(label)}</title></path>"
        )
    for node in graph:
        x, y = at(node)
        office = node in constitution.offices
        on_circle = any(node in pair for pair in hot)
        stroke = CIRCLE if on_circle else ("#e65100" if office else "#1565c0")
        fill = "#fff3e0" if office else "#e3f2fd"
        shape = (
            f'<rect x="{x - 30:.1f}" y="{y - 22:.1f}" width="60" height="44" rx="4"'
            if office
            else f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="34" ry="24"'
        )
        parts.append(
            f'{shape} fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if on_circle else 1.5}">'
            f"<title>{escape(constitution.label(node) if node != 'members' else 'the members')}"
            "</title>"
            f"{'</rect>' if office else '</ellipse>'}"
        )
        lines = _wrap(constitution.label(node) if node != "members" else "the members", 14)
        top = y - (len(lines) - 1) * 5.5 + 3
        for n, line in enumerate(lines):
            parts.append(
                f'<text x="{x:.1f}" y="{top + n * 11:.1f}" text-anchor="middle" font-size="9.5"'
                f' fill="#1b1b1b">{escape(line)}</text>'
            )
    legend = [*KIND_COLOURS.items(), ("circular flow", CIRCLE)]
    for n, (kind, colour) in enumerate(legend):
        x = 12 + n * (MAP_W - 24) / len(legend)
        parts.append(
            f'<line x1="{x:.1f}" y1="{MAP_H - 16}" x2="{x + 22:.1f}" y2="{MAP_H - 16}"'
            f' stroke="{colour}" stroke-width="{3.5 if kind == "circular flow" else 2}"/>'
            f'<text x="{x + 27:.1f}" y="{MAP_H - 12}" font-size="11" fill="#1b1b1b">'
            f"{escape(kind)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def power_svg(rows: Sequence[PowerGap]) -> str:
    """Three bars a person: formal, effective now, effective at the next filling (Banzhaf, 0..1)."""
    if not rows:
        return ""
    left, right, top, group = 210, 40, 30, 42
    width = 760
    height = top + group * len(rows) + 50
    plot = width - left - right
    series = (
        ("formal (own seat)", "#90a4ae"),
        ("effective now", "#42a5f5"),
        ("effective next", CIRCLE),
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart"'
        ' role="img" aria-labelledby="power-t power-d" font-family="system-ui, sans-serif">',
        '<title id="power-t">Formal against effective power</title>',
        '<desc id="power-d">'
        + escape(
            "; ".join(
                f"{r.person} in {r.body}: formal {r.formal:.3f}, now {r.now:.3f}, next {r.next:.3f}"
                for r in rows
            )
        )
        + "</desc>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * plot
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{height - 44}" stroke="#dddddd"/>'
            f'<text x="{x:.1f}" y="{height - 30}" text-anchor="middle" font-size="11"'
            f' fill="#333333">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{left + plot / 2:.1f}" y="{height - 12}" text-anchor="middle" font-size="12"'
        ' fill="#333333">normalised Banzhaf index</text>'
    )
    for n, (label, colour) in enumerate(series):
        parts.append(
            f'<rect x="{left + n * 170}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + n * 170 + 17}" y="16" font-size="11" fill="#1b1b1b">{label}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * group
        parts.append(
            f'<text x="{left - 8}" y="{y + group / 2:.1f}" text-anchor="end" font-size="12"'
            f' fill="#1b1b1b">{escape(f"{row.person} ({row.body})")}</text>'
        )
        for n, ((label, colour), value) in enumerate(
            zip(series, (row.formal, row.now, row.next), strict=True)
        ):
            parts.append(
                f'<rect x="{left}" y="{y + 4 + n * 11:.1f}" width="{max(value, 0.0) * plot:.1f}"'
                f' height="10" fill="{colour}"><title>{escape(row.person)}, {label}:'
                f" {value:.3f}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
