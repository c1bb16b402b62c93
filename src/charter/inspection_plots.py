"""Pictures of the Inspection: the power map with its circles of selection, and formal against
effective power. Drawn with networkx and matplotlib's non-interactive backend; PNG or SVG by suffix."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx

from charter.domain.constitution import Constitution
from charter.domain.inspection.gaps import power_gaps
from charter.domain.inspection.report import Inspection

__all__ = ["plot_power", "plot_power_map"]

_COLOURS = {
    "appoints": "#1f4e79",
    "elects": "#2e7d32",
    "nominates": "#6a1b9a",
    "removes": "#8d6e63",
    "admits": "#00838f",
    "sets-agenda": "#9e9e9e",
    "inspects": "#f9a825",
    "sits-in": "#bdbdbd",
}


def _target(path: str | Path) -> Path:
    target = Path(path)
    if target.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"pictures are PNG or SVG, not '{target.suffix}'")
    return target


def plot_power_map(inspection: Inspection, constitution: Constitution, path: str | Path) -> None:
    """The posts and who appoints, elects, nominates, removes, admits, inspects whom; circles in red."""
    target = _target(path)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for relation in inspection.relations:
        graph.add_edge(relation.source, relation.target, kind=relation.kind)
    circular = {
        (relation.source, relation.target) for flow in inspection.flows for relation in flow.path
    }
    size = max(8.0, min(24.0, 1.2 * graph.number_of_nodes()))
    figure, axes = plt.subplots(figsize=(size, size * 0.75), layout="constrained")
    positions = (
        nx.kamada_kawai_layout(nx.DiGraph(graph))
        if graph.number_of_nodes() > 1
        else dict.fromkeys(graph, (0, 0))
    )
    offices = [n for n in graph if n in constitution.offices]
    others = [n for n in graph if n not in constitution.offices]
    nx.draw_networkx_nodes(
        graph,
        positions,
        nodelist=offices,
        node_shape="s",
        node_color="#fff3e0",
        edgecolors="#e65100",
        node_size=2200,
        ax=axes,
    )
    nx.draw_networkx_nodes(
        graph,
        positions,
        nodelist=others,
        node_shape="o",
        node_color="#e3f2fd",
        edgecolors="#1565c0",
        node_size=2200,
        ax=axes,
    )
    nx.draw_networkx_labels(
        graph,
        positions,
        labels={n: constitution.label(n).replace(" ", "\n", 2) for n in graph},
        font_size=7,
        ax=axes,
    )
    for kind, colour in _COLOURS.items():
        edges = [(a, b) for a, b, data in graph.edges(data=True) if data["kind"] == kind]
        plain = [edge for edge in edges if edge not in circular]
        hot = [edge for edge in edges if edge in circular]
        if plain:
            nx.draw_networkx_edges(
                graph,
                positions,
                edgelist=plain,
                edge_color=colour,
                arrows=True,
                arrowsize=12,
                width=1.0,
                node_size=2200,
                connectionstyle="arc3,rad=0.08",
                ax=axes,
                label=kind,
            )
        if hot:
            nx.draw_networkx_edges(
                graph,
                positions,
                edgelist=hot,
                edge_color="#d50000",
                arrows=True,
                arrowsize=16,
                width=3.0,
                node_size=2200,
                connectionstyle="arc3,rad=0.08",
                ax=axes,
            )
    axes.plot([], [], color="#d50000", linewidth=3, label="circle of selection")
    axes.legend(loc="lower left", fontsize="small")
    axes.set_title(f"Power map: {constitution.name}")
    axes.set_axis_off()
    figure.savefig(target)
    plt.close(figure)


def plot_power(inspection: Inspection, path: str | Path, top: int = 12) -> None:
    """Formal against effective power, person by person, in the body where they differ most."""
    target = _target(path)
    rows = power_gaps(inspection, top)
    figure, axes = plt.subplots(figsize=(10, 0.5 * max(len(rows), 4) + 1.5), layout="constrained")
    labels = [f"{row.person} ({row.body})" for row in rows]
    positions = range(len(rows))
    axes.barh(
        [p - 0.27 for p in positions],
        [row.formal for row in rows],
        height=0.25,
        label="formal (own seat)",
        color="#90a4ae",
    )
    axes.barh(
        list(positions),
        [row.now for row in rows],
        height=0.25,
        label="effective now (with seats owed)",
        color="#42a5f5",
    )
    axes.barh(
        [p + 0.27 for p in positions],
        [row.next for row in rows],
        height=0.25,
        label="effective at the next filling",
        color="#d50000",
    )
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.set_xlabel("normalised Banzhaf index")
    axes.set_xlim(0, 1.05)
    axes.legend(loc="lower right", fontsize="small")
    axes.set_title("Formal against effective power")
    figure.savefig(target)
    plt.close(figure)
