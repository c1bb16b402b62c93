"""The power map between posts: who appoints, elects, nominates, removes, admits, sets the agenda
for and inspects whom, each relation citing the clause that creates it.

Posts are offices, bodies and `members`. The map is read from the grants (the
same list the authority check reads) and from how bodies are composed (ex
officio seats, joint sittings), so it says what the constitution allows, not
only what has happened; who holds what, and who chose them, is added on top
by `control`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from charter.domain.constitution import Constitution, Grant, grants_of
from charter.domain.constitution.model import ExOfficio, Joint

__all__ = ["SELECTING", "CircularFlow", "Relation", "circular_flows", "post_graph", "relations"]

RelationKind = Literal[
    "appoints", "elects", "nominates", "removes", "admits", "sets-agenda", "inspects", "sits-in"
]

SELECTING: frozenset[str] = frozenset(
    {"appoints", "elects", "nominates", "removes", "admits", "sits-in"}
)
"""Relations through which one post's holders shape who holds another (agenda and inspection do not)."""

_POWER_KIND: dict[str, RelationKind] = {
    "appoint": "appoints",
    "elect": "elects",
    "nominate": "nominates",
    "dismiss": "removes",
    "admit": "admits",
    "set-agenda": "sets-agenda",
    "inspect": "inspects",
}


@dataclass(frozen=True, slots=True)
class Relation:
    """`source`'s holders `kind` `target` (a post), under `clause`."""

    source: str
    kind: RelationKind
    target: str
    clause: str
    cosign: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "source": self.source,
            "kind": self.kind,
            "target": self.target,
            "clause": self.clause,
        }
        if self.cosign:
            data["cosign"] = list(self.cosign)
        return data


def _targets(constitution: Constitution, grant: Grant, kind: RelationKind) -> list[str]:
    """The posts a grant reaches: its scope, or everything of the kinds the power can reach."""
    offices, bodies = list(constitution.offices), list(constitution.bodies)
    if kind == "admits":
        return ["members"]
    scope = grant.scope
    if scope is None:
        if kind in ("appoints", "elects", "nominates"):
            return offices + bodies
        if kind == "removes":
            return offices
        if kind == "sets-agenda":
            return [*bodies, "members"]
        return offices + bodies
    found: list[str] = []
    found += offices if scope.offices == "all" else list(scope.offices)
    found += bodies if scope.bodies == "all" else list(scope.bodies)
    if kind == "sets-agenda" and scope.members:
        found.append("members")
    return [name for name in found if name not in grant.reserved]


def relations(constitution: Constitution) -> tuple[Relation, ...]:
    """Every relation between posts the constitution creates, in document order."""
    found: list[Relation] = []
    for grant in grants_of(constitution):
        kind = _POWER_KIND.get(grant.power)
        if kind is None:
            continue
        for target in _targets(constitution, grant, kind):
            found.append(Relation(grant.holder, kind, target, grant.clause, grant.cosign))
        if grant.nominated_by is not None:
            for target in _targets(constitution, grant, "elects"):
                found.append(
                    Relation(
                        grant.nominated_by, "nominates", target, f"{grant.clause}.nominated_by"
                    )
                )
    for name, body in constitution.bodies.items():
        filling = body.filled_by
        if isinstance(filling, ExOfficio):
            for office in filling.offices:
                found.append(Relation(office, "sits-in", name, f"bodies.{name}.filled_by"))
        elif isinstance(filling, Joint):
            for part in filling.bodies:
                found.append(Relation(part, "sits-in", name, f"bodies.{name}.filled_by"))
    return tuple(dict.fromkeys(found))


def post_graph(
    constitution: Constitution, kinds: Iterable[str] = SELECTING
) -> nx.MultiDiGraph[str]:
    """The posts and the relations of `kinds` between them, as a directed multigraph."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    graph.add_nodes_from(constitution.offices, kind="office")
    graph.add_nodes_from(constitution.bodies, kind="body")
    graph.add_node("members", kind="members")
    wanted = set(kinds)
    for relation in relations(constitution):
        if relation.kind in wanted:
            graph.add_edge(
                relation.source, relation.target, kind=relation.kind, clause=relation.clause
            )
    return graph


@dataclass(frozen=True, slots=True)
class CircularFlow:
    """A post whose holders, through a chain of selections, choose those who choose or remove them."""

    post: str
    path: tuple[Relation, ...]

    @property
    def posts(self) -> tuple[str, ...]:
        return tuple(relation.source for relation in self.path)

    def describe(self, constitution: Constitution) -> str:
        steps = [constitution.label(self.path[0].source)]
        for relation in self.path:
            steps.append(f"{relation.kind} {constitution.label(relation.target)}")
        return " → ".join(steps)


CHAINING: frozenset[str] = frozenset({"appoints", "elects", "nominates", "admits", "sits-in"})
"""Relations a chain of selection runs through; removal closes a circle but does not select."""


def circular_flows(constitution: Constitution) -> tuple[CircularFlow, ...]:
    """For each post that selects, through a chain, those who choose it or could remove it: the
    shortest such circle.

    The chain runs through appointments, elections, nominations, admissions and
    ex officio seats; the circle closes with any of those or with a removal. A
    circle of bodies with no office (the members elect a board that admits
    members) is reported once, at its first post in document order.
    """
    chained: nx.DiGraph[str] = nx.DiGraph()
    chained.add_nodes_from([*constitution.offices, *constitution.bodies, "members"])
    first: dict[tuple[str, str], Relation] = {}
    closing: dict[str, list[Relation]] = {}
    for relation in relations(constitution):
        if relation.kind in CHAINING:
            first.setdefault((relation.source, relation.target), relation)
            chained.add_edge(relation.source, relation.target)
        if relation.kind in CHAINING | {"removes"} and relation.kind != "sits-in":
            closing.setdefault(relation.target, []).append(relation)
    order = [*constitution.offices, *constitution.bodies, "members"]
    flows: list[CircularFlow] = []
    seen: set[frozenset[str]] = set()
    for post in order:
        best: tuple[Relation, ...] | None = None
        for closer in closing.get(post, ()):
            if closer.source == post:
                path: list[str] | None = [post]
            else:
                try:
                    path = nx.shortest_path(chained, post, closer.source)
                except nx.NetworkXNoPath:
                    path = None
            if path is None:
                continue
            links = tuple(first[(a, b)] for a, b in itertools.pairwise(path))
            candidate = (*links, closer)
            if best is None or len(candidate) < len(best):
                best = candidate
        if best is None:
            continue
        posts = frozenset(relation.source for relation in best)
        if post not in constitution.offices and posts in seen:
            continue
        seen.add(posts)
        flows.append(CircularFlow(post, best))
    return tuple(flows)
