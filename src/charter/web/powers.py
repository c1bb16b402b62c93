""" "My powers": what the constitution lets one person do now, and why not the rest.

Nothing here decides anything itself. Each power is put to the domain's
authority check (`authorize`), and each thing the person might do about a
motion is judged as an act by the domain (`Polity.judge`) without being
recorded: the answers are exactly those the person would get by acting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from charter.domain.acts import Act
from charter.domain.authority import authorize
from charter.domain.constitution import grants_of
from charter.domain.polity import Polity
from charter.domain.state import Motion
from charter.errors import ActError
from charter.web.views import ballot_form, clause_anchor

__all__ = ["MotionMove", "PowerAnswer", "motion_moves", "my_powers"]


@dataclass(frozen=True, slots=True)
class PowerAnswer:
    """One power: granted now (with the clause) or not (with the reason)."""

    power: str
    granted: bool
    clause: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "power": self.power,
            "granted": self.granted,
            "clause": self.clause,
            "anchor": clause_anchor(self.clause) if self.clause else None,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class MotionMove:
    """One act the person might take on one motion, as the domain would judge it now."""

    motion: str
    act: str
    granted: bool
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "motion": self.motion,
            "act": self.act,
            "granted": self.granted,
            "basis": self.basis,
        }


def my_powers(polity: Polity, person: str, at: datetime) -> list[PowerAnswer]:
    """Every power the constitution grants anyone, answered for `person` at `at`."""
    state = polity.state
    answers = []
    for power in sorted({grant.power for grant in grants_of(state.constitution)}):
        decision = authorize(state, actor=person, power=power, target=None, at=at)
        clause = decision.grant.clause if decision.grant is not None else None
        answers.append(PowerAnswer(power, decision.granted, clause, decision.reason))
    return answers


_MOVES: dict[str, tuple[str, ...]] = {
    "tabled": ("second-motion", "open-vote", "withdraw-motion"),
    "open": ("cast-ballot", "close-vote", "withdraw-motion"),
    "closed": ("declare-result",),
}


def _trial(
    motion: Motion, kind: str, ballot: str, box: Callable[[str], list[dict[str, Any]]] | None
) -> dict[str, Any]:
    args: dict[str, Any] = {"motion": motion.id}
    if kind == "cast-ballot" and ballot != "secret":
        args["choice"] = "abstain"  # any well-formed ballot: the question is whether one may vote
    if kind == "close-vote" and motion.secret and box is not None:
        args["box"] = box(motion.id)  # as the web would hand it in
    return args


def motion_moves(
    polity: Polity,
    person: str,
    at: datetime,
    box: Callable[[str], list[dict[str, Any]]] | None = None,
) -> list[MotionMove]:
    """For each undecided motion, each next step `person` might take, judged by the domain.

    Closing a secret vote is judged with its ballot box (`box` gives a motion's,
    as the web keeps it); without one it is left out."""
    state = polity.state
    moves = []
    moment = max(at, state.time) if state.time is not None else at
    for motion in state.motions.values():
        ballot = ballot_form(state, motion)
        for kind in _MOVES.get(motion.status, ()):
            if kind == "close-vote" and motion.secret and box is None:
                continue  # closing a secret vote hands in its box, which only the web keeps
            act = Act(actor=person, kind=kind, time=moment, args=_trial(motion, kind, ballot, box))
            try:
                entry = polity.judge(act).entry
            except ActError as error:
                moves.append(MotionMove(motion.id, kind, False, error.message))
                continue
            moves.append(MotionMove(motion.id, kind, entry.outcome.granted, entry.outcome.basis))
    return moves
