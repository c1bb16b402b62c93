"""The Inspection at scale: the power map and transitive control of an organisation with
100,000 office seats and 1,000,000 members (issue 6, target: under 10 s).

`python bench/inspect_bench.py [--offices N] [--members N]`. Not a test: it
prints figures. The organisation: a director elected by a board of nine (itself
elected by the members), who appoints 1,000 managers, who each appoint 99
officers (100,000 office seats in all). The peer, measured in the same run on
the same seats, is networkx computing every person's descendants in the graph
of who chose whom (`nx.descendants`), the textbook way to get transitive
control; the ratio is its time over Charter's.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import UTC, datetime

import networkx as nx
from pyrsistent import pvector

from charter.domain.constitution import constitution_from_document
from charter.domain.document import parse_document
from charter.domain.inspection.control import control_of
from charter.domain.inspection.graph import circular_flows, relations
from charter.domain.state import PolityState, Tenure

CONSTITUTION = """
charter: 1
id: big-organisation
name: A large organisation
members:
  admission: {by: director}
procedures:
  ordinary: {seconding: false, quorum: 1/2, threshold: simple}
bodies:
  board:
    name: Board
    seats: 9
    filled_by: {method: election, by: members}
offices:
  director:
    name: Director
    filled_by: {method: election, by: board}
    powers:
      - {power: appoint, scope: {offices: [manager]}}
  manager:
    name: Manager
    seats: null
    filled_by: {method: appointment, by: director}
    powers:
      - {power: appoint, scope: {offices: [officer]}}
  officer:
    name: Officer
    seats: null
    filled_by: {method: appointment, by: manager}
"""


def organisation(offices: int, members: int) -> PolityState:
    constitution = constitution_from_document(parse_document(CONSTITUTION, "big.yaml"))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    managers = max(1, offices // 100)
    officers = offices - managers - 1
    tenures = [
        Tenure(f"b{n}", "board", "body", at, None, "bodies.board.filled_by", "members")
        for n in range(9)
    ]
    tenures.append(
        Tenure("director-0", "director", "office", at, None, "offices.director.filled_by", "board")
    )
    tenures += [
        Tenure(f"m{n}", "manager", "office", at, None, "offices.manager.filled_by", "director-0")
        for n in range(managers)
    ]
    tenures += [
        Tenure(
            f"o{n}", "officer", "office", at, None, "offices.officer.filled_by", f"m{n % managers}"
        )
        for n in range(officers)
    ]
    people = frozenset(f"p{n}" for n in range(members)) | {t.person for t in tenures}
    return PolityState(
        constitution=constitution,
        versions=(constitution,),
        time=at,
        members=people,
        tenures=pvector(tenures),
    )


def peer(state: PolityState) -> dict[str, int]:
    graph = nx.DiGraph()
    for tenure in state.tenures:
        graph.add_edge(tenure.chosen_by, tenure.person)
    return {
        person: len(nx.descendants(graph, person)) for person in {t.person for t in state.tenures}
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    options = parser.parse_args()
    print(f"machine: {platform.platform()}, Python {platform.python_version()}")
    started = time.perf_counter()
    state = organisation(options.offices, options.members)
    print(
        f"built {len(state.tenures):,} office seats and {len(state.members):,} members in {time.perf_counter() - started:.2f} s (not timed below)"
    )
    started = time.perf_counter()
    mapped = relations(state.constitution)
    flows = circular_flows(state.constitution)
    control = control_of(state)
    charter_seconds = time.perf_counter() - started
    started = time.perf_counter()
    reference = peer(state)
    peer_seconds = time.perf_counter() - started
    director = control["director-0"]
    assert len(director.seats_now) == reference["director-0"], "Charter and the peer disagree"
    assert all(len(control[p].seats_now) == reference[p] for p in ("m0", "o0"))
    print(f"relations: {len(mapped)}, circles of selection: {len(flows)}, people: {len(control):,}")
    print(
        f"director controls {len(director.seats_now):,} seats now; next filling: {', '.join(director.posts_next)}"
    )
    print()
    print("| figure | Charter | peer (same run) | ratio | target | met? |")
    print("|---|---|---|---|---|---|")
    ratio = peer_seconds / charter_seconds
    met = "yes" if charter_seconds < 10 else "NO"
    print(
        f"| power map + transitive control, {options.offices:,} office seats, {options.members:,} members"
        f" | {charter_seconds:.2f} s | networkx descendants {peer_seconds:.2f} s | {ratio:.1f}x | < 10 s | {met} |"
    )


if __name__ == "__main__":
    main()
