"""The authority check: may this person (or this body) exercise this power over this target now?

It reads only the constitution's grants and the polity's state. A grant is
usable when its holder is an office the actor holds now, the members (and the
actor is one), or, for a body's decisions, that body. Then its limits apply in
order: scope and reserved matters, quota per period, co-signatures, and any
check the act adds (a nomination, say). The first grant that passes is cited;
otherwise the reason from the grant that came closest is given.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from charter.domain.constitution import Grant
from charter.domain.constitution.grants import grants_for
from charter.domain.constitution.model import Body, ExOfficio, Joint, Office
from charter.domain.seats import active_holder_set, active_offices
from charter.domain.state import PolityState, Tenure

__all__ = [
    "Decision",
    "Target",
    "authorize",
    "bodies_of",
    "incompatibility",
    "offices_of",
    "reaches",
    "seat_count",
    "seat_holders",
]

TargetKind = Literal["office", "body", "member", "matter", "polity"]


@dataclass(frozen=True, slots=True)
class Target:
    """What an act reaches: an office, a body, a member, a matter, or a member polity's officers."""

    kind: TargetKind
    name: str

    def describe(self) -> str:
        return f"'{self.name}'"


@dataclass(frozen=True, slots=True)
class Decision:
    """The authority check's answer: the grant relied on, or why there is none."""

    grant: Grant | None
    reason: str = ""

    @property
    def granted(self) -> bool:
        return self.grant is not None


# --- who holds what -------------------------------------------------------------------------


def seat_holders(
    state: PolityState, body: str, at: datetime, _seen: frozenset[str] = frozenset()
) -> frozenset[str]:
    """Everyone with a seat in `body` at `at`: elected or appointed, ex officio, or by a joint sitting."""
    if body == "members":
        return state.members
    definition = state.constitution.bodies.get(body)
    filling = definition.filled_by if definition is not None else None
    if definition is None or body in _seen or not isinstance(filling, ExOfficio | Joint):
        # Only its own seats: the set is remembered with the tenures (charter.domain.seats).
        moment = at if at is not None else state.time
        if moment is not None:
            return active_holder_set(state.tenures, body, moment)
        return frozenset(state.holders(body, at))
    people = set(state.holders(body, at))
    if isinstance(filling, ExOfficio):
        for office in filling.offices:
            people.update(state.holders(office, at))
    elif isinstance(filling, Joint):
        for part in filling.bodies:
            people.update(seat_holders(state, part, at, _seen | {body}))
    return frozenset(people)


def seat_count(state: PolityState, body: str, at: datetime) -> int:
    """Seats of `body` for quorum and absolute majorities: as declared, else as filled."""
    definition = state.constitution.bodies.get(body)
    if definition is not None and definition.seats is not None:
        return definition.seats
    if definition is not None and isinstance(definition.filled_by, Joint):
        return sum(seat_count(state, part, at) for part in definition.filled_by.bodies)
    return len(seat_holders(state, body, at))


def vote_weight(state: PolityState, body: str, person: str, at: datetime) -> int:
    """Votes `person` carries in `body`: their seats' mandates in a weighted body, else one."""
    definition = state.constitution.bodies.get(body)
    if definition is None or not definition.weighted:
        return 1
    own = sum(t.votes for t in state.posts_of(person, at) if t.post == body)
    return own or 1  # an ex officio seat carries one vote


def vote_total(state: PolityState, body: str, at: datetime) -> int:
    """Votes that could be cast in `body`: its seats, or in a weighted body its members' mandates."""
    definition = state.constitution.bodies.get(body)
    if definition is None or not definition.weighted:
        return seat_count(state, body, at)
    return sum(vote_weight(state, body, person, at) for person in seat_holders(state, body, at))


def offices_of(state: PolityState, person: str, at: datetime) -> frozenset[str]:
    """Offices `person` holds at `at` (remembered with the tenures: charter.domain.seats)."""
    moment = at if at is not None else state.time
    if moment is not None:
        return active_offices(state.tenures, person, moment)
    return frozenset(t.post for t in state.posts_of(person, at) if t.kind == "office")


def bodies_of(state: PolityState, person: str, at: datetime) -> frozenset[str]:
    """Bodies `person` sits in, counting ex officio seats and joint sittings."""
    bodies = {name for name in state.constitution.bodies if person in seat_holders(state, name, at)}
    if person in state.members:
        bodies.add("members")
    return frozenset(bodies)


def _definition(state: PolityState, post: str) -> Office | Body | None:
    c = state.constitution
    return c.offices.get(post) or c.bodies.get(post)


def incompatibility(state: PolityState, person: str, post: str, at: datetime) -> str | None:
    """Why `person` may not take `post` alongside what they already hold, if they may not."""
    c = state.constitution
    held = offices_of(state, person, at) | (bodies_of(state, person, at) - {"members"})
    wanted = _definition(state, post)
    for other in sorted(held - {post}):
        other_definition = _definition(state, other)
        if wanted is not None and other in wanted.incompatible_with:
            clause = f"{'offices' if post in c.offices else 'bodies'}.{post}.incompatible_with"
        elif other_definition is not None and post in other_definition.incompatible_with:
            clause = f"{'offices' if other in c.offices else 'bodies'}.{other}.incompatible_with"
        else:
            continue
        return f"{person} cannot hold {c.label(post)} while holding {c.label(other)} ({clause})"
    return None


def reaches(state: PolityState, grant: Grant, target: Target | None, at: datetime) -> bool:
    """Whether the grant's scope covers the target, minus what it reserves."""
    if target is None:
        return True
    if target.kind != "member":
        return grant.reaches(target.kind, target.name)
    posts = offices_of(state, target.name, at) | bodies_of(state, target.name, at)
    if posts & set(grant.reserved):
        return False
    scope = grant.scope
    if scope is None or scope.members:
        return True
    offices, bodies = scope.offices, scope.bodies
    return (offices == "all" or bool(posts & set(offices))) or (
        bodies == "all" or bool(posts & set(bodies))
    )


