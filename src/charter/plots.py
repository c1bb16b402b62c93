"""Pictures of counts: round-by-round tallies for sequential methods, the pairwise matrix otherwise.

Drawn with matplotlib's non-interactive backend; PNG or SVG by the file's suffix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from charter.domain.tally import TallyResult

__all__ = ["plot_count"]


def _round_tallies(rounds: Sequence[Mapping[str, Any]]) -> list[Mapping[str, float]]:
    return [round_["tallies"] for round_ in rounds if isinstance(round_.get("tallies"), Mapping)]


def plot_count(
    result: TallyResult, candidates: Sequence[str], path: str | Path, title: str = ""
) -> None:
    """Draw the count of `result` into `path` (.png or .svg)."""
    target = Path(path)
    if target.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"plots are PNG or SVG, not '{target.suffix}'")
    figure, axes = plt.subplots(figsize=(9, 5.5), layout="constrained")
    tallies = _round_tallies(result.rounds)
    if tallies:
        rounds = range(1, len(tallies) + 1)
        for name in candidates:
            series = [float(tally[name]) if name in tally else float("nan") for tally in tallies]
            style = "-o" if name in result.winners else "--o"
            axes.plot(
                rounds, series, style, label=name + (" (elected)" if name in result.winners else "")
            )
        quotas = [round_.get("quota") for round_ in result.rounds if "tallies" in round_]
        if quotas and all(isinstance(q, int | float) for q in quotas):
            axes.plot(
                rounds,
                [float(q) for q in quotas if q is not None],
                ":",
                color="black",
                label="quota",
            )
        axes.set_xlabel("round")
        axes.set_ylabel("votes")
        axes.set_xticks(list(rounds))
        axes.legend(fontsize="small", loc="best")
    elif isinstance(result.evidence.get("pairwise"), Mapping):
        pairwise = result.evidence["pairwise"]
        names = list(pairwise)
        matrix = [[float(pairwise[a].get(b, 0.0)) for b in names] for a in names]
        image = axes.imshow(matrix, cmap="Blues")
        peak = max((value for row in matrix for value in row), default=0.0) or 1.0
        for row, values in enumerate(matrix):
            for column, value in enumerate(values):
                if row != column:
                    colour = "white" if value > peak * 0.6 else "black"
                    axes.text(
                        column,
                        row,
                        f"{value:g}",
                        ha="center",
                        va="center",
                        color=colour,
                        fontsize=8,
                    )
        axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
        axes.set_yticks(range(len(names)), names)
        axes.set_xlabel("… over this candidate")
        axes.set_ylabel("voters preferring this candidate …")
        figure.colorbar(image, ax=axes)
    else:
        scores = next((v for v in result.evidence.values() if isinstance(v, Mapping)), {})
        names = [name for name in candidates if name in scores]
        axes.bar(names, [float(scores[name]) for name in names])
        axes.set_ylabel("score")
        axes.tick_params(axis="x", rotation=45)
    winners = ", ".join(result.winners) or "none"
    axes.set_title(f"{title + ' — ' if title else ''}{result.method}: {winners}")
    figure.savefig(target)
    plt.close(figure)
