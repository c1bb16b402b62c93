"""Meek's method of STV, counted in nine-decimal fixed point as the New Zealand rules do.

Sources: I. D. Hill, B. A. Wichmann and D. R. Woodall, "Algorithm 123 --
Single Transferable Vote by Meek's method", The Computer Journal 30(3),
1987; the New Zealand Local Electoral Regulations 2001, Schedule 1A; and
the reference implementation in J. Lundell's Droop (rules/meek.py).

Each candidate has a keep value: 1 while hopeful, 0 once excluded, and for
an elected candidate the share of each vote reaching them that they keep.
A ballot is worth 1; at each preference in turn the candidate keeps
`weight x keep value` and passes the rest on. What passes the last
preference is excess (exhausted). The quota is recomputed from the votes
the candidates hold, and elected candidates' keep values are lowered until
they hold just a quota. Counted here:

- arithmetic: integers in units of 10^-9 (NumPy int64 across distinct
  ballots; keep-value updates in Python integers). A candidate keeps
  `weight x keep value` rounded up, the ballot passes on exactly the rest
  (Hill's convention); quota = total votes held / (seats + 1) truncated to
  nine decimals, plus 10^-9; a new keep value = keep value x quota / votes,
  each step rounded up (Schedule 1A).
- elected: a hopeful candidate whose votes reach the quota.
- an iteration round ends when someone is elected, when the total surplus of
  the elected falls to OMEGA = 10^-6 or below, or when it stops falling
  (stable); then, if seats remain, the lowest hopeful is excluded. Hopefuls
  within the total surplus of the lowest cannot be told apart by further
  iteration and are tied: the one lowest at the most recent earlier round
  where they differed goes, else the TieBreaker decides (recorded).
- when the hopefuls are no more than the seats left, they are all elected.
- batch exclusion of sure losers is not used (it never changes the result).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, tally_method
from charter.domain.tally.stv_common import ballots_of, by_history

__all__ = ["OMEGA", "stv_meek"]

SCALE = 10**9
OMEGA = 10**3  # 10^-6 of a vote, in units of 10^-9
MAX_ITERATIONS = 10_000


def _votes(units: int | np.int64) -> float:
    return int(units) / SCALE


@tally_method(
    "stv-meek",
    summary="Meek STV (Hill-Wichmann-Woodall / NZ Schedule 1A), 9-decimal fixed point",
    family="proportional",
    multi_winner=True,
    tie_rule="lowest at the most recent round where they differed, then TieBreaker",
)
def stv_meek(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    return _Meek(profile, seats, ties).run()


class _Meek:
    def __init__(self, profile: Profile, seats: int, ties: TieBreaker) -> None:
        self.names = profile.candidates
        self.seats = seats
        self.ties = ties
        ballots = ballots_of(profile)
        self.orders = ballots.orders
        # Weights are voters; fractional weights are kept to nine decimals.
        self.counts = np.rint(ballots.counts * SCALE).astype(np.int64)
        n = len(self.names)
        self.keep = [SCALE] * n
        self.hopeful = set(range(n)) - set(profile.withdrawn)
        for c in profile.withdrawn:
            self.keep[c] = 0
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.history: list[list[int]] = []
        self.rounds: list[dict[str, Any]] = []

    def distribute(self) -> tuple[list[int], int]:
        """Votes each candidate keeps (units of 10^-9) and the excess, from every ballot."""
        keep = np.append(np.array(self.keep, dtype=np.int64), 0)  # padding (-1) keeps nothing
        weight = np.full(self.orders.shape[0], SCALE, dtype=np.int64)
        votes = np.zeros(len(self.names) + 1, dtype=np.int64)
        for position in range(self.orders.shape[1]):
            candidates = self.orders[:, position]
            kept = -((-weight * keep[candidates]) // SCALE)  # rounded up
            weight -= kept
            # counts are voters x 10^9; kept is per voter x 10^9
            np.add.at(votes, candidates, (kept * (self.counts // SCALE)))
            np.add.at(votes, candidates, (kept * (self.counts % SCALE)) // SCALE)
        excess = int((weight * (self.counts // SCALE)).sum())
        excess += int(((weight * (self.counts % SCALE)) // SCALE).sum())
        return [int(v) for v in votes[:-1]], excess

    def run(self) -> TallyResult:
        while len(self.elected) < self.seats and len(self.hopeful) > self.seats - len(self.elected):
            self._round()
        rest = sorted(self.hopeful, key=lambda c: -self.history[-1][c] if self.history else c)
        last: list[str] = []
        for c in rest:
            if len(self.elected) < self.seats:
                self.elected.append(c)
                last.append(self.names[c])
            self.hopeful.discard(c)
        if last:
            if not self.rounds:
                votes, excess = self.distribute()
                self.rounds.append(self._record(votes, excess, self._quota(votes), 0, "none"))
            self.rounds[-1]["elected_remaining"] = last
        return TallyResult(
            "stv-meek",
            tuple(self.names[c] for c in self.elected),
            rounds=tuple(self.rounds),
            evidence={
                "rules": "Meek STV: Hill, Wichmann & Woodall, Algorithm 123 (1987); NZ Schedule 1A",
                "precision": "9 decimal places; keep rounded up; omega 0.000001",
                "excluded": [self.names[c] for c in self.excluded],
                "final_keep_values": {self.names[c]: _votes(self.keep[c]) for c in self.elected},
            },
        )

    def _quota(self, votes: list[int]) -> int:
        return sum(votes) // (self.seats + 1) + 1

    def _round(self) -> None:
        last_surplus: int | None = None
        iterations = 0
        while True:
            iterations += 1
            votes, excess = self.distribute()
            quota = self._quota(votes)
            new = sorted(
                (c for c in self.hopeful if votes[c] >= quota), key=lambda c: (-votes[c], c)
            )
            surplus = sum(max(votes[c] - quota, 0) for c in self.elected + new)
            if new:
                status = "elected"
            elif surplus <= OMEGA:
                status = "omega"
            elif last_surplus is not None and surplus >= last_surplus:
                status = "stable"
            else:
                status = ""
            if iterations >= MAX_ITERATIONS:  # pragma: no cover - the surplus falls until it cannot
                status = "iteration limit"
            if status:
                break
            last_surplus = surplus
            for c in self.elected:
                kept = -((-self.keep[c] * quota) // SCALE)
                self.keep[c] = min(SCALE, -((-kept * SCALE) // max(votes[c], 1)))
        self.history.append(votes)
        record = self._record(votes, excess, quota, iterations, status)
        if new:
            for c in new:
                self.hopeful.discard(c)
                self.elected.append(c)
            record["elected"] = [self.names[c] for c in new]
        else:
            self._exclude(votes, surplus, record)
        self.rounds.append(record)

    def _exclude(self, votes: list[int], surplus: int, record: dict[str, Any]) -> None:
        low = min(votes[c] for c in self.hopeful)
        tied = sorted(c for c in self.hopeful if votes[c] <= low + surplus)
        if len(tied) == 1:
            loser = tied[0]
        else:
            loser, note = by_history(
                tied,
                self.history,
                highest=False,
                ties=self.ties,
                purpose="meek: exclusion",
                stage=len(self.history),
                names=self.names,
            )
            record["ties"] = [note]
        self.hopeful.discard(loser)
        self.excluded.append(loser)
        self.keep[loser] = 0
        record["excluded"] = self.names[loser]

    def _record(
        self, votes: list[int], excess: int, quota: int, iterations: int, status: str
    ) -> dict[str, Any]:
        shown = [c for c in range(len(self.names)) if c in self.hopeful or c in self.elected]
        return {
            "round": len(self.rounds) + 1,
            "iterations": iterations,
            "ended_by": status,
            "quota": _votes(quota),
            "tallies": {self.names[c]: _votes(votes[c]) for c in shown},
            "keep_values": {self.names[c]: _votes(self.keep[c]) for c in self.elected},
            "excess": _votes(excess),
            "surplus": _votes(sum(max(votes[c] - quota, 0) for c in self.elected)),
        }
