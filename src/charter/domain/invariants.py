"""What must hold of every polity state, after every act; tests and replays check it.

A violation means a bug in Charter, never a user's mistake: acts that would
break one of these are refused before they take effect.
"""

from __future__ import annotations

from collections import Counter

from charter.domain.authority import incompatibility
from charter.domain.constitution.model import Delegation
from charter.domain.state import Motion, PolityState

__all__ = ["violations"]


def violations(state: PolityState) -> list[str]:
    """Every invariant `state` breaks (an empty list for a sound state)."""
    problems: list[str] = []
    c = state.constitution
    at = state.time
    active = state.active_tenures()
    for tenure in active:
        delegated = tenure.post in c.bodies and isinstance(
            c.bodies[tenure.post].filled_by, Delegation
        )
        if tenure.person not in state.members and not delegated:
            problems.append(f"{tenure.person} holds {tenure.post} but is not a member")
        if tenure.post not in c.offices and tenure.post not in c.bodies:
            problems.append(
                f"{tenure.person} holds {tenure.post}, which the constitution does not declare"
            )
    for post, holders in Counter(t.post for t in active).items():
        definition = c.offices.get(post) or c.bodies.get(post)
        if definition is not None and definition.seats is not None and holders > definition.seats:
            problems.append(f"{post} has {holders} holders for {definition.seats} seats")
    for tenure in active:
        body = c.bodies.get(tenure.post)
        if tenure.votes < 1 or (tenure.votes != 1 and (body is None or not body.weighted)):
            problems.append(
                f"{tenure.person}'s seat in {tenure.post} carries {tenure.votes} votes"
                " outside a weighted body"
            )
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
    for motion in state.motions.values():
        problems.extend(_ballot_violations(motion))
    for member in state.polities.values():
        if at is not None and not member.active(at):
            seated = [
                t.person
                for t in active
                if t.chosen_by == member.id
                and t.post in c.bodies
                and isinstance(c.bodies[t.post].filled_by, Delegation)
            ]
            if seated:
                problems.append(f"{member.id} has left but {', '.join(seated)} still sit for it")
    for clause, uses in state.exercises.items():
        times = [use.time for use in uses]
        if times != sorted(times) or any(use.clause != clause for use in uses):
            problems.append(f"exercises of {clause} are out of time order or misfiled")
    if state.versions[-1] is not state.constitution:
        problems.append("the current constitution is not the latest version")
    return problems


def _ballot_violations(motion: Motion) -> list[str]:
    """Ballots fit their motion; a secret box matches the votes cast; winners are options."""
    problems: list[str] = []
    marks = [mark for marks in motion.ballots.values() for mark in marks]
    if motion.secret:
        if any(mark.choice is not None or mark.ranking for mark in marks):
            problems.append(f"motion {motion.id} is secret but its record holds a marked ballot")
        if motion.status in ("closed", "carried", "failed") and motion.box:
            cast = sum(mark.votes for mark in marks)
            held = sum(mark.votes for mark in motion.box)
            if cast != held:
                problems.append(f"motion {motion.id}'s box holds {held} votes for {cast} cast")
        marks = list(motion.box)
    elif motion.box:
        problems.append(f"motion {motion.id} is voted openly but has a ballot box")
    options = set(motion.options)
    for mark in marks:
        if not set(mark.ranking) <= options:
            problems.append(f"a ballot on {motion.id} marks a name that is not an option")
        if len(set(mark.ranking)) != len(mark.ranking):
            problems.append(f"a ballot on {motion.id} marks one option twice")
        if motion.options and mark.choice is not None:
            problems.append(f"a ballot on {motion.id} answers yes/no to a choice")
    if motion.result is not None and not set(motion.result.winners) <= options:
        problems.append(f"motion {motion.id} chose winners who were not options")
    return problems