# --- the check --------------------------------------------------------------------------------

Extra = Callable[[Grant], str | None]


def _held_grants(
    state: PolityState, grants: Iterable[Grant], actor: str, at: datetime, capacity: str | None
) -> list[Grant]:
    offices = offices_of(state, actor, at)
    usable = []
    for grant in grants:
        if capacity is not None and grant.holder != capacity:
            continue
        if (grant.holder_kind == "office" and grant.holder in offices) or (
            grant.personal and actor in state.members
        ):
            usable.append(grant)
    return usable


def _expired(state: PolityState, actor: str, holders: set[str], at: datetime) -> Tenure | None:
    for tenure in state.tenures:
        if (
            tenure.person == actor
            and tenure.post in holders
            and tenure.ended is None
            and not tenure.active(at)
        ):
            return tenure
    return None


def _limits(
    state: PolityState,
    grant: Grant,
    target: Target | None,
    at: datetime,
    actor: str,
    cosigners: tuple[str, ...],
    extra: Extra | None,
) -> tuple[int, str] | None:
    """None if the grant may be used; else how far it got and why it stopped."""
    if not reaches(state, grant, target, at):
        reserved = target is not None and target.name in grant.reserved
        why = "reserves" if reserved else "does not reach"
        name = target.describe() if target else "it"
        return 1, f"{grant.clause} grants '{grant.power}' but {why} {name}"
    if grant.quota is not None:
        start = grant.quota.per.before(at)
        uses = state.exercises.get(grant.clause, ())
        used = len(uses) - bisect.bisect_right(uses, start, key=lambda use: use.time)
        if used >= grant.quota.max:
            return 2, (
                f"quota exhausted: {grant.clause}.quota allows {grant.quota.max} uses of '{grant.power}'"
                f" per {grant.quota.per.describe()}; {used} used since {start.date().isoformat()}"
            )
    for required in grant.cosign:
        signed = [
            person
            for person in cosigners
            if person != actor
            and (
                required in offices_of(state, person, at)
                or required in bodies_of(state, person, at)
            )
        ]
        if not signed:
            return (
                3,
                f"'{grant.power}' under {grant.clause} needs the co-signature of"
                f" {state.constitution.label(required)} ({grant.clause}.cosign)",
            )
    if extra is not None and (problem := extra(grant)) is not None:
        return 4, problem
    return None


def authorize(
    state: PolityState,
    *,
    actor: str,
    power: str,
    target: Target | None,
    at: datetime,
    body: str | None = None,
    capacity: str | None = None,
    cosigners: tuple[str, ...] = (),
    extra: Extra | None = None,
) -> Decision:
    """Find the clause that lets `actor` (or, with `body`, that body's decision) use `power`."""
    c = state.constitution
    candidates = list(grants_for(c, power))
    if not candidates:
        return Decision(None, f"no clause of the constitution grants '{power}'")
    if body is not None:
        usable = [grant for grant in candidates if grant.holder == body and not grant.personal]
        if not usable:
            over = f" over {target.describe()}" if target is not None else ""
            return Decision(None, f"{_holds(c.label(body))} no power '{power}'{over}")
    else:
        usable = _held_grants(state, candidates, actor, at, capacity)
        if not usable:
            return Decision(
                None, _no_power_reason(state, candidates, actor, power, target, at, capacity)
            )
    best: tuple[int, str] | None = None
    for grant in usable:
        failure = _limits(state, grant, target, at, actor, cosigners, extra)
        if failure is None:
            return Decision(grant)
        if best is None or failure[0] > best[0]:
            best = failure
    assert best is not None
    over = f" over {target.describe()}" if target is not None else ""
    if best[0] == 1 and body is None:
        return Decision(None, f"{actor} holds no office with power '{power}'{over} ({best[1]})")
    if best[0] == 1:
        return Decision(None, f"{_holds(c.label(body or ''))} no power '{power}'{over} ({best[1]})")
    return Decision(None, best[1])


def _holds(subject: str) -> str:
    """'The board holds', but 'the members hold'."""
    return f"{subject} hold" if subject == "the members" else f"{subject} holds"


def _no_power_reason(
    state: PolityState,
    candidates: list[Grant],
    actor: str,
    power: str,
    target: Target | None,
    at: datetime,
    capacity: str | None,
) -> str:
    c = state.constitution
    over = f" over {target.describe()}" if target is not None else ""
    offices = {grant.holder for grant in candidates if grant.holder_kind == "office"}
    expired = _expired(state, actor, offices, at)
    if expired is not None and expired.until is not None:
        return (
            f"{actor}'s term as {c.label(expired.post)} ended on {expired.until.date().isoformat()}"
            f" (offices.{expired.post}.term)"
        )
    if capacity is not None and capacity not in offices_of(state, actor, at):
        return f"{actor} does not hold {c.label(capacity)}"
    by_bodies = [
        grant
        for grant in candidates
        if grant.holder_kind != "office"
        and not grant.personal
        and reaches(state, grant, target, at)
    ]
    if by_bodies:
        grant = by_bodies[0]
        if grant.holder == "members":
            owner = "the members together, exercised by a carried motion of their general meeting"
        else:
            owner = f"{c.label(grant.holder)}, exercised by its carried motion"
        return f"{actor} holds no office with power '{power}'{over}; it belongs to {owner} ({grant.clause})"
    return f"{actor} holds no office with power '{power}'{over}"
