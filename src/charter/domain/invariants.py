"""What must hold of every polity state, after every act; tests and replays check it.

A violation means a bug in Charter, never a user's mistake: acts that would
break one of these are refused before they take effect.
"""

from __future__ import annotations

from collections import Counter

from charter.domain.authority import incompatibility
from charter.domain.state import PolityState

__all__ = ["violations"]


def violations(state: PolityState) -> list[str]:
    """Every invariant `state` breaks (an empty list for a sound state)."""
    problems: list[str] = []
    c = state.constitution
    at = state.time
    active = state.active_tenures()
    for tenure in active:
        if tenure.person not in state.members:
            problems.append(f"{tenure.person} holds {tenure.post} but is not a member")
        if tenure.post not in c.offices and tenure.post not in c.bodies:
            problems.append(
                f"{tenure.person} holds {tenure.post}, which the constitution does not declare"
            )
    for post, holders in Counter(t.post for t in active).items():
        definition = c.offices.get(post) or c.bodies.get(post)
        if definition is not None and definition.seats is not None and holders > definition.seats:
            problems.append(f"{post} has {holders} holders for {definition.seats} seats")
    pairs = Counter((t.person, t.post) for t in active)
    problems.extend(f"{person} holds {post} twice" for (person, post), n in pairs.items() if n > 1)
    if at is not None:
        for person in sorted({t.person for t in active}):
            for tenure in (t for t in active if t.person == person):
                if (why := incompatibility(state, person, tenure.post, at)) is not None:
                    problems.append(why)
    for faction in state.factions.values():
        if not c.factions.allowed:
            problems.append(f"faction {faction.id} exists although factions are banned")
        if not faction.members <= state.members:
            problems.append(f"faction {faction.id} has members who are not members of the polity")
        if not faction.members:
            problems.append(f"faction {faction.id} has no members")
    for nomination in state.nominations:
        if nomination.person not in state.members:
            problems.append(f"{nomination.person} is nominated but not a member")
    for motion in state.motions.values():
        if motion.status in ("carried", "failed") and motion.result is None:
            problems.append(f"motion {motion.id} is {motion.status} without a result")
        if motion.status == "open" and motion.opened_at is None:
            problems.append(f"motion {motion.id} is open but was never opened")
        if (
            motion.body != "members"
            and motion.body not in c.bodies
            and motion.status in ("tabled", "open")
        ):
            problems.append(
                f"motion {motion.id} is pending before {motion.body}, which no longer exists"
            )
    for clause, uses in state.exercises.items():
        times = [use.time for use in uses]
        if times != sorted(times) or any(use.clause != clause for use in uses):
            problems.append(f"exercises of {clause} are out of time order or misfiled")
    if state.versions[-1] is not state.constitution:
        problems.append("the current constitution is not the latest version")
    return problems
