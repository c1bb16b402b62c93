"""Federations: member polities join, send and recall delegates, and leave.

A federation is a polity whose constitution has a `federation` clause. Its
member polities keep their own constitutions and ledgers; in the federation's
ledger a member polity acts in its own name (the act's actor is the polity's
id) when it sends or recalls its delegates or secedes, each time on a decision
taken by its own procedure in its own ledger, which the act cites.

Secession is a right, not a grant: no clause of the federation can block it,
and nothing but the member's own decision is checked. Its effects are defined
here: at the end of any notice period the member's delegates lose their seats,
and their ballots on votes not yet declared are withdrawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from fractions import Fraction
from typing import Any

from pyrsistent import pvector

from charter.domain.acts.args import Args
from charter.domain.acts.model import Act, Outcome
from charter.domain.constitution.model import Delegation, Federation
from charter.domain.constitution.types import describe_value
from charter.domain.state import MemberPolity, PolityState, Tenure
from charter.errors import ActError

__all__ = [
    "FEDERATION_ACTS",
    "delegate_seats",
    "federation_of",
    "read_consent",
    "withdrawn_voters",
]

Step = tuple[PolityState, Outcome]


def federation_of(state: PolityState, path: str = "act") -> Federation:
    """The federation clause, or ActError: only a federation has member polities."""
    federation = state.constitution.federation
    if federation is None:
        raise ActError(
            f"{state.constitution.name} is not a federation (its constitution has no federation clause)",
            path=path,
        )
    return federation


def read_consent(args: Args, name: str = "decision") -> dict[str, Any]:
    """A reference to a carried motion in the member's own ledger: {motion, entry?}."""
    raw = args.mapping(name)
    assert raw is not None
    inner = Args(raw, args.path(name))
    consent: dict[str, Any] = {"motion": inner.text("motion")}
    if "entry" in raw:
        consent["entry"] = inner.count("entry")
    inner.finish()
    return consent


def _member(state: PolityState, polity: str, at: datetime) -> MemberPolity | None:
    member = state.polities.get(polity)
    return member if member is not None and member.active(at) else None


def criteria_values(federation: Federation, raw: Mapping[str, Any], path: str) -> dict[str, float]:
    """A number for every criterion the federation counts, and none it does not; ActError at `path`."""
    values: dict[str, float] = {}
    for name in federation.criteria:
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ActError(
                f"expected a number for criterion '{name}', got {describe_value(value)}",
                path=f"{path}.{name}",
            )
        values[name] = value
    extra = sorted(set(raw) - set(federation.criteria))
    if extra:
        raise ActError(f"unknown criterion '{extra[0]}'", path=f"{path}.{extra[0]}")
    return values


def read_criteria(state: PolityState, federation: Federation, args: Args) -> dict[str, float]:
    """The `criteria` argument: a value for every criterion the federation counts."""
    raw = args.mapping("criteria", required=bool(federation.criteria))
    return criteria_values(federation, raw or {}, args.path("criteria"))


# --- delegates ------------------------------------------------------------------------------


def delegate_seats(state: PolityState, body: str, polity: str, at: datetime) -> int:
    """Seats `polity` fills in a delegation body: `per_member`, or its proportional share.

    Shares are by largest remainders over the members now in the federation,
    at least one seat each.
    """
    definition = state.constitution.bodies[body]
    filling = definition.filled_by
    assert isinstance(filling, Delegation)
    if filling.proportional_to is None or definition.seats is None:
        return filling.per_member
    members = sorted(state.member_polities(at), key=lambda m: m.id)
    weights = {m.id: Fraction(str(m.criteria.get(filling.proportional_to, 0))) for m in members}
    total = sum(weights.values())
    if total == 0:
        return 1
    exact = {name: definition.seats * weight / total for name, weight in weights.items()}
    seats = {name: int(share) for name, share in exact.items()}
    left = definition.seats - sum(seats.values())
    for name in sorted(exact, key=lambda n: (-(exact[n] - seats[n]), n))[: max(left, 0)]:
        seats[name] += 1
    return max(seats.get(polity, 0), 1)


def _delegation_body(state: PolityState, args: Args) -> str:
    body = args.body(state)
    definition = state.constitution.bodies.get(body)
    if definition is None or not isinstance(definition.filled_by, Delegation):
        raise ActError(
            f"{state.constitution.label(body)} is not filled by delegation", path=args.path("body")
        )
    return body


