"""Pictures of results, drawn as SVG on the server: round by round, by totals, or yes against no.

The CLI draws counts with matplotlib (`charter.plots`); the pages draw their own
small SVG instead, with presentation attributes only (no style element, no
script), so the strict Content Security Policy needs no exception and the
charts cost no plotting library at request time. Every chart comes with the
numbers it draws as a table, for screen readers and for checking.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

__all__ = ["Chart", "result_chart"]

PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999999")
"""Okabe and Ito's colours, told apart by most colour-blind readers; lines also differ by dash."""

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 16, 44


@dataclass(frozen=True, slots=True)
class Chart:
    """An SVG picture of a result, what it shows, and the numbers behind it."""

    kind: str
    caption: str
    svg: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _scale_top(top: float) -> tuple[float, list[float]]:
    """A round upper bound for the axis, and its tick values."""
    if top <= 0:
        return 1.0, [0.0, 1.0]
    step = 10 ** math.floor(math.log10(top))
    for factor in (1, 2, 5, 10):
        if top / (step * factor) <= 5:
            step *= factor
            break
    upper = math.ceil(top / step) * step
    return upper, [i * step for i in range(round(upper / step) + 1)]


def _frame(
    ident: str, title: str, description: str, body: list[str], height: float = HEIGHT
) -> str:
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}"'
            f' class="chart" role="img" aria-labelledby="chart-{ident}-t chart-{ident}-d"'
            ' font-family="system-ui, sans-serif">',
            f'<title id="chart-{ident}-t">{escape(title)}</title>',
            f'<desc id="chart-{ident}-d">{escape(description)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _axis(upper: float, ticks: Sequence[float], label: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for tick in ticks:
        y = TOP + plot_h - tick / upper * plot_h
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"'
            ' stroke="#dddddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11"'
            f' fill="#333333">{_number(tick)}</text>'
        )
    parts.append(
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" font-size="12" fill="#333333"'
        f' text-anchor="middle" transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">'
        f"{escape(label)}</text>"
    )
    return parts


def _rounds_chart(
    ident: str, tally: Mapping[str, Any], options: Sequence[str], winners: set[str]
) -> Chart:
    rounds = [r for r in tally.get("rounds", ()) if isinstance(r.get("tallies"), Mapping)]
    names = [o for o in options if any(o in r["tallies"] for r in rounds)]
    names += sorted({n for r in rounds for n in r["tallies"]} - set(names))
    quotas = [r.get("quota") for r in rounds]
    has_quota = all(isinstance(q, int | float) for q in quotas)
    top = max(
        [float(v) for r in rounds for v in r["tallies"].values()]
        + ([float(q) for q in quotas if isinstance(q, int | float)] if has_quota else [])
        + [0.0]
    )
    upper, ticks = _scale_top(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(rounds)

    def x(index: int) -> float:
        return LEFT + (plot_w / 2 if count == 1 else index * plot_w / (count - 1))

    def y(value: float) -> float:
        return TOP + plot_h - value / upper * plot_h

    body = _axis(upper, ticks, "votes")
    for index in range(count):
        body.append(
            f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle"'
            f' font-size="11" fill="#333333">{index + 1}</text>'
        )
    body.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="12"'
        ' fill="#333333">round</text>'
    )
    if has_quota and count:
        levels = [float(q) for q in quotas if isinstance(q, int | float)]
        line = " ".join(f"{x(i):.1f},{y(q):.1f}" for i, q in enumerate(levels))
        body.append(
            f'<polyline points="{line}" fill="none" stroke="#000000" stroke-width="1"'
            ' stroke-dasharray="2 3"/>'
            f'<text x="{x(count - 1) + 8:.1f}" y="{y(levels[-1]) + 4:.1f}" font-size="11"'
            ' fill="#000000">quota</text>'
        )
    labels: list[tuple[float, str, str]] = []
    for n, name in enumerate(names):
        colour = PALETTE[n % len(PALETTE)]
        won = name in winners
        points = [
            (i, float(r["tallies"][name])) for i, r in enumerate(rounds) if name in r["tallies"]
        ]
        dash = "" if won else f' stroke-dasharray="{4 + 2 * (n % 3)} 3"'
        body.append(
            f'<polyline points="{" ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)}"'
            f' fill="none" stroke="{colour}" stroke-width="{3 if won else 2}"{dash}>'
            f"<title>{escape(name)}</title></polyline>"
        )
        for i, v in points:
            body.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{4 if won else 3}" fill="{colour}">'
                f"<title>{escape(name)}, round {i + 1}: {_number(v)}</title></circle>"
            )
        last_i, last_v = points[-1]
        fate = (
            " (elected)"
            if won
            else f" (out after round {last_i + 1})"
            if last_i < count - 1
            else ""
        )
        labels.append((y(last_v), f"{name}{fate}", colour))
    placed = -1e9
    for label_y, text, colour in sorted(labels):
        label_y = max(label_y + 4, placed + 13)
        placed = label_y
        body.append(
            f'<text x="{WIDTH - RIGHT + 8}" y="{label_y:.1f}" font-size="11" fill="{colour}">'
            f"{escape(text)}</text>"
        )
    elected = ", ".join(sorted(winners)) or "nobody"
    svg = _frame(
        ident,
        "Votes round by round",
        f"{count} rounds of the {tally.get('method', '')} count; elected: {elected}.",
        body,
    )
    header = ("option", *(f"round {i + 1}" for i in range(count)))
    rows = tuple(
        (
            name,
            *(_number(float(r["tallies"][name])) if name in r["tallies"] else "—" for r in rounds),
        )
        for name in names
    )
    return Chart("rounds", f"Round by round ({tally.get('method', '')})", svg, header, rows)


