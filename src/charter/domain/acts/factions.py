"""Factions and resignations: rights a member or holder has by status, not by a granted power.

Where the constitution bans factions, forming one is refused citing the ban.
Where factions are allowed, a faction is formed by its founders (the actor and
those who co-sign), joined and left by members, and dissolved only by its own
founder: no faction, and no member, may dissolve or expel another.
"""

from __future__ import annotations

from dataclasses import replace

from charter.domain.acts.args import Args
from charter.domain.acts.model import Act, Outcome
from charter.domain.state import Faction, PolityState
from charter.errors import ActError

__all__ = ["STATUS_ACTS"]

Step = tuple[PolityState, Outcome]


def _banned(state: PolityState) -> Outcome | None:
    rule = state.constitution.factions
    if rule.allowed:
        return None
    why = f": {rule.note.strip()}" if rule.note else ""
    return Outcome.refuse(f"factions are banned by the constitution (factions.allowed){why}")


def _faction(state: PolityState, args: Args) -> Faction:
    name = args.text("faction")
    faction = state.factions.get(name)
    if faction is None:
        raise ActError(f"unknown faction '{name}'", path=args.path("faction"))
    return faction


def _form(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    name = args.text("faction")
    label = args.text("name", required=False, default=name)
    args.text("platform", required=False)
    args.finish()
    if (refusal := _banned(state)) is not None:
        return state, refusal
    if name in state.factions:
        return state, Outcome.refuse(f"a faction '{name}' already exists")
    founders = frozenset({act.actor, *act.cosigned_by})
    outsiders = sorted(person for person in founders if person not in state.members)
    if outsiders:
        return state, Outcome.refuse(
            f"only members may found a faction; {', '.join(outsiders)} is not a member"
        )
    needed = state.constitution.factions.min_founders
    if len(founders) < needed:
        return state, Outcome.refuse(
            f"a faction needs {needed} founders (factions.min_founders); {len(founders)} signed"
        )
    faction = Faction(name, label, act.actor, founders, act.time)
    return state.with_faction(faction, name), Outcome.grant(
        "factions.allowed", f"faction '{label}' formed"
    )


def _join(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    faction = _faction(state, args)
    args.finish()
    if (refusal := _banned(state)) is not None:
        return state, refusal
    if act.actor not in state.members:
        return state, Outcome.refuse(f"{act.actor} is not a member")
    if act.actor in faction.members:
        return state, Outcome.refuse(f"{act.actor} already belongs to '{faction.id}'")
    joined = replace(faction, members=faction.members | {act.actor})
    return state.with_faction(joined, faction.id), Outcome.grant(
        "factions.allowed", f"{act.actor} joins '{faction.id}'"
    )


def _leave(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    faction = _faction(state, args)
    args.finish()
    if act.actor not in faction.members:
        return state, Outcome.refuse(f"{act.actor} does not belong to '{faction.id}'")
    remaining = faction.members - {act.actor}
    updated = replace(faction, members=remaining) if remaining else None
    return state.with_faction(updated, faction.id), Outcome.grant(
        "factions", f"{act.actor} leaves '{faction.id}'"
    )


def _dissolve(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    faction = _faction(state, args)
    args.finish()
    if act.actor != faction.founder:
        return state, Outcome.refuse(
            f"only its founder ({faction.founder}) may dissolve '{faction.id}'; no member or faction"
            " may dissolve another (expulsion takes the procedure of members.expulsion)"
        )
    return state.with_faction(None, faction.id), Outcome.grant(
        "factions", f"faction '{faction.id}' dissolved"
    )


def _resign(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    kind, post = args.post(state)
    args.finish()
    holding = [t for t in state.posts_of(act.actor, act.time) if t.post == post]
    if not holding:
        return state, Outcome.refuse(f"{act.actor} does not hold {state.constitution.label(post)}")
    new_state = state.with_tenures(list(holding), act.time, "resigned")
    clause = f"{'offices' if kind == 'office' else 'bodies'}.{post}"
    return new_state, Outcome.grant(
        clause, f"{act.actor} resigns from {state.constitution.label(post)}"
    )


STATUS_ACTS = {
    "form-faction": _form,
    "join-faction": _join,
    "leave-faction": _leave,
    "dissolve-faction": _dissolve,
    "resign": _resign,
}