def _send_delegate(state: PolityState, act: Act) -> Step:
    federation_of(state)
    args = Args(act.args)
    body = _delegation_body(state, args)
    person = args.text("person")
    decision = read_consent(args) if "decision" in args.values else None
    definition = state.constitution.bodies[body]
    votes = 1
    if "votes" in args.values:
        if not definition.weighted:
            raise ActError(
                f"{definition.name} does not carry weighted votes", path=args.path("votes")
            )
        votes = args.count("votes")
        if votes < 1:
            raise ActError("a seat carries at least one vote", path=args.path("votes"))
    args.finish()
    member = _member(state, act.actor, act.time)
    if member is None:
        return state, Outcome.refuse(f"{act.actor} is not a member polity of the federation")
    sitting = [t for t in state.tenures if t.post == body and t.active(act.time)]
    if any(t.person == person for t in sitting):
        return state, Outcome.refuse(f"{person} already sits in {definition.name}")
    own = [t for t in sitting if t.chosen_by == act.actor]
    allowed = delegate_seats(state, body, act.actor, act.time)
    if len(own) >= allowed:
        return state, Outcome.refuse(
            f"{member.name} already fills its {allowed} seat{'s' if allowed != 1 else ''}"
            f" in {definition.name} (bodies.{body}.filled_by)"
        )
    until = definition.term.after(act.time) if definition.term is not None else None
    clause = f"bodies.{body}.filled_by"
    tenure = Tenure(person, body, "body", act.time, until, clause, act.actor, votes=votes)
    cited = f" (its decision: motion '{decision['motion']}')" if decision else ""
    return state.evolve(tenures=state.tenures.append(tenure)), Outcome.grant(
        f"{clause}: each member polity chooses its delegates by its own procedure",
        f"{person} seated in {definition.name} as a delegate of {member.name}{cited}",
    )


def _recall_delegate(state: PolityState, act: Act) -> Step:
    federation_of(state)
    args = Args(act.args)
    body = _delegation_body(state, args)
    person = args.text("person")
    if "decision" in args.values:
        read_consent(args)
    args.finish()
    ending = [
        t
        for t in state.tenures
        if t.post == body and t.person == person and t.chosen_by == act.actor and t.active(act.time)
    ]
    if not ending:
        return state, Outcome.refuse(
            f"{person} is not a delegate of {act.actor} in {state.constitution.label(body)}"
        )
    return state.with_tenures(ending, act.time, f"recalled by {act.actor}"), Outcome.grant(
        f"bodies.{body}.filled_by: a member polity may recall its delegates",
        f"{person} recalled from {state.constitution.label(body)} by {act.actor}",
    )


# --- secession ----------------------------------------------------------------------------------


def _secede(state: PolityState, act: Act) -> Step:
    """The member leaves, on its own decision: only the notice and settlement can be declared."""
    federation = federation_of(state)
    args = Args(act.args)
    decision = read_consent(args)
    checkpoint = args.text("checkpoint", required=False)
    args.finish()
    member = state.polities.get(act.actor)
    if member is None:
        return state, Outcome.refuse(f"{act.actor} is not a member polity of the federation")
    if member.leaves_at is not None:
        when = member.leaves_at.date().isoformat()
        return state, Outcome.refuse(f"{member.name} has already seceded (effective {when})")
    leaves_at = federation.secession.notice.after(act.time)
    left = replace(member, leaves_at=leaves_at, exit_checkpoint=checkpoint)
    state = state.evolve(polities=state.polities.set(member.id, left))
    delegates = [t for t in state.tenures if t.chosen_by == member.id and t.active(act.time)]
    effects = [f"{member.name} secedes on its own decision (motion '{decision['motion']}')"]
    if leaves_at == act.time:
        state = state.with_tenures(delegates, act.time, f"{member.name} left the federation")
        effects.append(f"{member.name} has left; {len(delegates)} delegate seat(s) ended")
    else:
        state = _seats_lapse_at(state, delegates, leaves_at)
        effects.append(
            f"after notice ({federation.secession.notice.describe()}), {member.name} leaves on"
            f" {leaves_at.date().isoformat()}; its {len(delegates)} delegate seat(s) end then"
        )
    effects.extend(f"settlement: {step}" for step in federation.secession.settlement)
    return state, Outcome.grant(
        "federation.secession: each member polity may leave the federation (entrenched)", *effects
    )


def _seats_lapse_at(state: PolityState, delegates: list[Tenure], at: datetime) -> PolityState:
    """The delegates keep their seats through the notice period, and lose them when it ends."""
    lapsing = {id(t) for t in delegates}
    tenures = [
        replace(t, until=at if t.until is None or t.until > at else t.until)
        if id(t) in lapsing
        else t
        for t in state.tenures
    ]
    return state.evolve(tenures=pvector(tenures))


def withdrawn_voters(state: PolityState, body: str, voters: set[str], at: datetime) -> set[str]:
    """Voters whose ballots no longer count: delegates of a member that has left by `at`."""
    if not state.polities:
        return set()
    gone = {p.id for p in state.polities.values() if not p.active(at)}
    if not gone:
        return set()
    return {
        t.person
        for t in (*state.tenures, *state.past_tenures)
        if t.post == body and t.person in voters and t.chosen_by in gone
    }


FEDERATION_ACTS = {
    "send-delegate": _send_delegate,
    "recall-delegate": _recall_delegate,
    "secede": _secede,
}