def _bars(
    ident: str, title: str, caption: str, values: Sequence[tuple[str, float, bool]], unit: str
) -> Chart:
    """Horizontal bars, one per (name, value, highlighted)."""
    top = max([v for _, v, _ in values] + [0.0])
    upper, ticks = _scale_top(top)
    row_h = 34.0
    height = TOP + row_h * max(len(values), 1) + BOTTOM
    plot_w = WIDTH - LEFT - RIGHT - 40
    left = LEFT + 60
    outline = ' stroke="#1b1b1b" stroke-width="2"'
    body = []
    for tick in ticks:
        x = left + tick / upper * plot_w
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{height - BOTTOM:.0f}" stroke="#dddddd"/>'
            f'<text x="{x:.1f}" y="{height - BOTTOM + 16:.0f}" text-anchor="middle" font-size="11"'
            f' fill="#333333">{_number(tick)}</text>'
        )
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8:.0f}" text-anchor="middle" font-size="12"'
        f' fill="#333333">{escape(unit)}</text>'
    )
    for n, (name, value, lit) in enumerate(values):
        y = TOP + n * row_h + row_h * 0.15
        colour = PALETTE[n % len(PALETTE)]
        body.append(
            f'<text x="{left - 6}" y="{y + row_h * 0.45:.1f}" text-anchor="end" font-size="12"'
            f' fill="#1b1b1b">{escape(name)}</text>'
            f'<rect x="{left}" y="{y:.1f}" width="{value / upper * plot_w:.1f}"'
            f' height="{row_h * 0.7:.1f}" fill="{colour}"{outline if lit else ""}>'
            f"<title>{escape(name)}: {_number(value)}</title></rect>"
            f'<text x="{left + value / upper * plot_w + 6:.1f}" y="{y + row_h * 0.45:.1f}"'
            f' font-size="11" fill="#1b1b1b">{_number(value)}{" ✓" if lit else ""}</text>'
        )
    described = "; ".join(f"{name} {_number(value)}" for name, value, _ in values)
    svg = _frame(ident, title, described, body, height)
    rows = tuple((name, _number(value)) for name, value, _ in values)
    return Chart("bars", caption, svg, ("option", unit), rows)


def result_chart(result: Mapping[str, Any], ident: str = "result") -> Chart | None:
    """The picture of a motion's result, if there is one to draw (`ident` names its SVG ids)."""
    ident = "".join(c if c.isalnum() or c in "-_" else "-" for c in ident)
    if "yes" in result:
        values = [
            ("yes", float(result.get("yes") or 0), bool(result.get("carried"))),
            ("no", float(result.get("no") or 0), not result.get("carried")),
            ("abstain", float(result.get("abstain") or 0), False),
        ]
        if not any(v for _, v, _ in values):
            return None  # a recorded verdict without counts
        return _bars(
            ident, "Yes and no", f"Votes ({result.get('threshold', '')} needed)", values, "votes"
        )
    tally = result.get("tally")
    if not isinstance(tally, Mapping):
        return None
    options = [str(o) for o in result.get("options", ())]
    winners = {str(w) for w in result.get("winners", ())}
    if any(isinstance(r.get("tallies"), Mapping) for r in tally.get("rounds", ())):
        return _rounds_chart(ident, tally, options, winners)
    evidence = tally.get("evidence")
    if isinstance(evidence, Mapping):
        for key, value in evidence.items():
            if (
                isinstance(value, Mapping)
                and value
                and all(isinstance(v, int | float) for v in value.values())
            ):
                totals = [(str(name), float(v), str(name) in winners) for name, v in value.items()]
                totals.sort(key=lambda item: -item[1])
                label = str(key).replace("_", " ")
                return _bars(ident, f"{label} by option", f"Totals: {label}", totals, label)
        pairwise = evidence.get("pairwise")
        if isinstance(pairwise, Mapping):
            wins = [
                (
                    str(a),
                    float(sum(1 for b, n in row.items() if n > pairwise.get(b, {}).get(a, 0))),
                    str(a) in winners,
                )
                for a, row in pairwise.items()
                if isinstance(row, Mapping)
            ]
            wins.sort(key=lambda item: -item[1])
            return _bars(
                ident,
                "Head-to-head contests won",
                "Pairwise: contests each option wins against each other option",
                wins,
                "contests won",
            )
    return None
