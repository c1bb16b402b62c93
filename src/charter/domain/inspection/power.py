"""Formal against effective voting power in each body: the measure of authority beyond office.

A person's *formal* power in a body is the normalised Banzhaf index of their
own seat in the body's voting game (its seats, or mandates, and the quota its
procedure's threshold sets). Their *effective* power now is the index of the
bloc of their own seat and every seat whose holder owes it to them, voting as
one; at the next filling, it is 1 wherever they decide who fills the body.
The ratio of effective to formal power is the headline measure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from charter.domain.authority import seat_holders, vote_weight
from charter.domain.constitution.model import Procedure
from charter.domain.inspection.control import Control
from charter.domain.power import banzhaf, weighted_game
from charter.domain.state import PolityState

__all__ = ["BodyPower", "body_powers", "quota_of"]


@dataclass(frozen=True, slots=True)
class BodyPower:
    """One person's power in one body: formal (own seat), effective now, and at the next filling."""

    body: str
    formal: Fraction
    effective_now: Fraction
    effective_next: Fraction
    bloc: tuple[str, ...]

    @property
    def ratio(self) -> float | None:
        """Effective (next filling) over formal power; None where the person has no seat."""
        if self.formal == 0:
            return None
        return float(self.effective_next / self.formal)

    def as_dict(self) -> dict[str, object]:
        return {
            "formal": float(self.formal),
            "effective_now": float(self.effective_now),
            "effective_next": float(self.effective_next),
            "ratio": self.ratio,
            "bloc": list(self.bloc),
        }


def quota_of(procedure: Procedure, total: int) -> int:
    """Votes a motion needs to carry when every vote is cast, by the procedure's threshold."""
    threshold = procedure.threshold
    if threshold.kind == "unanimity":
        return total
    if threshold.kind == "qualified":
        return max(1, math.ceil(threshold.share * total))
    return total // 2 + 1


def _game_power(weights: Mapping[str, int], quota: int, player: str) -> Fraction:
    if not weights or player not in weights:
        return Fraction(0)
    names = list(weights)
    game = weighted_game(names, [weights[name] for name in names], quota)
    return banzhaf(game).get(player, Fraction(0))


def body_powers(
    state: PolityState, control: Control, at: datetime | None = None
) -> tuple[BodyPower, ...]:
    """The person's power in every body they sit in, or whose seats or filling they control."""
    moment = at if at is not None else state.time
    if moment is None:
        return ()
    constitution = state.constitution
    person = control.person
    owed = control.people_now
    found: list[BodyPower] = []
    for (
        body
    ) in constitution.bodies:  # the general meeting: every member's seat is equal by symmetry
        holders = seat_holders(state, body, moment)
        in_body = person in holders
        bloc = sorted((holders & owed) - {person})
        controls_next = body in control.posts_next
        if not in_body and not bloc and not controls_next:
            continue
        votes = {holder: vote_weight(state, body, holder, moment) for holder in sorted(holders)}
        procedure = constitution.procedures.get(constitution.bodies[body].procedure, Procedure())
        quota = quota_of(procedure, sum(votes.values()))
        formal = _game_power(votes, quota, person) if in_body else Fraction(0)
        merged = {name: v for name, v in votes.items() if name != person and name not in bloc}
        merged[person] = sum(votes.get(name, 0) for name in (person, *bloc))
        effective_now = _game_power(merged, quota, person) if merged[person] else Fraction(0)
        effective_next = Fraction(1) if controls_next else effective_now
        found.append(BodyPower(body, formal, effective_now, effective_next, tuple(bloc)))
    return tuple(found)
