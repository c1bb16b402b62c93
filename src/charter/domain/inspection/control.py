"""Who controls whom: the seats each person decides, by the rules and by the record.

Two measures, kept apart because they answer different questions:

- *Next filling* (structural): the posts whose next holders a person decides,
  by the constitution's rules, from the offices they hold: an office they
  appoint to; a post whose candidates must be nominated by holders of a post
  they fill (a gatekeeper); a post elected by a body they fill. It is the least
  fixed point from the person's own offices, so a cycle of bodies that nobody
  grounds is nobody's.
- *Now* (from the ledger): the current holders who owe their seat to a person:
  chosen by them, or by someone they control, or by a body where the seats
  they control hold a majority of the votes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from charter.domain.authority import seat_holders
from charter.domain.constitution import Constitution
from charter.domain.inspection.graph import Relation, relations
from charter.domain.state import PolityState, Tenure

__all__ = ["Control", "control_of", "next_filling"]


@dataclass(frozen=True, slots=True)
class Control:
    """What one person controls: posts by the rules, and seats (with their holders) now."""

    person: str
    posts_next: tuple[str, ...] = ()
    """Posts whose next filling the person decides, by the rules."""
    chains: dict[str, tuple[Relation, ...]] = field(default_factory=dict)
    """For each post in `posts_next`: the chain of relations from one of the person's offices."""
    seats_now: tuple[Tenure, ...] = ()
    """Current tenures whose holders owe their seat to the person (directly or through others)."""

    @property
    def people_now(self) -> frozenset[str]:
        return frozenset(t.person for t in self.seats_now)


def next_filling(
    constitution: Constitution, offices: frozenset[str]
) -> dict[str, tuple[Relation, ...]]:
    """Posts whose next holders are decided from `offices` (a person's), each with its chain."""
    filled_by: dict[str, list[Relation]] = defaultdict(list)
    for relation in relations(constitution):
        if relation.kind in ("appoints", "elects", "nominates"):
            filled_by[relation.target].append(relation)
    controlled: dict[str, tuple[Relation, ...]] = dict.fromkeys(offices, ())
    changed = True
    while changed:
        changed = False
        for post, ways in filled_by.items():
            if post in controlled or post == "members":
                continue
            for relation in ways:
                chain = controlled.get(relation.source)
                if chain is None:
                    continue
                # one appointing office, a gate on every candidate, or the electing body: each decides
                controlled[post] = (*chain, relation)
                changed = True
                break
    found = {post: chain for post, chain in controlled.items() if chain}
    for office in offices:  # a person's own office, chosen through their own chain: a circle
        for relation in filled_by.get(office, ()):
            chain = found.get(relation.source)
            if chain is not None and relation.source != office:
                found[office] = (*chain, relation)
                break
    return found


def _chooser_people(state: PolityState) -> dict[str, list[Tenure]]:
    """Current tenures by who chose them (a person, a body, `members` or `founding`)."""
    chosen: dict[str, list[Tenure]] = defaultdict(list)
    for tenure in state.active_tenures():
        chosen[tenure.chosen_by].append(tenure)
    return chosen


def _votes(state: PolityState, at: datetime | None) -> dict[tuple[str, str], int]:
    """Votes each person carries in each weighted body (one elsewhere), from one pass over tenures."""
    carried: dict[tuple[str, str], int] = defaultdict(int)
    for tenure in state.active_tenures(at):
        body = state.constitution.bodies.get(tenure.post)
        if body is not None and body.weighted:
            carried[(tenure.post, tenure.person)] += tenure.votes
    return carried


def control_of(state: PolityState, at: datetime | None = None) -> dict[str, Control]:
    """Every person's control, by the rules (next filling) and by the record (now).

    Linear in the seats for a hierarchy of appointments: each person's owed
    seats are found by one walk down the choices made by them and by those they
    placed; a body joins a person's control where the seats they control hold
    a majority of its votes, found by counting, for each seat holder, every
    person they owe their seat to.
    """
    moment = at if at is not None else state.time
    constitution = state.constitution
    chosen = _chooser_people(state)
    tenures = state.active_tenures(moment)
    index = {id(t): i for i, t in enumerate(tenures)}
    people = sorted({t.person for t in tenures})
    offices_of: dict[str, set[str]] = defaultdict(set)
    for tenure in tenures:
        if tenure.kind == "office":
            offices_of[tenure.person].add(tenure.post)
    carried = _votes(state, moment)
    holders = {
        body: seat_holders(state, body, moment) if moment is not None else frozenset()
        for body in [*constitution.bodies, "members"]
    }

    def weight(body: str, person: str) -> int:
        definition = constitution.bodies.get(body)
        if definition is None or not definition.weighted:
            return 1
        return carried.get((body, person), 0) or 1

    body_control: dict[str, str] = {}
    owed: dict[str, set[int]] = {}
    for _ in range(len(constitution.bodies) + 2):
        choices: dict[str, list[Tenure]] = {name: list(seats) for name, seats in chosen.items()}
        for body, controller in body_control.items():
            choices.setdefault(controller, []).extend(chosen.get(body, ()))
        owed = {}
        for person in people:
            seen: set[int] = set()
            stack = [person]
            visited = {person}
            while stack:
                for tenure in choices.get(stack.pop(), ()):
                    key = index.get(id(tenure))
                    if key is None or key in seen:
                        continue
                    seen.add(key)
                    if tenure.person not in visited:
                        visited.add(tenure.person)
                        stack.append(tenure.person)
            owed[person] = seen
        owers: dict[str, set[str]] = defaultdict(set)  # holder -> everyone they owe a seat to
        for person, seats in owed.items():
            for key in seats:
                owers[tenures[key].person].add(person)
        new_control: dict[str, str] = {}
        for body, seated in holders.items():
            weighted = body in constitution.bodies and constitution.bodies[body].weighted
            if weighted:
                blocs = Counter({holder: weight(body, holder) for holder in seated})
            else:
                blocs = Counter(dict.fromkeys(seated, 1))
            total = sum(blocs.values())
            if not total:
                continue
            for holder in seated & owers.keys():
                votes = weight(body, holder) if weighted else 1
                for controller in owers[holder]:
                    blocs[controller] += votes
            top = max(blocs.values())
            if top * 2 > total:
                new_control[body] = min(name for name, votes in blocs.items() if votes == top)
        if new_control == body_control:
            break
        body_control = new_control
    office_holders: dict[str, set[str]] = defaultdict(set)
    for tenure in tenures:
        if tenure.kind == "office":
            office_holders[tenure.post].add(tenure.person)
    filling: dict[frozenset[str], dict[str, tuple[Relation, ...]]] = {}
    result: dict[str, Control] = {}
    for person in people:
        sole = frozenset(
            office
            for office in offices_of[person]
            if constitution.offices[office].seats == 1 or office_holders[office] == {person}
        )
        if sole not in filling:
            filling[sole] = next_filling(constitution, sole)
        chains = filling[sole]
        owed_seats = tuple(
            tenures[i] for i in sorted(owed.get(person, ())) if tenures[i].person != person
        )
        result[person] = Control(person, tuple(chains), chains, owed_seats)
    return result
